using Microsoft.Extensions.Logging;

namespace SplitGuard.Daemon.Api;

/// <summary>Log lines of the JSON event stream (event ids 1330-1349). Lines about single clients are rate limited.</summary>
public sealed partial class EventStreamServer
{
    [LoggerMessage(1330, LogLevel.Information, "event stream: listening on {Path} (at most {MaxClients} clients)")]
    private static partial void Listening(ILogger logger, string path, int maxClients);

    [LoggerMessage(1331, LogLevel.Information, "event stream: pid {Pid} uid {Uid} connected")]
    private static partial void Connected(ILogger logger, int pid, uint uid);

    [LoggerMessage(1334, LogLevel.Warning, "event stream: refused pid {Pid} uid {Uid}: already {MaxClients} clients")]
    private static partial void TooManyClients(ILogger logger, int pid, uint uid, int maxClients);

    [LoggerMessage(1335, LogLevel.Warning, "event stream: dropped pid {Pid} uid {Uid}: it does not read, {QueueLimit} bytes queued")]
    private static partial void SlowClientDropped(ILogger logger, int pid, uint uid, int queueLimit);

    [LoggerMessage(1336, LogLevel.Warning, "event stream: dropped pid {Pid} uid {Uid}: sent more than {GarbageLimit} bytes")]
    private static partial void GarbageClientDropped(ILogger logger, int pid, uint uid, int garbageLimit);

    [LoggerMessage(1337, LogLevel.Debug, "event stream: pid {Pid} uid {Uid} disconnected: {Reason}")]
    private static partial void ClientGone(ILogger logger, int pid, uint uid, string reason);

    [LoggerMessage(1338, LogLevel.Warning, "event stream: {Count} more line(s) with event id {SuppressedEventId} suppressed (at most 20 per 10 s)")]
    private static partial void Suppressed(ILogger logger, long count, int suppressedEventId);

    [LoggerMessage(1339, LogLevel.Warning, "event stream: accept failed ({Error}); retrying")]
    private static partial void AcceptFailed(ILogger logger, string error);

    [LoggerMessage(1340, LogLevel.Warning, "event stream: could not give {Path} to group '{Group}' (chown failed); only the daemon's user can connect")]
    private static partial void GroupNotApplied(ILogger logger, string path, string group);

    [LoggerMessage(1341, LogLevel.Error, "event stream: dispatching an event failed")]
    private static partial void DispatchFailed(ILogger logger, Exception exception);
}
