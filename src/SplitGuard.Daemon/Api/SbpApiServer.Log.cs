using Microsoft.Extensions.Logging;

namespace SplitGuard.Daemon.Api;

/// <summary>Log lines of the sbp API (event ids 1310-1329). Lines about single clients are rate limited.</summary>
public sealed partial class SbpApiServer
{
    [LoggerMessage(1310, LogLevel.Information, "sbp api: listening on {Path} (at most {MaxClients} clients)")]
    private static partial void Listening(ILogger logger, string path, int maxClients);

    [LoggerMessage(1311, LogLevel.Information, "sbp api: pid {Pid} uid {Uid} registered for cluster {Cluster}; {Alarms} active alarm(s) sent")]
    private static partial void Registered(ILogger logger, int pid, uint uid, ushort cluster, int alarms);

    [LoggerMessage(1312, LogLevel.Warning, "sbp api: pid {Pid} uid {Uid} registered unknown cluster {Cluster}; disconnected")]
    private static partial void UnknownCluster(ILogger logger, ushort cluster, int pid, uint uid);

    [LoggerMessage(1313, LogLevel.Warning, "sbp api: pid {Pid} uid {Uid} sent no cluster id within {Seconds} s; disconnected")]
    private static partial void RegistrationTimedOut(ILogger logger, int pid, uint uid, double seconds);

    [LoggerMessage(1314, LogLevel.Warning, "sbp api: refused pid {Pid} uid {Uid}: already {MaxClients} clients")]
    private static partial void TooManyClients(ILogger logger, int pid, uint uid, int maxClients);

    [LoggerMessage(1315, LogLevel.Warning, "sbp api: dropped pid {Pid} uid {Uid} (cluster {Cluster}): it does not read, {QueueLimit} bytes queued")]
    private static partial void SlowClientDropped(ILogger logger, int pid, uint uid, ushort cluster, int queueLimit);

    [LoggerMessage(1316, LogLevel.Warning, "sbp api: dropped pid {Pid} uid {Uid} (cluster {Cluster}): sent more than {GarbageLimit} bytes after registering")]
    private static partial void GarbageClientDropped(ILogger logger, int pid, uint uid, ushort cluster, int garbageLimit);

    [LoggerMessage(1317, LogLevel.Debug, "sbp api: pid {Pid} uid {Uid} (cluster {Cluster}) disconnected: {Reason}")]
    private static partial void ClientGone(ILogger logger, int pid, uint uid, ushort cluster, string reason);

    [LoggerMessage(1318, LogLevel.Warning, "sbp api: {Count} more line(s) with event id {SuppressedEventId} suppressed (at most 20 per 10 s)")]
    private static partial void Suppressed(ILogger logger, long count, int suppressedEventId);

    [LoggerMessage(1319, LogLevel.Warning, "sbp api: accept failed ({Error}); retrying")]
    private static partial void AcceptFailed(ILogger logger, string error);

    [LoggerMessage(1320, LogLevel.Warning, "sbp api: could not give {Path} to group '{Group}' (chown failed); only the daemon's user can connect")]
    private static partial void GroupNotApplied(ILogger logger, string path, string group);

    [LoggerMessage(1321, LogLevel.Error, "sbp api: more than {Pending} events waited for dispatch (thread pool starved); events were lost, {Clients} client(s) disconnected to reconnect and get a fresh replay")]
    private static partial void EventsLost(ILogger logger, int pending, int clients);

    [LoggerMessage(1322, LogLevel.Error, "sbp api: serving pid {Pid} uid {Uid} failed; disconnected")]
    private static partial void ServeFailed(ILogger logger, int pid, uint uid, Exception exception);

    [LoggerMessage(1323, LogLevel.Error, "sbp api: dispatching an event failed")]
    private static partial void DispatchFailed(ILogger logger, Exception exception);
}
