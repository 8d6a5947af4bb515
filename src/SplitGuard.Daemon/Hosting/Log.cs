using Microsoft.Extensions.Logging;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// Every log line the daemon writes, with stable event ids operators can grep for:
/// 1000-1099 lifecycle, 1100-1199 links and paths, 1200-1299 frames, 1300-1399 control and API
/// (1500-1549, resource processes and cgroups: <see cref="Resources.ResourceLog"/>).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "splitguard {Version} starting: node {Node} in {Clusters} cluster(s), incarnation {Incarnation}, config {ConfigPath}")]
    public static partial void Starting(ILogger logger, string version, string node, int clusters, ulong incarnation, string configPath);

    [LoggerMessage(1001, LogLevel.Information, "ready: {Links} link(s), control socket {ControlSocket}")]
    public static partial void Ready(ILogger logger, int links, string controlSocket);

    [LoggerMessage(1002, LogLevel.Information, "stopping ({Reason})")]
    public static partial void Stopping(ILogger logger, string reason);

    [LoggerMessage(1003, LogLevel.Information, "stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(1004, LogLevel.Critical, "event loop failed; stopping the daemon")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(1005, LogLevel.Information, "heartbeat threads run under SCHED_RR at priority {Priority} (Daemon.realtime_priority), entered after the {Warmup} s start-up warm-up")]
    public static partial void Realtime(ILogger logger, int priority, double warmup);

    [LoggerMessage(1006, LogLevel.Warning, "heartbeat threads keep normal scheduling: {Reason}; a CPU hog may delay heartbeats (run as root or grant CAP_SYS_NICE, or set Daemon.realtime_priority to 0 to silence this)")]
    public static partial void NoRealtime(ILogger logger, string reason);

    [LoggerMessage(1007, LogLevel.Warning, "{Transport} receive failed: {Error}")]
    public static partial void ReceiveFailed(ILogger logger, string transport, string error);

    [LoggerMessage(1008, LogLevel.Warning, "incarnation: {Warning}")]
    public static partial void IncarnationWarning(ILogger logger, string warning);

    [LoggerMessage(1010, LogLevel.Information, "reload ({Trigger}) in {Ms} ms: applied {Applied}")]
    public static partial void Reloaded(ILogger logger, string trigger, double ms, string applied);

    [LoggerMessage(1011, LogLevel.Error, "reload ({Trigger}) refused, nothing changed: {Count} error(s) in {Path}: {Errors}")]
    public static partial void ReloadRefused(ILogger logger, string trigger, int count, string path, string errors);

    [LoggerMessage(1012, LogLevel.Warning, "reload ({Trigger}): {Count} change(s) take effect only when the daemon restarts, running on without them: {Paths}")]
    public static partial void ReloadNeedsRestart(ILogger logger, string trigger, int count, string paths);

    [LoggerMessage(1419, LogLevel.Warning, "lease term stored again in {Path}; this node may own resources again")]
    public static partial void TermStoredAgain(ILogger logger, string path);

    [LoggerMessage(1417, LogLevel.Information, "operator: {Command}: {Message}")]
    public static partial void Operator(ILogger logger, string command, string message);

    [LoggerMessage(1100, LogLevel.Warning, "cluster {Cluster} node {Peer} link {Link} ({Type}) OUT OF SERVICE: {Detail}")]
    public static partial void LinkDown(ILogger logger, ushort cluster, ushort peer, ushort link, string type, string detail);

    [LoggerMessage(1101, LogLevel.Information, "cluster {Cluster} node {Peer} link {Link} ({Type}) in service: {Detail}")]
    public static partial void LinkUp(ILogger logger, ushort cluster, ushort peer, ushort link, string type, string detail);

    [LoggerMessage(1102, LogLevel.Warning, "cluster {Cluster} node {Peer} {Type} path OUT OF SERVICE: {Detail}")]
    public static partial void PathDown(ILogger logger, ushort cluster, ushort peer, string type, string detail);

    [LoggerMessage(1103, LogLevel.Information, "cluster {Cluster} node {Peer} {Type} path in service")]
    public static partial void PathUp(ILogger logger, ushort cluster, ushort peer, string type);

    [LoggerMessage(1104, LogLevel.Warning, "cluster {Cluster} node {Peer} link {Link} ({Type}) ONE-WAY: {Detail}")]
    public static partial void OneWay(ILogger logger, ushort cluster, ushort peer, ushort link, string type, string detail);

    [LoggerMessage(1105, LogLevel.Information, "cluster {Cluster} node {Peer} link {Link} ({Type}) one-way cleared: {Detail}")]
    public static partial void OneWayCleared(ILogger logger, ushort cluster, ushort peer, ushort link, string type, string detail);

    [LoggerMessage(1106, LogLevel.Warning, "cluster {Cluster} link {Link} icmp_hop: {Detail}")]
    public static partial void HopDown(ILogger logger, ushort cluster, ushort link, string detail);

    [LoggerMessage(1107, LogLevel.Information, "cluster {Cluster} link {Link} icmp_hop: {Detail}")]
    public static partial void HopUp(ILogger logger, ushort cluster, ushort link, string detail);

    [LoggerMessage(1108, LogLevel.Warning, "slow tick: {Detail}")]
    public static partial void SlowTick(ILogger logger, string detail);

    [LoggerMessage(1200, LogLevel.Debug, "dropped frame from {Source} ({Transport}): {Reason}")]
    public static partial void Dropped(ILogger logger, string source, string transport, string reason);

    [LoggerMessage(1300, LogLevel.Warning, "control socket: refused pid {Pid} uid {Uid} gid {Gid}: not root, not our user, not in the control group")]
    public static partial void ControlRefused(ILogger logger, int pid, uint uid, uint gid);

    [LoggerMessage(1301, LogLevel.Warning, "control socket: bad request from pid {Pid}: {Reason}")]
    public static partial void ControlBadRequest(ILogger logger, int pid, string reason);

    [LoggerMessage(1401, LogLevel.Error, "cannot store the lease term in {Path} ({Reason}): this node stops being eligible to own resources until it can")]
    public static partial void TermNotStored(ILogger logger, string path, string reason);
}

