using System.Globalization;
using System.Text.Json.Nodes;

namespace SplitGuard.Daemon.Status;

/// <summary>Monitoring-plugin states (Nagios, Icinga, Naemon, Zabbix's external checks): the exit code is the state.</summary>
public enum CheckState
{
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

/// <summary>
/// <c>splitguard status --check</c>: the status document judged as a monitoring plugin would, one line
/// "SPLITGUARD STATE - reasons | perfdata" and the state as exit code.
/// <list type="bullet">
/// <item>CRITICAL: panic; a resource whose stop failed; a resource kept stopped at its fail limit; the lease term
/// cannot be stored (the node is not eligible); the watchdog in error.</item>
/// <item>WARNING: a peer not heard on any link (no failover target); a link out of service or one-way (redundancy
/// lost); a resource that failed but is below its limit; this node in standby or offline; a watchdog warning.</item>
/// <item>UNKNOWN: the daemon does not answer, or the document is not one this version reads (the caller's part).</item>
/// </list>
/// </summary>
public static class StatusCheck
{
    public static (CheckState State, string Line) Evaluate(JsonObject status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var critical = new List<string>();
        var warning = new List<string>();
        var daemon = status["daemon"] as JsonObject;
        var node = daemon?["node"]?.ToString() ?? "?";
        var nodeStatus = daemon?["status"]?.ToString() ?? "?";
        int links = 0, inService = 0, peersLost = 0;
        foreach (var cluster in (status["clusters"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var peer in (cluster["peers"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var peerLinks = (peer["links"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                var up = peerLinks.Count(l => l["state"]?.ToString() == "in_service");
                links += peerLinks.Count;
                inService += up;
                if (up == 0)
                {
                    peersLost++;
                    warning.Add($"peer {peer["hostname"]} not heard on any link");
                    continue;
                }

                foreach (var link in peerLinks)
                {
                    if (link["state"]?.ToString() != "in_service")
                    {
                        warning.Add($"link {link["id"]} to {peer["hostname"]} {link["state"]}");
                    }
                    else if (link["one_way"]?.GetValue<bool>() == true)
                    {
                        warning.Add($"link {link["id"]} to {peer["hostname"]} one-way");
                    }
                }
            }
        }

        if (nodeStatus is "OFFLINE" or "STANDBY")
        {
            warning.Add($"this node is {nodeStatus}");
        }

        int resources = 0, failed = 0;
        if (status["ownership"] is JsonObject own)
        {
            if (own["panic"] is JsonValue panic)
            {
                critical.Add($"PANIC: {panic}");
            }

            if (own["term_store_error"] is JsonValue term)
            {
                critical.Add($"lease term not stored: {term}");
            }

            if (own["watchdog"] is JsonObject watchdog)
            {
                if (watchdog["error"] is JsonValue error)
                {
                    critical.Add($"watchdog: {error}");
                }
                else if (watchdog["warning"] is JsonValue warn)
                {
                    warning.Add($"watchdog: {warn}");
                }
            }

            foreach (var r in (own["resource_list"] as JsonArray ?? []).OfType<JsonObject>())
            {
                resources++;
                var failCount = r["fail_count"]?.GetValue<int>() ?? 0;
                var limit = r["fail_limit"]?.GetValue<int>() ?? int.MaxValue;
                if (r["stop_failed"]?.GetValue<bool>() == true)
                {
                    failed++;
                    critical.Add($"resource {r["name"]}: stop failed");
                }
                else if (failCount > 0 && failCount >= limit)
                {
                    failed++;
                    critical.Add($"resource {r["name"]}: kept stopped after {failCount} failures");
                }
                else if (failCount > 0)
                {
                    warning.Add($"resource {r["name"]}: {failCount} of {limit} failures");
                }
            }
        }

        var state = critical.Count > 0 ? CheckState.Critical : warning.Count > 0 ? CheckState.Warning : CheckState.Ok;
        var reasons = critical.Concat(warning).ToList();
        var summary = reasons.Count > 0
            ? string.Join("; ", reasons)
            : $"node {node} {nodeStatus}, {inService} of {links} links in service{Holder(status)}";
        var perf = string.Create(CultureInfo.InvariantCulture,
            $"links_in_service={inService};;;0;{links} peers_unreachable={peersLost} resources={resources} resources_failed={failed} frames_dropped={status["frames"]?["dropped_total"] ?? 0}c");
        return (state, $"SPLITGUARD {Name(state)} - {summary} | {perf}");
    }

    /// <summary>The line for a daemon that cannot be asked (state UNKNOWN).</summary>
    public static string Unknown(string reason) => $"SPLITGUARD UNKNOWN - {reason}";

    private static string Holder(JsonObject status) => status["ownership"] is JsonObject own && own["holder"] is JsonValue holder
        ? holder.GetValue<int>() == 0 ? ", no resource owner" : $", resources on node {holder}{(own["run"]?.GetValue<bool>() == true ? " (here)" : string.Empty)}"
        : string.Empty;

    private static string Name(CheckState state) => state switch
    {
        CheckState.Ok => "OK",
        CheckState.Warning => "WARNING",
        CheckState.Critical => "CRITICAL",
        _ => "UNKNOWN",
    };
}
