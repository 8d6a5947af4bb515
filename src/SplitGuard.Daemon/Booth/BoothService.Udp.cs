using System.Net;
using System.Net.Sockets;
using SplitGuard.Core.Tickets;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Daemon.Booth;

public sealed partial class BoothService
{
    private async Task ReceiveLoopAsync(CancellationToken token)
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(Local.Address.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!token.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
            }
            catch (SocketException) when (!token.IsCancellationRequested)
            {
                continue; // ICMP errors from earlier sends, an oversized datagram: the socket stays usable
            }

            var data = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
            var source = r.RemoteEndPoint.ToString() ?? "?";
            Post(() => OnDatagram(data, source));
        }
    }

    /// <summary>booth's receive checks in order: known sender, header, MAC, timestamp, ticket and leader.</summary>
    private void OnDatagram(byte[] data, string source)
    {
        var from = BoothMessage.PeekFrom(data);
        var member = data.Length >= 24 ? Config.MemberById(from) : null;
        if (member is null || member.Index == Local.Index)
        {
            UnknownSenders++;
            BoothLog.UnknownSender(_logger, source, $"0x{from:x8}");
            return;
        }

        var c = _counters[member.Index];
        c.ReceivedPackets++;
        var error = BoothMessage.TryParse(data, Key, out var message);
        if (error != BoothPacketError.None)
        {
            if (error == BoothPacketError.BadMac)
            {
                c.AuthFailures++;
            }
            else
            {
                c.ReceiveErrors++;
            }

            BoothLog.BadPacket(_logger, member.Address.ToString(), source, error.ToString());
            return;
        }

        if (Key.Length > 0)
        {
            switch (_replay.Check(member.Index, message.Secs, message.Usecs, DateTimeOffset.UtcNow.ToUnixTimeSeconds()))
            {
                case ReplayVerdict.Stale:
                    c.AuthFailures++;
                    BoothLog.BadPacket(_logger, member.Address.ToString(), source, "timestamp older than maxtimeskew");
                    return;
                case ReplayVerdict.Reordered:
                    c.Reordered++;
                    BoothLog.Reordered(_logger, member.Address.ToString(), FourCc.Text((uint)message.Command));
                    return;
            }
        }

        if (message.Command is BoothCommand.ClientList or BoothCommand.ClientGrant or BoothCommand.ClientRevoke or BoothCommand.ClientPeers
            || !Engine.IsValidMessage(message))
        {
            c.Invalid++;
            BoothLog.BadPacket(_logger, member.Address.ToString(), source, $"invalid: ticket '{message.Ticket}', leader 0x{message.Leader:x8}");
            return;
        }

        c.LastReceived = DateTimeOffset.UtcNow;
        Apply(Engine.Receive(message, NowMs));
    }

    private void SendTo(int index, BoothMessage message, bool resend)
    {
        var member = Config.Members[index];
        var (secs, usecs) = Stamp();
        var bytes = (message with { Secs = secs, Usecs = usecs }).ToBytes(Key);
        var c = _counters[index];
        try
        {
            _udp.SendTo(bytes, new IPEndPoint(member.Address, member.Port));
            c.SentPackets++;
            if (resend)
            {
                c.Resends++;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            c.SentErrors++;
            BoothLog.SendFailed(_logger, member.Address.ToString(), e.Message);
        }
    }
}
