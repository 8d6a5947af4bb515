using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace SplitGuard.Lab.Tests.Api;

/// <summary>How one abusive connection behaves (FAULTS.md F22).</summary>
public enum AbuseKind
{
    /// <summary>Connects and never sends its cluster id; reconnects when the daemon drops it (after 5 s).</summary>
    NeverRegisters,

    /// <summary>Registers, then writes 2 KiB of garbage every 50 ms until the daemon drops it (64 KiB); reconnects.</summary>
    GarbageAfterRegistering,

    /// <summary>Writes 2 KiB of garbage instead of a cluster id (an unknown cluster), reads until dropped; reconnects.</summary>
    GarbageInsteadOfId,

    /// <summary>Sends one byte of its cluster id and disconnects mid-message; again every 250 ms.</summary>
    HalfId,

    /// <summary>Registers with a 1 KiB receive buffer and never reads.</summary>
    NeverReads,

    /// <summary>Registers, shuts its sending side down (half-closed) and reads every message; reconnects if dropped.</summary>
    HalfClosed,
}

/// <summary>
/// A thousand misbehaving connections to a daemon's sbp API socket, kept up until disposed: each slot connects, misbehaves
/// in its way and reconnects when the daemon drops it. Runs on the test process's thread pool (no thread per slot).
/// </summary>
public sealed class ApiAbuse : IAsyncDisposable
{
    /// <summary>The mix of F22: 1,000 slots.</summary>
    public static readonly IReadOnlyDictionary<AbuseKind, int> DefaultMix = new Dictionary<AbuseKind, int>
    {
        [AbuseKind.NeverRegisters] = 200,
        [AbuseKind.GarbageAfterRegistering] = 150,
        [AbuseKind.GarbageInsteadOfId] = 50,
        [AbuseKind.HalfId] = 50,
        [AbuseKind.NeverReads] = 300,
        [AbuseKind.HalfClosed] = 250,
    };

    private readonly string _socketPath;
    private readonly ushort _cluster;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _slots = [];
    private readonly ConcurrentDictionary<AbuseKind, long> _connects = new();
    private readonly ConcurrentDictionary<AbuseKind, long> _dropped = new();
    private readonly ConcurrentDictionary<string, long> _connectErrors = new();
    private readonly ConcurrentBag<Socket> _held = [];
    private readonly HalfClosedReader[] _readers;
    private long _open;

    private ApiAbuse(string socketPath, ushort cluster, IReadOnlyDictionary<AbuseKind, int> mix)
    {
        _socketPath = socketPath;
        _cluster = cluster;
        _readers = new HalfClosedReader[mix.GetValueOrDefault(AbuseKind.HalfClosed)];
        for (int i = 0; i < _readers.Length; i++)
        {
            _readers[i] = new HalfClosedReader();
        }
    }

    /// <summary>Connections currently open (established by this side and not yet seen closed).</summary>
    public long Open => Interlocked.Read(ref _open);

    /// <summary>Successful connects per kind.</summary>
    public IReadOnlyDictionary<AbuseKind, long> Connects => _connects;

    /// <summary>Connections the daemon closed (or refused) per kind.</summary>
    public IReadOnlyDictionary<AbuseKind, long> Dropped => _dropped;

    /// <summary>Failed connect attempts by error (EAGAIN when the listen backlog is full, ...).</summary>
    public IReadOnlyDictionary<string, long> ConnectErrors => _connectErrors;

    /// <summary>The half-closed readers: what each received on its current connection.</summary>
    public IReadOnlyList<HalfClosedReader> Readers => _readers;

    /// <summary>Starts the slots of <paramref name="mix"/> (default <see cref="DefaultMix"/>) against <paramref name="socketPath"/>.</summary>
    public static ApiAbuse Start(string socketPath, ushort cluster, IReadOnlyDictionary<AbuseKind, int>? mix = null)
    {
        mix ??= DefaultMix;
        var abuse = new ApiAbuse(socketPath, cluster, mix);

        // interleave the kinds so every kind is present early
        var order = mix.SelectMany(kv => Enumerable.Range(0, kv.Value).Select(i => (Kind: kv.Key, Index: i, Key: (double)i / kv.Value)))
            .OrderBy(x => x.Key)
            .ToList();
        foreach (var (kind, index, _) in order)
        {
            abuse._slots.Add(Task.Run(() => abuse.RunSlotAsync(kind, index)));
        }

        return abuse;
    }

    /// <summary>Summary for test output.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var kind in Enum.GetValues<AbuseKind>())
        {
            text.Append($"{kind}: {_connects.GetValueOrDefault(kind)} connects, {_dropped.GetValueOrDefault(kind)} dropped by the daemon; ");
        }

