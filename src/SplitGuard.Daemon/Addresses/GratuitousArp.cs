using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Addresses;

/// <summary>
/// Gratuitous ARP from the daemon's own process: an ARP announcement (RFC 5227: a request whose sender and target
/// address are both the virtual address, target hardware address zero) broadcast on the interface through a packet
/// socket, so switches and neighbours learn the new owner's MAC at once, as keepalived does after a transition.
/// Interfaces without ARP (IFF_NOARP: tunnels) and loopback get nothing, which is not an error.
/// </summary>
public static partial class GratuitousArp
{
    private const int AfPacket = 17;
    private const int SockDgram = 2;
    private const int SockCloexec = 0x80000;
    private const ushort EthPArp = 0x0806;
    private const ulong SiocGifFlags = 0x8913;
    private const ulong SiocGifHwAddr = 0x8927;
    private const short IffLoopback = 0x8;
    private const short IffNoArp = 0x80;

    /// <summary>
    /// Sends one announcement of <paramref name="ip"/> on interface <paramref name="name"/> (index <paramref name="index"/>).
    /// Returns null when sent or when the interface does not do ARP, else what failed.
    /// </summary>
    public static string? Announce(string name, int index, IPAddress ip)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(ip);
        var fd = Socket(AfPacket, SockDgram | SockCloexec, BinaryPrimitives.ReverseEndianness(EthPArp));
        if (fd < 0)
        {
            return $"packet socket: {RouteNetlink.Errno(Marshal.GetLastPInvokeError())}";
        }

        try
        {
            // struct ifreq: the name (16 bytes), then a union: ifr_flags (short) or ifr_hwaddr (sockaddr: family, 14 bytes).
            Span<byte> request = stackalloc byte[40];
            request.Clear();
            if (System.Text.Encoding.ASCII.GetBytes(name, request[..15]) != name.Length)
            {
                return $"interface name {name} is too long";
            }

            if (Ioctl(fd, SiocGifFlags, ref MemoryMarshal.GetReference(request)) != 0)
            {
                return $"SIOCGIFFLAGS {name}: {RouteNetlink.Errno(Marshal.GetLastPInvokeError())}";
            }

            if ((BinaryPrimitives.ReadInt16LittleEndian(request[16..]) & (IffNoArp | IffLoopback)) != 0)
            {
                return null;
            }

            if (Ioctl(fd, SiocGifHwAddr, ref MemoryMarshal.GetReference(request)) != 0)
            {
                return $"SIOCGIFHWADDR {name}: {RouteNetlink.Errno(Marshal.GetLastPInvokeError())}";
            }

            Span<byte> mac = request.Slice(18, 6);
            Span<byte> packet = stackalloc byte[28];
            packet.Clear();
            BinaryPrimitives.WriteUInt16BigEndian(packet, 1);             // Ethernet
            BinaryPrimitives.WriteUInt16BigEndian(packet[2..], 0x0800);   // IPv4
            packet[4] = 6;
            packet[5] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(packet[6..], 1);        // request
            mac.CopyTo(packet[8..]);
            var address = ip.GetAddressBytes();
            address.CopyTo(packet[14..]);
            address.CopyTo(packet[24..]);

            // struct sockaddr_ll to the broadcast address.
            Span<byte> to = stackalloc byte[20];
            to.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(to, AfPacket);
            BinaryPrimitives.WriteUInt16BigEndian(to[2..], EthPArp);
            BinaryPrimitives.WriteInt32LittleEndian(to[4..], index);
            to[11] = 6;
            to.Slice(12, 6).Fill(0xff);
            var sent = SendTo(fd, ref MemoryMarshal.GetReference(packet), packet.Length, 0, ref MemoryMarshal.GetReference(to), to.Length);
            return sent == packet.Length ? null : $"sendto {name}: {RouteNetlink.Errno(Marshal.GetLastPInvokeError())}";
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, ref byte argument);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static partial nint SendTo(int fd, ref byte buffer, nint length, int flags, ref byte to, int toLength);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
