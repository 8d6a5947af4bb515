using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SplitGuard.Daemon.Api.SbpSockets;
using SplitGuard.Daemon.Hosting;

namespace SplitGuard.Daemon.Api;

/// <summary>
/// sbp's socket API (seed 000, sections 3 and 4): a client sends its cluster id as a native-order unsigned short, then
/// receives every active alarm of that cluster at once and every later link, path, hop and one-way change as sbp messages.
/// Publishing never blocks the event loop and costs the same for one client or thousands: it only hands the message to a
/// dispatcher on the thread pool, which copies it into each client's bounded queue; each client's own async sender drains
/// its queue (several messages per write). A client that falls behind, floods, or never registers is dropped with a log
/// line naming its pid and uid (SO_PEERCRED), and the number of concurrent clients is capped.
/// </summary>
public sealed partial class SbpApiServer : IDisposable
{
    /// <summary>Concurrent connections served by default; more are refused.</summary>
    public const int DefaultMaxClients = 4096;

    /// <summary>Bytes a client may have waiting before it is dropped as too slow.</summary>
    public const int DefaultQueueLimit = 64 * 1024;

    /// <summary>Bytes a client may send after its registration before it is dropped.</summary>
    public const int DefaultGarbageLimit = 64 * 1024;

    /// <summary>Events waiting for the dispatcher; beyond this (the thread pool starved for a long time) events are lost
    /// and every client is disconnected, so it reconnects and gets a correct replay.</summary>
    public const int DefaultPendingLimit = 64 * 1024;

    private readonly ApiListener _listener;
    private readonly IAlarmSource _source;
    private readonly ILogger _log;
    private readonly LogLimiter _limiter = new(20, TimeSpan.FromSeconds(10));
    private readonly object _listGate = new();
    private readonly HashSet<ApiConnection> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private Channel<SbpPending>? _pending;
    private ApiConnection[] _registered = [];
    private long _sequence;
    private long _lostUpTo;
    private long _nextId;
    private long _dropped;
    private int _started;
    private volatile bool _disposed;

    /// <summary>Binds the socket at <paramref name="socketPath"/> (mode 0660, group <paramref name="group"/> when given).</summary>
    /// <exception cref="DaemonStartException">The socket cannot be created or the group does not exist.</exception>
    public SbpApiServer(string socketPath, string? group, IAlarmSource source, ILogger log)
    {
        _source = source;
        _log = log;
        _listener = new ApiListener(socketPath, group, "sbp api");
        if (!_listener.GroupApplied)
        {
            GroupNotApplied(_log, socketPath, group ?? "");
        }
    }

    /// <summary>The socket's path.</summary>
    public string SocketPath => _listener.Path;

    /// <summary>Concurrent connections served (registered or not); more are refused with a log line.</summary>
    public int MaxClients { get; init; } = DefaultMaxClients;

    /// <summary>Per-client queue bound in bytes; a client whose queue would overflow is dropped.</summary>
    public int QueueLimit { get; init; } = DefaultQueueLimit;

    /// <summary>Bytes a client may send after registering (sbp clients send none) before it is dropped.</summary>
    public int GarbageLimit { get; init; } = DefaultGarbageLimit;

    /// <summary>Events that may wait for the dispatcher (see <see cref="DefaultPendingLimit"/>).</summary>
    public int PendingLimit { get; init; } = DefaultPendingLimit;