        text.Append($"connect errors: {(_connectErrors.IsEmpty ? "none" : string.Join(", ", _connectErrors.Select(kv => $"{kv.Key} x{kv.Value}")))}");
        return text.ToString();
    }

    private async Task RunSlotAsync(AbuseKind kind, int index)
    {
        var token = _stop.Token;
        var garbage = new byte[2048];
        Random.Shared.NextBytes(garbage);

        // an unknown cluster id: never 0 or ours
        garbage[0] = 0xfe;
        garbage[1] = 0xff;
        var id = new byte[2];
        MemoryMarshal.Write(id, _cluster);
        var buffer = new byte[256];

        // spread the first connects over half a second
        await Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 500)), token);
        while (!token.IsCancellationRequested)
        {
            var socket = await ConnectAsync(kind, token);
            if (socket is null)
            {
                continue;
            }

            bool droppedByDaemon = false;
            try
            {
                switch (kind)
                {
                    case AbuseKind.NeverRegisters:
                        droppedByDaemon = await ReadUntilClosedAsync(socket, buffer, null, token);
                        break;
                    case AbuseKind.GarbageAfterRegistering:
                        await socket.SendAsync(id, SocketFlags.None, token);
                        while (!token.IsCancellationRequested)
                        {
                            await socket.SendAsync(garbage, SocketFlags.None, token);
                            await Task.Delay(50, token);
                        }

                        break;
                    case AbuseKind.GarbageInsteadOfId:
                        await socket.SendAsync(garbage, SocketFlags.None, token);
                        droppedByDaemon = await ReadUntilClosedAsync(socket, buffer, null, token);
                        break;
                    case AbuseKind.HalfId:
                        await socket.SendAsync(id.AsMemory(0, 1), SocketFlags.None, token);
                        socket.Dispose();
                        Interlocked.Decrement(ref _open);
                        socket = null;
                        await Task.Delay(250, token);
                        break;
                    case AbuseKind.NeverReads:
                        await socket.SendAsync(id, SocketFlags.None, token);
                        _held.Add(socket);
                        await Delay(Timeout.InfiniteTimeSpan, token);
                        break;
                    case AbuseKind.HalfClosed:
                        await socket.SendAsync(id, SocketFlags.None, token);
                        socket.Shutdown(SocketShutdown.Send);
                        var reader = _readers[index];
                        reader.Reset();
                        droppedByDaemon = await ReadUntilClosedAsync(socket, buffer, reader, token);
                        break;
                }
            }
            catch (SocketException)
            {
                // the daemon closed it while we wrote (garbage writers end this way)
                droppedByDaemon = true;
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                if (socket is not null)
                {
                    socket.Dispose();
                    Interlocked.Decrement(ref _open);
                }
            }

            if (droppedByDaemon && !token.IsCancellationRequested)
            {
                _dropped.AddOrUpdate(kind, 1, (_, n) => n + 1);
                await Delay(TimeSpan.FromMilliseconds(kind == AbuseKind.NeverRegisters ? 100 : 250), token);
            }
        }
    }

    private async Task<Socket?> ConnectAsync(AbuseKind kind, CancellationToken token)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        if (kind == AbuseKind.NeverReads)
        {
            socket.ReceiveBufferSize = 1024;
        }

        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath), token);
            Interlocked.Increment(ref _open);
            _connects.AddOrUpdate(kind, 1, (_, n) => n + 1);
            return socket;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            if (e is SocketException se)
            {
                _connectErrors.AddOrUpdate(se.SocketErrorCode.ToString(), 1, (_, n) => n + 1);
                await Delay(TimeSpan.FromMilliseconds(50), token);
            }

            return null;
        }
    }

    /// <summary>Reads (into <paramref name="reader"/> if given) until the daemon closes; true if it did (not our cancellation).</summary>
    private static async Task<bool> ReadUntilClosedAsync(Socket socket, byte[] buffer, HalfClosedReader? reader, CancellationToken token)
    {
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, token);
            }
            catch (SocketException)
            {
                return true;
            }

            if (n == 0)
            {
                return true;
            }

            reader?.Add(buffer.AsSpan(0, n));
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Closes every connection and waits for the slots.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var s in _held)
        {
            s.Dispose();
        }

        try
        {
            await Task.WhenAll(_slots).WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            // reported by the caller through Open
        }

        _stop.Dispose();
    }
}

/// <summary>What one half-closed connection received: the sbp messages, cut by their length field.</summary>
public sealed class HalfClosedReader
{
    private readonly object _gate = new();
    private readonly List<byte> _pending = [];
    private readonly List<(int Type, int State)> _messages = [];
    private int _connection;

    /// <summary>Connections this slot made.</summary>
    public int Connection
    {
        get
        {
            lock (_gate)
            {
                return _connection;
            }
        }
    }

    /// <summary>Messages received on the current connection as "type/state".</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages.Select(m => $"{m.Type}/{m.State}")];
            }
        }
    }

    internal void Reset()
    {
        lock (_gate)
        {
            _connection++;
            _pending.Clear();
            _messages.Clear();
        }
    }

    internal void Add(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            _pending.AddRange(data);
            while (_pending.Count >= 2)
            {
                int length = _pending[0] | (_pending[1] << 8);
                if (length < 10 || _pending.Count < length)
                {
                    break;
                }

                int type = _pending[2] | (_pending[3] << 8);
                int state = _pending[4] | (_pending[5] << 8);
                _messages.Add((type, state));
                _pending.RemoveRange(0, length);
            }
        }
    }
}
