using System.Net.Sockets;
using System.Threading.Channels;

namespace SplitGuard.Daemon.Booth;

/// <summary>One client's TCP connection: replies are queued and written in order; a null entry closes it.</summary>
internal sealed class BoothClientConnection
{
    private readonly Socket _socket;
    private readonly Channel<byte[]?> _outbox = Channel.CreateUnbounded<byte[]?>(new UnboundedChannelOptions { SingleReader = true });

    public BoothClientConnection(Socket socket, long id)
    {
        _socket = socket;
        Id = id;
        Remote = socket.RemoteEndPoint?.ToString() ?? "?";
    }

    public long Id { get; }

    public string Remote { get; }

    public Socket Socket => _socket;

    public void Send(byte[] bytes, bool final)
    {
        _outbox.Writer.TryWrite(bytes);
        if (final)
        {
            Close();
        }
    }

    public void Close()
    {
        _outbox.Writer.TryWrite(null);
        _outbox.Writer.TryComplete();
    }

    /// <summary>Writes queued replies until the close marker, then closes the socket.</summary>
    public async Task WriterAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var bytes in _outbox.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (bytes is null)
                {
                    break;
                }

                await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the client went away or we are stopping
        }
        finally
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // already closed by the peer
            }

            _socket.Dispose();
        }
    }
}
