using System.Net;

namespace SplitGuard.Core.Config;

/// <summary>The whole configuration: sbp's shape (Cluster, System, Logging, api) plus SplitGuard's own keys.</summary>
public sealed record SplitGuardConfig(
    IReadOnlyList<ClusterConfig> Clusters,
    SystemConfig System,
    LoggingConfig Logging,
    ApiConfig Api,
    AuthConfig Auth,
    DaemonConfig Daemon,
    string? SourcePath)
{
    /// <summary>The <c>Ownership</c> section (lease timing); defaults when absent.</summary>
    public OwnershipConfig Ownership { get; init; } = OwnershipConfig.Default;
}

/// <summary>The <c>Ownership</c> section: timing of the lease that decides which node runs the resources, and pha's gateways.</summary>
/// <param name="StopBudget">How long the owner's resources may take to stop (<c>stop_budget</c>, seconds): the owner starts stopping them this long before its lease ends.</param>
public sealed record OwnershipConfig(TimeSpan StopBudget)
{
    /// <summary>Addresses pinged to check this node's outside connectivity (<c>gateways</c>); none by default.</summary>
    public IReadOnlyList<IPAddress> Gateways { get; init; } = [];

    /// <summary>Time between gateway pings (<c>gateway_interval</c>, default 0.1 s).</summary>
    public TimeSpan GatewayInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Unanswered pings before the gateways count as lost (<c>gateway_maxloss</c>, default 5).</summary>
    public int GatewayMaxLoss { get; init; } = 5;

    /// <summary>The watchdog device the daemon arms while it owns or may own (<c>watchdog</c>); null: no watchdog.</summary>
    public WatchdogConfig? Watchdog { get; init; }

    /// <summary>0.25 s: room for IPaddr2 (about 50 ms here) and a service that stops within 200 ms.</summary>
    public static readonly OwnershipConfig Default = new(TimeSpan.FromMilliseconds(250));
}

/// <summary>
/// <c>Ownership.watchdog</c>: a device that resets the node unless it is petted in time, so a node whose daemon and guard
/// are both frozen, or whose resources cannot be killed, is reset before a peer may take over (as sbd does).
/// </summary>
/// <param name="Device">Absolute path of the device (<c>/dev/watchdog</c>, or the lab stand-in's FIFO); <c>{node}</c> allowed.</param>
/// <param name="Timeout">How long the device waits for a pet before it resets the node, as configured.</param>
public sealed record WatchdogConfig(string Device, TimeSpan Timeout)
{
    /// <summary>The device used when <c>device</c> is left out.</summary>
    public const string DefaultDevice = "/dev/watchdog";

    /// <summary>
    /// The timeout rounded up to whole seconds: kernel watchdogs only take whole seconds, and the daemon refuses to arm a
    /// device whose timeout reads back longer than this. So this is the longest an unpetted node can run before its reset,
    /// whatever the device, and it is the value a peer must add to the lease before a takeover (docs/ownership.md).
    /// </summary>
    public TimeSpan ResetBound => TimeSpan.FromSeconds(WholeSeconds);

    /// <summary><see cref="Timeout"/> in whole seconds, rounded up (what WDIOC_SETTIMEOUT is given).</summary>
    public int WholeSeconds => (int)Math.Ceiling(Timeout.Ticks / (double)TimeSpan.TicksPerSecond);
}

/// <summary>One cluster (sbp: an entry of the <c>Cluster</c> array).</summary>
public sealed record ClusterConfig(ushort Id, IReadOnlyList<MemberConfig> Members, IReadOnlyList<LinkConfig> Links);

/// <summary>One member node of a cluster.</summary>
/// <param name="Id">The node ID.</param>
/// <param name="Hostname">The node's name.</param>
/// <param name="Priority">SplitGuard's <c>Priority</c>: when both nodes may own and neither does, the higher priority claims (then the lower ID).</param>
public sealed record MemberConfig(ushort Id, string Hostname, int Priority = 0);

/// <summary>Link types as configured (sbp: <c>udp</c> or <c>icmp</c>).</summary>
public enum LinkType
{
    Icmp = 0,
    Udp = 1,
}

/// <summary>One heartbeat link between exactly two nodes.</summary>
public sealed record LinkConfig(
    ushort Id,
    LinkType Type,
    TimeSpan Interval,
    int MaxLoss,
    IPAddress? IcmpIp,
    LinkEndpoint A,
    LinkEndpoint B)
{
    /// <summary>The endpoint of <paramref name="nodeId"/>, or null when the node is not on this link.</summary>
    public LinkEndpoint? EndpointOf(ushort nodeId) => A.NodeId == nodeId ? A : B.NodeId == nodeId ? B : null;

    /// <summary>The other endpoint, seen from <paramref name="nodeId"/>.</summary>
    public LinkEndpoint? PeerOf(ushort nodeId) => A.NodeId == nodeId ? B : B.NodeId == nodeId ? A : null;
}

/// <summary>One end of a link: a node and the address it uses for this link.</summary>
public sealed record LinkEndpoint(ushort NodeId, IPAddress Ip);

/// <summary>sbp's <c>System</c> object.</summary>
public sealed record SystemConfig(int UdpPort, bool Foreground);

/// <summary>sbp's <c>Logging</c> object.</summary>
public sealed record LoggingConfig(string Level, string LogFile, int MaxFileSizeMb, int NoOfFile)
{
    /// <summary>Whether the file names <c>logfile</c> (under systemd's journal the default file is not written).</summary>
    public bool LogFileConfigured { get; init; }
}

/// <summary>sbp's <c>api</c> object; <c>group</c> and <c>events_socket</c> are SplitGuard's additions.</summary>
public sealed record ApiConfig(string Socket, string? Group)
{
    /// <summary>The JSON-lines event stream socket (docs/api.md), or null when disabled.</summary>
    public string? EventsSocket { get; init; }
}

/// <summary>SplitGuard's <c>Auth</c> object: the key file that authenticates frames (mode 0600).</summary>
public sealed record AuthConfig(string KeyFile);

/// <summary>SplitGuard's <c>Daemon</c> object: files of the running daemon.</summary>
public sealed record DaemonConfig(string PidFile, string ControlSocket, string? ControlGroup, int RealtimePriority = ConfigDefaults.RealtimePriority)
{
    /// <summary>
    /// <c>Daemon.state_dir</c>: what must survive a restart and a reboot (the lease term, the incarnation); one daemon
    /// per directory (locked while it runs).
    /// </summary>
    public string StateDir { get; init; } = ConfigDefaults.StateDir;
}
