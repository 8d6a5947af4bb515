using System.Buffers;
using System.Net.Sockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SplitGuard.Core.Links;
using SplitGuard.Daemon.Api.SbpSockets;
using SplitGuard.Daemon.Hosting;

namespace SplitGuard.Daemon.Api;

/// <summary>
/// The JSON event stream (opt-in): a unix socket that writes one JSON object per line for every event the daemon knows,
/// starting with every <see cref="LinkEvent"/>, so applications need no binary parsing. Clients only read; anything they
/// send is discarded. The same isolation as the sbp API: publishing only hands the event to a dispatcher on the thread
/// pool (which formats the line once and copies it into bounded per-client queues drained by async senders), slow or
/// flooding clients are dropped with a log line naming pid and uid, and concurrent clients are capped. See docs/api.md.
/// </summary>
public sealed partial class EventStreamServer : IDisposable
{
    /// <summary>Concurrent connections served by default; more are refused.</summary>
    public const int DefaultMaxClients = 4096;

    /// <summary>Bytes a client may have waiting before it is dropped as too slow.</summary>
    public const int DefaultQueueLimit = 64 * 1024;

    /// <summary>Bytes a client may send before it is dropped (clients are expected to send nothing).</summary>
    public const int DefaultGarbageLimit = 64 * 1024;

    /// <summary>Events waiting for the dispatcher; beyond this (the thread pool starved for a long time) events are
    /// lost and clients get an <c>events_lost</c> line.</summary>
    public const int DefaultPendingLimit = 64 * 1024;

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ApiListener _listener;
    private readonly IAlarmSource _source;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly LogLimiter _limiter = new(20, TimeSpan.FromSeconds(10));
    private readonly object _listGate = new();
    private readonly ArrayBufferWriter<byte> _line = new(512);
    private readonly Utf8JsonWriter _json;
    private readonly CancellationTokenSource _stop = new();
    private Channel<EventPending>? _pending;
    private long _lost;
    private ApiConnection[] _clients = [];
    private long _nextId;
    private long _dropped;
    private int _started;
    private volatile bool _disposed;

    /// <summary>Binds the socket at <paramref name="socketPath"/> (mode 0660, group <paramref name="group"/> when given).</summary>
    /// <param name="time">Wall clock for the <c>time</c> field; the system clock when null.</param>
    /// <exception cref="DaemonStartException">The socket cannot be created or the group does not exist.</exception>
    public EventStreamServer(string socketPath, string? group, IAlarmSource source, ILogger log, TimeProvider? time = null)
    {
        _source = source;
        _log = log;
        _time = time ?? TimeProvider.System;
        _json = new Utf8JsonWriter(_line, JsonOptions);
        _listener = new ApiListener(socketPath, group, "event stream");
        if (!_listener.GroupApplied)
        {
            GroupNotApplied(_log, socketPath, group ?? "");
        }
    }

    /// <summary>The socket's path.</summary>
    public string SocketPath => _listener.Path;

    /// <summary>Concurrent connections served; more are refused with a log line.</summary>
    public int MaxClients { get; init; } = DefaultMaxClients;

    /// <summary>Per-client queue bound in bytes; a client whose queue would overflow is dropped.</summary>
    public int QueueLimit { get; init; } = DefaultQueueLimit;

    /// <summary>Bytes a client may send before it is dropped.</summary>
    public int GarbageLimit { get; init; } = DefaultGarbageLimit;

    /// <summary>Events that may wait for the dispatcher (see <see cref="DefaultPendingLimit"/>).</summary>
    public int PendingLimit { get; init; } = DefaultPendingLimit;

    /// <summary>Connected clients.</summary>
    public int ConnectionCount => Volatile.Read(ref _clients).Length;

    /// <summary>Clients dropped because their queue overflowed (they did not read).</summary>
    public long DroppedSlowClients => Interlocked.Read(ref _dropped);

    /// <summary>Subscribes to the alarm source and starts accepting clients.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("already started");
        }

        _pending = Channel.CreateBounded<EventPending>(new BoundedChannelOptions(PendingLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _source.Subscribe(Publish);
        _ = Dispatch(_pending.Reader);
        _listener.Start(Accepted, e => AcceptFailed(_log, e.SocketErrorCode.ToString()));
        Listening(_log, SocketPath, MaxClients);
    }

    private void Accepted(Socket socket)
    {
        var peer = PeerCredentials.Of(socket);
        var client = new ApiConnection(Interlocked.Increment(ref _nextId), socket, peer, QueueLimit, Closed);
        bool admitted;
        lock (_listGate)
        {
            admitted = !_disposed && _clients.Length < MaxClients;
            if (admitted)
            {
                _clients = [.. _clients, client];
            }
        }

        if (!admitted)
        {
            if (!_disposed && Allowed(1334))
            {
                TooManyClients(_log, client.Pid, client.Uid, MaxClients);
            }

            socket.Dispose();
            return;
        }

        if (_log.IsEnabled(LogLevel.Information) && Allowed(1331))
        {
            Connected(_log, client.Pid, client.Uid);
        }

        _ = client.DrainInputAsync(GarbageLimit);
    }

    private void Closed(ApiConnection client, DropReason reason, Exception? error)
    {
        lock (_listGate)
        {
            int at = Array.IndexOf(_clients, client);
            if (at >= 0)
            {
                _clients = [.. _clients.AsSpan(0, at), .. _clients.AsSpan(at + 1)];
            }
        }

        if (_disposed)
        {
            return;
        }

        switch (reason)
        {
            case DropReason.QueueFull when Allowed(1335):
                SlowClientDropped(_log, client.Pid, client.Uid, QueueLimit);
                break;
            case DropReason.Garbage when Allowed(1336):
                GarbageClientDropped(_log, client.Pid, client.Uid, GarbageLimit);
                break;
            case DropReason.Disconnected when _log.IsEnabled(LogLevel.Debug):
                ClientGone(_log, client.Pid, client.Uid, error?.Message ?? "closed");
                break;
        }
    }

    private bool Allowed(int eventId)
    {
        if (!_limiter.TryEnter(eventId, out long suppressed))
        {
            return false;
        }

        if (suppressed > 0)
        {
            Suppressed(_log, suppressed, eventId);
        }

        return true;
    }

    /// <summary>Stops accepting, disconnects every client and removes the socket file.</summary>
    public void Dispose()
    {
        ApiConnection[] open;
        lock (_listGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            open = _clients;
            _clients = [];
        }

        _stop.Cancel();
        _pending?.Writer.TryComplete();
        _listener.Dispose();
        foreach (var client in open)
        {
            client.Close(DropReason.ServerStopping);
        }
    }
}
