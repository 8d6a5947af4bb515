using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using SplitGuard.Daemon.Api;
using SplitGuard.Daemon.Status;

namespace SplitGuard.Commands;

/// <summary><c>splitguard status</c>: every cluster, peer, path and link as a table, or the raw document with <c>--json</c>.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var node = CommonOptions.Node();
        var json = new Option<bool>("--json") { Description = "Print the status document as JSON (schema in docs/operations.md)" };
        var socket = CommonOptions.ControlSocket();
        var why = new Option<bool>("--why") { Description = "Show the evidence behind the last ownership decision" };
        var check = new Option<bool>("--check")
        {
            Description = "One line for Nagios/Icinga; exit code 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (docs/operations.md, \"Monitoring\")",
        };
        var command = new Command("status", "Show clusters, peers, paths and links of the running daemon") { config, node, json, socket, why, check };
        command.SetAction(parse => parse.GetValue(check) ? Check(parse.GetValue(config), parse.GetValue(node), parse.GetValue(socket)) : DaemonRequest.Run(parse.GetValue(config), parse.GetValue(node), parse.GetValue(socket), new JsonObject { ["command"] = "status" }, status =>
        {
            if (parse.GetValue(why) && !parse.GetValue(json))
            {
                Console.WriteLine(status["ownership"] is JsonObject own
                    ? $"{own["why"]}\n{own["evidence"]!.ToJsonString(CommonOptions.Indented)}"
                    : "this node runs no resources: no ownership decisions");
                return 0;
            }

            Console.WriteLine(parse.GetValue(json) ? status.ToJsonString(CommonOptions.Indented) : Render(status));
            return 0;
        }));
        return command;
    }

    /// <summary><c>--check</c>: every failure to ask the daemon is UNKNOWN (3), never an error code of its own.</summary>
    private static int Check(string? config, string? node, string? socketOverride)
    {
        JsonObject status;
        try
        {
            var socket = socketOverride ?? ControlSocketLocator.Find(config, node);
            status = ControlClient.Send(socket, new JsonObject { ["command"] = "status" }, TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is CommandException or IOException)
        {
            Console.WriteLine(StatusCheck.Unknown($"cannot ask the daemon: {e.Message}"));
            return (int)CheckState.Unknown;
        }

        if (status["ok"]?.GetValue<bool>() != true)
        {
            Console.WriteLine(StatusCheck.Unknown($"the daemon refused: {status["error"]}"));
            return (int)CheckState.Unknown;
        }

        var (state, line) = StatusCheck.Evaluate(status);
        Console.WriteLine(line);
        return (int)state;
    }

    /// <summary>The human table.</summary>
    public static string Render(JsonObject status)
    {
        var text = new System.Text.StringBuilder();
        var daemon = status["daemon"]!;
        text.AppendLine(CultureInfo.InvariantCulture, $"node {daemon["node"]}  pid {daemon["pid"]}  status {daemon["status"]}  up {daemon["uptime_s"]} s  slow ticks {daemon["slow_ticks"]}");
        if (status["ownership"] is JsonObject own)
        {
            var holder = own["holder"]!.GetValue<int>() == 0 ? "none" : $"node {own["holder"]}";
            text.AppendLine(CultureInfo.InvariantCulture, $"ownership (cluster {own["cluster"]}): term {own["term"]}, holder {holder}, here: {(own["run"]!.GetValue<bool>() ? "RUN" : "stopped")}, resources {own["resources"]}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  why: {own["why"]}");
            if (own["watchdog"] is JsonObject watchdog)
            {
                var timeout = watchdog["effective_timeout_ms"] ?? watchdog["timeout_ms"];
                var warning = watchdog["error"] ?? watchdog["warning"];
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  watchdog: {watchdog["state"]}{(watchdog["device"] is JsonValue device ? $" {device}" : string.Empty)}{(timeout is null ? string.Empty : $", timeout {timeout} ms")}{(warning is null ? string.Empty : $" ({warning})")}; takeover after {own["takeover_after_ms"]} ms");
            }

            if (own["panic"] is JsonValue panic)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  PANIC: {panic}; no automatic decisions until `splitguard recover`");
            }

            if (own["cgroups"] is JsonValue cgroups)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  cgroups: {cgroups}");
            }

            if (own["resource_list"] is JsonArray resources)
            {
                foreach (var r in resources.OfType<JsonObject>())
                {
                    var flags = (r["stop_failed"]?.GetValue<bool>() == true ? " STOP-FAILED" : string.Empty)
                        + (r["disabled"]?.GetValue<bool>() == true ? " (kept stopped)" : string.Empty)
                        + (r["pending"] is JsonValue pending ? $" ({pending} running)" : string.Empty);
                    var error = r["last_error"] is JsonValue last ? $"; last error: {last}" : string.Empty;
                    var stops = r["last_stop_ms"] is JsonValue lastStop
                        ? string.Create(CultureInfo.InvariantCulture, $", last stop {lastStop.GetValue<double>():0} ms{(r["last_stop_killed"]?.GetValue<bool>() == true ? " (HARD-KILLED)" : string.Empty)}, longest {r["longest_stop_ms"]?.GetValue<double>() ?? 0:0} ms")
                        : string.Empty;
                    text.AppendLine(CultureInfo.InvariantCulture,
                        $"  resource {r["name"]} (group {r["group"]}): {r["status"]}{flags}, fail count {r["fail_count"]}/{r["fail_limit"]}{stops}{error}");
                }
            }
        }

        foreach (var cluster in status["clusters"]!.AsArray())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"cluster {cluster!["id"]} (this node: {cluster["local_node"]})");
            foreach (var peer in cluster["peers"]!.AsArray())
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  peer {peer!["id"]} {peer["hostname"]}  isolation: {peer["isolation"]}");
                foreach (var path in peer["paths"]!.AsArray())
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"    path {path!["type"],-5} {path["state"],-15} since {path["since"]}");
                }

                var rows = new List<string[]> { new[] { "link", "type", "state", "since", "one-way", "sent", "recv", "lost", "witness" } };
                foreach (var link in peer["links"]!.AsArray())
                {
                    var witness = link!["witness"] is null ? "-" : $"{link["witness"]} hop {link["hop"]!["state"]}";
                    rows.Add([link["id"]!.ToString(), link["type"]!.ToString(), link["state"]!.ToString(), FormatAge(link["since_ms"]), link["one_way"]!.GetValue<bool>() ? "YES" : "no",
                        link["sent"]!.ToString(), link["received"]!.ToString(), link["lost"]!.ToString(), witness]);
                }

                var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
                foreach (var row in rows)
                {
                    text.Append("    ");
                    text.AppendLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
                }
            }
        }

        var frames = status["frames"]!;
        text.Append(CultureInfo.InvariantCulture, $"frames accepted {frames["accepted"]}, dropped {frames["dropped_total"]}");
        var nonzero = frames["dropped"]!.AsObject().Where(kv => kv.Value!.GetValue<long>() > 0).Select(kv => $"{kv.Key} {kv.Value}").ToList();
        if (nonzero.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" ({string.Join(", ", nonzero)})");
        }

        return text.ToString();
    }

    private static string FormatAge(JsonNode? ms)
    {
        var value = ms?.GetValue<double>() ?? 0;
        return value < 10_000 ? $"{value:0} ms ago" : $"{value / 1000:0} s ago";
    }
}
