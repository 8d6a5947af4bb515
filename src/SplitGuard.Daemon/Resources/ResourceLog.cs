using Microsoft.Extensions.Logging;

namespace SplitGuard.Daemon.Resources;

/// <summary>Log lines of the resource manager with stable event ids: 1500-1549 resource processes, cgroups and stops.</summary>
internal static partial class ResourceLog
{
    [LoggerMessage(1500, LogLevel.Information, "resources run in cgroups: {Mode} (splitguard/{Node}/<resource>)")]
    public static partial void CgroupsOn(ILogger logger, string mode, string node);

    [LoggerMessage(1501, LogLevel.Warning, "resources run WITHOUT cgroups ({Mode}): a service that detaches from its agent's session, or ignores SIGTERM, cannot be killed reliably; the hard kill only removes addresses")]
    public static partial void CgroupsOff(ILogger logger, string mode);

    [LoggerMessage(1502, LogLevel.Warning, "resource {Resource}: the probe at start says not running, but its cgroup still holds {Count} process(es) ({Pids}) from an earlier run: killed them (empty: {Empty})")]
    public static partial void Leftovers(ILogger logger, string resource, int count, string pids, bool empty);

    [LoggerMessage(1510, LogLevel.Warning, "resource {Resource}: its stop said stopped, but left {Count} process(es) ({Pids}) in its cgroup: sent them SIGTERM")]
    public static partial void StopLeftovers(ILogger logger, string resource, int count, string pids);

    [LoggerMessage(1511, LogLevel.Information, "resource {Resource}: {Message}")]
    public static partial void StateChanged(ILogger logger, string resource, string message);

    [LoggerMessage(1512, LogLevel.Warning, "resource {Resource}: {Message}")]
    public static partial void Failed(ILogger logger, string resource, string message);

    [LoggerMessage(1513, LogLevel.Error, "resource {Resource}: {Message}; this node gives the resources up until `splitguard resource cleanup`")]
    public static partial void MustMove(ILogger logger, string resource, string message);

    [LoggerMessage(1514, LogLevel.Critical, "resource {Resource}: STOP FAILED ({Message}); escalating: killing its processes")]
    public static partial void StopFailed(ILogger logger, string resource, string message);

    [LoggerMessage(1515, LogLevel.Warning, "resource {Resource}: escalation worked: {Detail}")]
    public static partial void EscalationWorked(ILogger logger, string resource, string detail);

    [LoggerMessage(1516, LogLevel.Error, "resource {Resource}: escalation failed: {Detail} (the node enters panic: event 1400)")]
    public static partial void EscalationFailed(ILogger logger, string resource, string detail);

    [LoggerMessage(1517, LogLevel.Warning, "recovered from panic ({Reason}): every resource is confirmed stopped; automatic decisions resume")]
    public static partial void Recovered(ILogger logger, string reason);

    [LoggerMessage(1518, LogLevel.Information, "resource {Resource} started ({Ms:0} ms)")]
    public static partial void Started(ILogger logger, string resource, double ms);

    [LoggerMessage(1519, LogLevel.Error, "resource {Resource}: start failed: {Message}")]
    public static partial void StartFailed(ILogger logger, string resource, string message);

    [LoggerMessage(1520, LogLevel.Warning, "resource {Resource}: the probe at start found it running here; the lease decides whether it stays")]
    public static partial void FoundRunning(ILogger logger, string resource);

    [LoggerMessage(1521, LogLevel.Error, "cannot create the resources' cgroups: {Problem}")]
    public static partial void CgroupsNotCreated(ILogger logger, string problem);

    [LoggerMessage(1522, LogLevel.Information, "guard process {Pid} watches this daemon ({Script})")]
    public static partial void GuardStarted(ILogger logger, int pid, string script);

    [LoggerMessage(1523, LogLevel.Warning, "guard process {How}; starting a new one")]
    public static partial void GuardGone(ILogger logger, string how);

    [LoggerMessage(1503, LogLevel.Error, "resource {Resource}: its stop said stopped, but {Count} process(es) ({Pids}) stayed in its cgroup for {Ms:0} ms: not a clean stop")]
    public static partial void StopLeftProcesses(ILogger logger, string resource, int count, string pids, double ms);

    [LoggerMessage(1504, LogLevel.Warning, "resource {Resource}: stop took {Ms:0} ms, more than half the stop budget ({BudgetMs:0} ms)")]
    public static partial void SlowStop(ILogger logger, string resource, double ms, double budgetMs);

    [LoggerMessage(1505, LogLevel.Error, "resource {Resource}: HARD KILL ({Reason}): graceful part {GracefulMs:0} ms, kill until empty {KillMs:0.00} ms, {Killed} process(es) killed, addresses removed: {Addresses}; cgroup empty: {Empty}")]
    public static partial void HardKilled(ILogger logger, string resource, string reason, double gracefulMs, double killMs, int killed, string addresses, bool empty);

    [LoggerMessage(1506, LogLevel.Critical, "resource {Resource}: hard kill could not empty its cgroup: {Remaining} (uninterruptible sleep?); {Problem}")]
    public static partial void HardKillIncomplete(ILogger logger, string resource, string remaining, string problem);

    [LoggerMessage(1507, LogLevel.Error, "resource {Resource}: removing its address failed: {Problem}")]
    public static partial void AddressNotRemoved(ILogger logger, string resource, string problem);

    [LoggerMessage(1508, LogLevel.Error, "hard kill ({Reason}) of {Count} resource(s): every process signalled and address removed in {SignalMs:0.00} ms, cgroups empty after {EmptyMs:0.00} ms: {Empty}")]
    public static partial void HardKillDone(ILogger logger, string reason, int count, double signalMs, double emptyMs, bool empty);

    [LoggerMessage(1509, LogLevel.Warning, "cannot remove the cgroup of {Resource}: it still holds processes or cannot be removed")]
    public static partial void CgroupNotRemoved(ILogger logger, string resource);
}
