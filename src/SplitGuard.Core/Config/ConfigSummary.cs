using System.Globalization;

namespace SplitGuard.Core.Config;

/// <summary>The human summary <c>splitguard config check</c> prints for a valid configuration.</summary>
public static class ConfigSummary
{
    /// <summary>
    /// Lines describing <paramref name="cfg"/>: a headline, one line per cluster, one per link, and
    /// one line each for the system, logging and file settings.
    /// </summary>
    public static IReadOnlyList<string> Describe(SplitGuardConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        var lines = new List<string>();
        var members = cfg.Clusters.Sum(c => c.Members.Count);
        var links = cfg.Clusters.Sum(c => c.Links.Count);
        lines.Add(Invariant($"{cfg.SourcePath ?? "<config>"}: valid: {Count(cfg.Clusters.Count, "cluster")}, {Count(members, "member")}, {Count(links, "link")}"));
        foreach (var cluster in cfg.Clusters)
        {
            var memberText = string.Join(", ", cluster.Members.Select(m => Invariant($"{m.Id} {m.Hostname}")));
            lines.Add(Invariant($"cluster {cluster.Id}: members {memberText}"));
            foreach (var link in cluster.Links)
            {
                var type = link.Type == LinkType.Udp ? "udp " : "icmp";
                var via = link.IcmpIp is null ? string.Empty : $" via {link.IcmpIp}";
                // The links' own rule (LinkMonitor): maxloss intervals plus half an interval of slack.
                var detection = Seconds((link.Interval * link.MaxLoss) + Links.LinkMonitor.Slack(link.Interval));
                lines.Add(Invariant(
                    $"  link {link.Id} {type} node {link.A.NodeId} {link.A.Ip} <-> node {link.B.NodeId} {link.B.Ip}{via}, interval {Seconds(link.Interval)} s, maxloss {link.MaxLoss} (out of service after {detection} s)"));
            }
        }

        var udp = cfg.System.UdpPort == 0 ? "none" : cfg.System.UdpPort.ToString(CultureInfo.InvariantCulture);
        lines.Add(Invariant($"system: udp_port {udp}, foreground {(cfg.System.Foreground ? "true" : "false")}"));
        lines.Add(Invariant($"logging: {cfg.Logging.Level} to {cfg.Logging.LogFile}, rotated at {cfg.Logging.MaxFileSizeMb} MB, {cfg.Logging.NoOfFile} files kept"));
        lines.Add(Invariant($"api socket {cfg.Api.Socket}{Group(cfg.Api.Group)}; control socket {cfg.Daemon.ControlSocket}{Group(cfg.Daemon.ControlGroup)}"));
        lines.Add(Invariant($"key file {cfg.Auth.KeyFile}; pid file {cfg.Daemon.PidFile}; state {cfg.Daemon.StateDir}"));
        if (cfg.Ownership.Watchdog is { } watchdog)
        {
            // Say what the peers will wait for, since that is what the operator pays in every takeover.
            var rounded = watchdog.ResetBound == watchdog.Timeout ? string.Empty : Invariant($" ({Seconds(watchdog.ResetBound)} s on a kernel watchdog, which takes whole seconds)");
            lines.Add(Invariant($"watchdog {watchdog.Device}, timeout {Seconds(watchdog.Timeout)} s{rounded}: takeovers from a silent peer wait {Seconds(watchdog.ResetBound)} s longer"));
        }

        return lines;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Count(int n, string noun) => Invariant($"{n} {noun}{(n == 1 ? string.Empty : "s")}");

    private static string Group(string? group) => group is null ? string.Empty : $" (group {group})";

    private static string Seconds(TimeSpan span) => ((decimal)span.Ticks / TimeSpan.TicksPerSecond).ToString("0.######", CultureInfo.InvariantCulture);
}
