using System.Net.Sockets;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Daemon.Booth;

public sealed partial class BoothService
{
    private const int MaxClientRequest = 1024;
    private static readonly TimeSpan ClientReadTimeout = TimeSpan.FromSeconds(5);

    /// <summary>More concurrent client connections than this are closed at once (a flood cannot exhaust descriptors;
    /// peers' UDP is unaffected).</summary>
    private const int MaxClients = 64;
    private int _activeClients;

    private async Task AcceptLoopAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _tcp.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (SocketException e) when (!token.IsCancellationRequested)
            {
                // e.g. out of descriptors: peers' UDP goes on; try again shortly
                BoothLog.ClientProblem(_logger, "-", $"accept failed: {e.Message}");
                await Task.Delay(100, token).ConfigureAwait(false);
                continue;
            }

            if (Interlocked.Increment(ref _activeClients) > MaxClients)
            {
                Interlocked.Decrement(ref _activeClients);
                BoothLog.ClientProblem(_logger, socket.RemoteEndPoint?.ToString() ?? "?", $"more than {MaxClients} clients at once; closing");
                socket.Dispose();
                continue;
            }

            var connection = new BoothClientConnection(socket, Interlocked.Increment(ref _nextClient));
            _ = ServeAndCountAsync(connection, token);
        }
    }

    private async Task ServeAndCountAsync(BoothClientConnection connection, CancellationToken token)
    {
        try
        {
            await ServeClientAsync(connection, token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _activeClients);
        }
    }

    /// <summary>One request per connection: read <c>length</c> bytes (at most 1024), check, hand to the loop.</summary>
    private async Task ServeClientAsync(BoothClientConnection connection, CancellationToken token)
    {
        var writer = connection.WriterAsync(token);
        var buffer = new byte[MaxClientRequest];
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
            cts.CancelAfter(ClientReadTimeout);
            await ReadExactlyAsync(connection.Socket, buffer.AsMemory(0, BoothMessage.HeaderSize), cts.Token).ConfigureAwait(false);
            if (!BoothMessage.TryPeekLength(buffer, out var length) || length < BoothMessage.HeaderSize || length > MaxClientRequest)
            {
                BoothLog.ClientProblem(_logger, connection.Remote, "bad header or length; closing");
                connection.Close();
                await writer.ConfigureAwait(false);
                return;
            }

            await ReadExactlyAsync(connection.Socket, buffer.AsMemory(BoothMessage.HeaderSize, length - BoothMessage.HeaderSize), cts.Token).ConfigureAwait(false);
            var data = buffer.AsMemory(0, length).ToArray();
            Post(() => OnClientRequest(connection, data));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or EndOfStreamException or ObjectDisposedException)
        {
            connection.Close();
        }

        await writer.ConfigureAwait(false);
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken token)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            read += n;
        }
    }

    private void OnClientRequest(BoothClientConnection connection, byte[] data)
    {
        var error = BoothMessage.TryParse(data, Key, out var request);
        if (error == BoothPacketError.None && Key.Length > 0 && !_replay.AcceptClient(request.Secs, DateTimeOffset.UtcNow.ToUnixTimeSeconds()))
        {
            error = BoothPacketError.BadMac;
        }

        if (error != BoothPacketError.None)
        {
            BoothLog.ClientProblem(_logger, connection.Remote, $"failed to authenticate or parse: {error}");
            var cmd = data.Length >= 32 ? (BoothCommand)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(28)) : BoothCommand.None;
            var reply = ResultMessage(cmd, error == BoothPacketError.BadMac ? BoothResult.AuthFailed : BoothResult.InvalidArgument);
            connection.Send(Sign(reply), final: true);
            return;
        }

        var now = NowMs;
        switch (request.Command)
        {
            case BoothCommand.ClientList:
                var list = BoothText.List(Config, Engine.Views(now), now, DateTimeOffset.UtcNow);
                connection.Send(TextReply(BoothCommand.ClientList, list), final: true);
                BoothLog.Client(_logger, connection.Remote, "list", "-", "ok");
                break;
            case BoothCommand.ClientPeers:
                var peers = BoothText.Peers(Config, Local, _counters);
                connection.Send(TextReply(BoothCommand.ClientPeers, peers), final: true);
                BoothLog.Client(_logger, connection.Remote, "peers", "-", "ok");
                break;
            case BoothCommand.ClientGrant:
                _clients[connection.Id] = connection;
                BoothLog.Client(_logger, connection.Remote, "grant", request.Ticket, request.Options.ToString());
                Apply(Engine.Grant(connection.Id, request.Ticket, request.Options, now));
                break;
            case BoothCommand.ClientRevoke:
                _clients[connection.Id] = connection;
                BoothLog.Client(_logger, connection.Remote, "revoke", request.Ticket, "-");
                Apply(Engine.Revoke(connection.Id, request.Ticket, now));
                break;
            default:
                connection.Send(Sign(ResultMessage(request.Command, BoothResult.InvalidArgument)), final: true);
                BoothLog.Client(_logger, connection.Remote, FourCc.Text((uint)request.Command), request.Ticket, "IArg");
                break;
        }
    }

    private BoothMessage ResultMessage(BoothCommand request, BoothResult result) =>
        new(Local.Id, BoothCommand.ClientResult, request, BoothClientOptions.None, BoothReason.JustSo, result, string.Empty, BoothMessage.NoOne, 0, 0);

    private byte[] Sign(BoothMessage message)
    {
        var (secs, usecs) = Stamp();
        return (message with { Secs = secs, Usecs = usecs }).ToBytes(Key);
    }

    private byte[] TextReply(BoothCommand request, string text)
    {
        var (secs, usecs) = Stamp();
        var header = new BoothMessage(Local.Id, BoothCommand.ClientListReply, request, BoothClientOptions.None, BoothReason.JustSo,
            BoothResult.Success, string.Empty, BoothMessage.NoOne, 0, 0) { Secs = secs, Usecs = usecs };
        return header.FormatTextReply(text, Key);
    }
}