    /// <summary>Time a client has to send its cluster id.</summary>
    public TimeSpan RegistrationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Open connections, registered or not.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_listGate)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Registered clients receiving live events.</summary>
    public int RegisteredCount => Volatile.Read(ref _registered).Length;

    /// <summary>Clients dropped because their queue overflowed (they did not read).</summary>
    public long DroppedSlowClients => Interlocked.Read(ref _dropped);

    /// <summary>Subscribes to the alarm source and starts accepting clients.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("already started");
        }

        _pending = Channel.CreateBounded<SbpPending>(new BoundedChannelOptions(PendingLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
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
            admitted = !_disposed && _open.Count < MaxClients;
            if (admitted)
            {
                _open.Add(client);
            }
        }

        if (!admitted)
        {
            if (!_disposed && Allowed(1314))
            {
                TooManyClients(_log, client.Pid, client.Uid, MaxClients);
            }

            socket.Dispose();
            return;
        }

        _ = Serve(client);
    }

    private async Task Serve(ApiConnection client)
    {
        ushort cluster;
        try
        {
            cluster = await ReadClusterId(client);
        }
        catch (OperationCanceledException) when (!client.IsClosed && !_disposed)
        {
            if (Allowed(1313))
            {
                RegistrationTimedOut(_log, client.Pid, client.Uid, RegistrationTimeout.TotalSeconds);
            }

            client.Close(DropReason.RegistrationTimeout);
            return;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or EndOfStreamException)
        {
            client.Close(DropReason.Disconnected);
            return;
        }

        if (!_source.HasCluster(cluster))
        {
            if (Allowed(1312))
            {
                UnknownCluster(_log, cluster, client.Pid, client.Uid);
            }

            client.Close(DropReason.UnknownCluster);
            return;
        }

        try
        {
            Register(client, cluster);
            await client.DrainInputAsync(GarbageLimit);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ServeFailed(_log, client.Pid, client.Uid, e);
            client.Close(DropReason.Disconnected);
        }
    }

    private void Register(ApiConnection client, ushort cluster)
    {
        client.Cluster = cluster;
        int replayed = 0;
        _source.WithActiveAlarms(cluster, alarms =>
        {
            // Under the engine lock, which Publish runs under too: the replay reflects every event published so far,
            // and the client takes live events from the next one on, so none is missed or doubled.
            client.StartSequence = Interlocked.Read(ref _sequence) + 1;
            replayed = alarms.Count;
            if (alarms.Count > 0)
            {
                var bytes = new byte[alarms.Count * 16];
                int at = 0;
                foreach (var alarm in alarms)
                {
                    at += alarm.Format(bytes.AsSpan(at));
                }

                client.TryEnqueue(bytes.AsSpan(0, at), unbounded: true);
            }

            lock (_listGate)
            {
                if (!client.IsClosed && !_disposed)
                {
                    _registered = [.. _registered, client];
                }
            }
        });

        if (_log.IsEnabled(LogLevel.Information) && Allowed(1311))
        {
            Registered(_log, client.Pid, client.Uid, cluster, replayed);
        }
    }

    private async Task<ushort> ReadClusterId(ApiConnection client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(client.Closing);
        timeout.CancelAfter(RegistrationTimeout);
        var id = new byte[2];
        int got = 0;
        while (got < id.Length)
        {
            int n = await client.Socket.ReceiveAsync(id.AsMemory(got), SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            got += n;
        }

        return MemoryMarshal.Read<ushort>(id);
    }

    private void Closed(ApiConnection client, DropReason reason, Exception? error)
    {
        lock (_listGate)
        {
            _open.Remove(client);
            int at = Array.IndexOf(_registered, client);
            if (at >= 0)
            {
                _registered = [.. _registered.AsSpan(0, at), .. _registered.AsSpan(at + 1)];
            }
        }

        if (_disposed)
        {
            return;
        }

        switch (reason)
        {
            case DropReason.QueueFull when Allowed(1315):
                SlowClientDropped(_log, client.Pid, client.Uid, client.Cluster, QueueLimit);
                break;
            case DropReason.Garbage when Allowed(1316):
                GarbageClientDropped(_log, client.Pid, client.Uid, client.Cluster, GarbageLimit);
                break;
            case DropReason.Disconnected when _log.IsEnabled(LogLevel.Debug):
                ClientGone(_log, client.Pid, client.Uid, client.Cluster, error?.Message ?? "closed");
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
            open = [.. _open];
            _registered = [];
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
