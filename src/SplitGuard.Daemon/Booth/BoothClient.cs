using System.Net;
using System.Net.Sockets;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Daemon.Booth;

/// <summary>
/// booth's client protocol (<c>booth list|grant|revoke|peers</c>) over TCP: one request per connection, a full
/// ticket message with the HMAC trailer when there is a key; list and peers answer with RLst plus text, grant and
/// revoke with one or more Rslt messages (More, then the final result).
/// </summary>
public sealed class BoothClient(byte[] key, uint from)
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>list or peers: the RLst header and its text.</summary>
    public async Task<(BoothMessage Header, string Text)> QueryAsync(IPEndPoint target, BoothCommand command, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(DefaultTimeout);
        using var socket = await ConnectAsync(target, cts.Token).ConfigureAwait(false);
        await SendRequestAsync(socket, command, string.Empty, BoothClientOptions.None, cts.Token).ConfigureAwait(false);
        var header = new byte[BoothMessage.HeaderSize];
        await ReadExactlyAsync(socket, header, cts.Token).ConfigureAwait(false);
        if (!BoothMessage.TryPeekLength(header, out var length) || length < BoothMessage.HeaderSize || length > 1 << 20)
        {
            throw new InvalidDataException("the daemon's reply has no booth header");
        }

        var all = new byte[length];
        header.CopyTo(all, 0);
        await ReadExactlyAsync(socket, all.AsMemory(BoothMessage.HeaderSize), cts.Token).ConfigureAwait(false);
        var error = BoothMessage.TryParseTextReply(all, key, out var reply, out var text);
        if (error != BoothPacketError.None)
        {
            // A refused request is answered with a plain Rslt (e.g. Auth): report that instead.
            if (BoothMessage.TryParse(all, key, out var result) == BoothPacketError.None)
            {
                return (result, string.Empty);
            }

            throw new InvalidDataException($"the daemon's reply does not verify: {error}");
        }

        return (reply, text);
    }

    /// <summary>grant or revoke: every reply until the final one (not More) or until the daemon closes.</summary>
    public async Task<IReadOnlyList<BoothMessage>> RequestAsync(
        IPEndPoint target,
        BoothCommand command,
        string ticket,
        BoothClientOptions options,
        CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(DefaultTimeout);
        using var socket = await ConnectAsync(target, cts.Token).ConfigureAwait(false);
        await SendRequestAsync(socket, command, ticket, options, cts.Token).ConfigureAwait(false);
        var replies = new List<BoothMessage>();
        var size = BoothMessage.SizeFor(key.Length > 0);
        var buffer = new byte[size];
        while (true)
        {
            try
            {
                await ReadExactlyAsync(socket, buffer, cts.Token).ConfigureAwait(false);
            }
            catch (EndOfStreamException) when (replies.Count > 0)
            {
                return replies;
            }

            var error = BoothMessage.TryParse(buffer, key, out var reply);
            if (error != BoothPacketError.None)
            {
                throw new InvalidDataException($"the daemon's reply does not verify: {error}");
            }

            replies.Add(reply);
            if (reply.Result != BoothResult.More)
            {
                return replies;
            }
        }
    }

    private async Task SendRequestAsync(Socket socket, BoothCommand command, string ticket, BoothClientOptions options, CancellationToken token)
    {
        var now = DateTimeOffset.UtcNow;
        var message = new BoothMessage(from, command, BoothCommand.None, options, BoothReason.JustSo, BoothResult.Success, ticket, 0, 0, 0)
        {
            Secs = (uint)now.ToUnixTimeSeconds(),
            Usecs = (uint)(now.ToUnixTimeMilliseconds() % 1000 * 1000),
        };
        await socket.SendAsync(message.ToBytes(key), SocketFlags.None, token).ConfigureAwait(false);
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint target, CancellationToken token)
    {
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(target, token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken token)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException($"the daemon closed the connection after {read} of {buffer.Length} bytes");
            }

            read += n;
        }
    }
}
