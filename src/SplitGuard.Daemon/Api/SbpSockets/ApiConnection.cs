using System.Buffers;
using System.Net.Sockets;
using SplitGuard.Daemon.Hosting;

namespace SplitGuard.Daemon.Api.SbpSockets;

/// <summary>
/// One API client. Publishers copy bytes into a bounded per-client queue (<see cref="TryEnqueue"/> never blocks and never
/// does I/O); an async sender on the thread pool drains the queue into the socket, several messages per write. What the
/// client sends after its registration is read and discarded up to a limit. Closing always happens on the thread pool.
/// </summary>
internal sealed class ApiConnection : IThreadPoolWorkItem
{
    private const int SendChunk = 16 * 1024;
    private const int MinRing = 256;
    private const int KeepRing = 4 * 1024;
    private static readonly TimeSpan HangupPoll = TimeSpan.FromSeconds(2);

    // Input after registration is thrown away: every connection may share one buffer.
    private static readonly byte[] Discard = new byte[4096];

    private readonly object _gate = new();
    private readonly int _queueLimit;
    private readonly Action<ApiConnection, DropReason, Exception?> _closed;
    private readonly CancellationTokenSource _cancel = new();
    private byte[] _ring = [];
    private int _head;
    private int _count;
    private bool _sending;
    private int _state;

    public ApiConnection(long id, Socket socket, PeerCredentials? peer, int queueLimit, Action<ApiConnection, DropReason, Exception?> closed)
    {
        Id = id;
        Socket = socket;
        Peer = peer;
        _queueLimit = queueLimit;
        _closed = closed;
    }

    public long Id { get; }

    public Socket Socket { get; }

    public PeerCredentials? Peer { get; }

    public int Pid => Peer?.Pid ?? 0;

    public uint Uid => Peer?.Uid ?? uint.MaxValue;

    /// <summary>The registered cluster (sbp API only).</summary>
    public ushort Cluster { get; set; }

    /// <summary>The first live event this client gets: the ones before are part of its replay (sbp API only).</summary>
    public long StartSequence { get; set; } = long.MaxValue;

    public bool IsClosed => Volatile.Read(ref _state) != 0;

    /// <summary>Cancelled when the connection closes.</summary>
    public CancellationToken Closing => _cancel.Token;

    /// <summary>Bytes waiting for the sender.</summary>
    public int Queued
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="data"/> for sending. Returns false when the queue would exceed its limit (the caller drops the
    /// client). <paramref name="unbounded"/> is for the registration replay, which must arrive whole.
    /// </summary>
    public bool TryEnqueue(ReadOnlySpan<byte> data, bool unbounded = false)
    {
        bool schedule;
        lock (_gate)
        {
            if (_state != 0)
            {
                return true;
            }

            if (!unbounded && _count + data.Length > _queueLimit)
            {
                return false;
            }

            if (data.IsEmpty)
            {
                return true;
            }

            Grow(_count + data.Length);
            int tail = (_head + _count) % _ring.Length;
            int first = Math.Min(data.Length, _ring.Length - tail);
            data[..first].CopyTo(_ring.AsSpan(tail));
            data[first..].CopyTo(_ring);
            _count += data.Length;
            schedule = !_sending;
            _sending = true;
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        return true;
    }

    /// <summary>Ends the connection (once); the socket is closed and the server told on the thread pool, never on the caller's thread.</summary>
    public void Close(DropReason reason, Exception? error = null)
    {
        if (Interlocked.Exchange(ref _state, 1) != 0)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Self.Finish(s.Reason, s.Error), (Self: this, Reason: reason, Error: error), preferLocal: false);
    }

    /// <summary>
    /// Reads what the client sends after registration and throws it away; more than <paramref name="garbageLimit"/> bytes
    /// drops the client. A half-closed client (it shut down its sending side) keeps receiving until it hangs up completely.
    /// </summary>
    public async Task DrainInputAsync(int garbageLimit)
    {
        long received = 0;
        try
        {
            while (true)
            {
                int n = await Socket.ReceiveAsync(Discard, SocketFlags.None, _cancel.Token);
                if (n == 0)
                {
                    break;
                }

                received += n;
                if (received > garbageLimit)
                {
                    Close(DropReason.Garbage);
                    return;
                }
            }

            while (!IsClosed)
            {
                if (SocketHangup.HungUp(Socket))
                {
                    Close(DropReason.Disconnected);
                    return;
                }

                await Task.Delay(HangupPoll, _cancel.Token);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close(DropReason.Disconnected, e is SocketException ? e : null);
        }
    }

    void IThreadPoolWorkItem.Execute() => _ = SendLoopAsync();

    private async Task SendLoopAsync()
    {
        byte[] chunk = ArrayPool<byte>.Shared.Rent(SendChunk);
        try
        {
            while (true)
            {
                int n = Dequeue(chunk);
                if (n == 0)
                {
                    return;
                }

                int sent = 0;
                while (sent < n)
                {
                    sent += await Socket.SendAsync(chunk.AsMemory(sent, n - sent), SocketFlags.None, _cancel.Token);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close(DropReason.Disconnected, e is SocketException ? e : null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private int Dequeue(Span<byte> destination)
    {
        lock (_gate)
        {
            if (_count == 0 || _state != 0)
            {
                _sending = false;
                return 0;
            }

            int n = Math.Min(_count, destination.Length);
            int first = Math.Min(n, _ring.Length - _head);
            _ring.AsSpan(_head, first).CopyTo(destination);
            _ring.AsSpan(0, n - first).CopyTo(destination[first..]);
            _head = (_head + n) % _ring.Length;
            _count -= n;
            if (_count == 0)
            {
                _head = 0;
                if (_ring.Length > KeepRing)
                {
                    _ring = [];
                }
            }

            return n;
        }
    }

    private void Grow(int needed)
    {
        if (needed <= _ring.Length)
        {
            return;
        }

        int size = Math.Max(MinRing, _ring.Length);
        while (size < needed)
        {
            size *= 2;
        }

        var ring = new byte[size];
        if (_count > 0)
        {
            int first = Math.Min(_count, _ring.Length - _head);
            _ring.AsSpan(_head, first).CopyTo(ring);
            _ring.AsSpan(0, _count - first).CopyTo(ring.AsSpan(first));
        }

        _ring = ring;
        _head = 0;
    }

    private void Finish(DropReason reason, Exception? error)
    {
        try
        {
            _cancel.Cancel();
        }
        catch (AggregateException)
        {
            // A cancellation callback failed; the socket is closed below anyway.
        }

        Socket.Dispose();
        lock (_gate)
        {
            _ring = [];
            _count = 0;
        }

        _closed(this, reason, error);
    }
}
