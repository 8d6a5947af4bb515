using System.Net.Sockets;
using System.Runtime.InteropServices;
using SplitGuard.Protocol.Sbp;

namespace SplitGuard.Client.Tests.Support;

/// <summary>A bare sbp client on a real socket: registers, then reads and parses messages with <see cref="SbpMessage.TryParse"/>.</summary>
public sealed class RawSbpClient : IDisposable
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _filled;

    public RawSbpClient(string path, ushort? cluster = null, int? receiveBuffer = null)
    {
        Socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        if (receiveBuffer is { } size)
        {
            Socket.ReceiveBufferSize = size;
        }

        Socket.Connect(new UnixDomainSocketEndPoint(path));
        if (cluster is { } id)
        {
            Register(id);
        }
    }

    public Socket Socket { get; }

    public List<SbpMessage> Received { get; } = [];

    /// <summary>How many messages arrived so far; safe to read while <see cref="ReadAsync"/> runs.</summary>
    public int Count => Volatile.Read(ref _count);

    private int _count;

    public void Register(ushort cluster)
    {
        var id = new byte[2];
        MemoryMarshal.Write(id, cluster);
        Socket.Send(id);
    }

    /// <summary>Reads until <paramref name="count"/> messages arrived in total; false on timeout or close.</summary>
    public async Task<bool> ReadAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (Received.Count < count)
            {
                int n = await Socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return false;
                }

                _filled += n;
                int at = 0;
                while (true)
                {
                    int used = SbpMessage.TryParse(_buffer.AsSpan(at, _filled - at), out var message);
                    if (used == 0)
                    {
                        break;
                    }

                    if (used < 0)
                    {
                        throw new InvalidDataException("garbage from the server");
                    }

                    Received.Add(message);
                    Interlocked.Increment(ref _count);
                    at += used;
                }

                _buffer.AsSpan(at, _filled - at).CopyTo(_buffer);
                _filled -= at;
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>True when the server closes the connection within <paramref name="timeout"/> (data before the close is read and kept).</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                int n = await Socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return true;
                }

                _filled = 0;
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => Socket.Dispose();
}
