using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SplitGuard.Daemon.Net;

/// <summary>
/// Raw ICMP: echo requests with a chosen source address (IP header included), so the witness answers to the
/// peer (sbp's relay), and a receive thread that hands the payload of every echo reply to the event loop.
/// Needs root or CAP_NET_RAW.
/// </summary>
public sealed class IcmpTransport : IDisposable
{
    private const int IpHeaderSize = 20;
    private const int IcmpHeaderSize = 8;
    private readonly Socket _socket;
    private readonly Action<Inbound> _deliver;
    private readonly ILogger _log;
    private readonly byte[] _sendBuffer = new byte[IpHeaderSize + IcmpHeaderSize + 2048];
    private Thread? _thread;
    private ushort _ipId;
    private volatile bool _stopping;

    public IcmpTransport(Action<Inbound> deliver, ILogger log)
    {
        _deliver = deliver;
        _log = log;
        try
        {
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.HeaderIncluded, true);
            _socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AccessDenied or SocketError.OperationNotSupported || e.NativeErrorCode is 1 or 13)
        {
            throw new DaemonStartException("icmp links need a raw ICMP socket, which needs root or CAP_NET_RAW: run as root, grant CAP_NET_RAW (AmbientCapabilities=CAP_NET_RAW in the unit), or use only udp links", e);
        }
    }

    public long SendErrors { get; private set; }

    public void Start()
    {
        _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "icmp-rx" };
        _thread.Start();
    }

    /// <summary>Sends one echo request from <paramref name="source"/> (possibly the peer's address) to <paramref name="destination"/>.</summary>
    public void SendEcho(IPAddress source, IPAddress destination, ushort id, ushort sequence, ReadOnlySpan<byte> payload)
    {
        int total = IpHeaderSize + IcmpHeaderSize + payload.Length;
        var packet = _sendBuffer.AsSpan(0, total);
        packet[0] = 0x45;
        packet[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)total);
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], ++_ipId);
        BinaryPrimitives.WriteUInt16BigEndian(packet[6..], 0x4000); // don't fragment
        packet[8] = 64;
        packet[9] = 1; // ICMP
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], 0);
        source.TryWriteBytes(packet[12..16], out _);
        destination.TryWriteBytes(packet[16..20], out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], Checksum(packet[..IpHeaderSize]));
        var icmp = packet[IpHeaderSize..];
        icmp[0] = 8; // echo request
        icmp[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        payload.CopyTo(icmp[IcmpHeaderSize..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp[..(IcmpHeaderSize + payload.Length)]));
        try
        {
            _socket.SendTo(packet, SocketFlags.None, new IPEndPoint(destination, 0));
        }
        catch (SocketException)
        {
            SendErrors++;
        }
    }

    /// <summary>The Internet checksum (RFC 1071).</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private void ReceiveLoop()
    {
        var buffer = new byte[4096];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        var addresses = new AddressCache();
        while (!_stopping)
        {
            try
            {
                int n = _socket.ReceiveFrom(buffer, SocketFlags.None, from);
                Hosting.Realtime.EnterWhenWarm(out _); // after the start-up warm-up (the event loop logs the outcome)
                var packet = buffer.AsSpan(0, n);
                if (n < IpHeaderSize + IcmpHeaderSize || (packet[0] >> 4) != 4)
                {
                    continue;
                }

                int ihl = (packet[0] & 0x0f) * 4;
                if (ihl < IpHeaderSize || n < ihl + IcmpHeaderSize || packet[9] != 1)
                {
                    continue;
                }

                var icmp = packet[ihl..];
                if (icmp[0] != 0 || icmp[1] != 0)
                {
                    continue; // only echo replies carry relayed frames
                }

                var source = addresses.Get(packet.Slice(12, 4));
                _deliver(new Inbound(Core.Links.Transport.IcmpRelay, source, icmp[IcmpHeaderSize..].ToArray()));
            }
            catch (SocketException e) when (!_stopping)
            {
                Hosting.Log.ReceiveFailed(_log, "ICMP", e.Message);
                Thread.Sleep(10);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _socket.Dispose();
    }
}
