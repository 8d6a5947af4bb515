using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Addresses;

/// <summary>One IPv4 address configured on an interface, as the kernel lists it.</summary>
/// <param name="Index">The interface's index.</param>
/// <param name="Interface">The interface's name.</param>
/// <param name="Address">The local address (IFA_LOCAL).</param>
/// <param name="Prefix">Its prefix length.</param>
public readonly record struct InterfaceAddress(int Index, string Interface, IPAddress Address, int Prefix)
{
    /// <summary>True when <paramref name="ip"/> lies in this address's subnet.</summary>
    public bool Contains(IPAddress ip)
    {
        ArgumentNullException.ThrowIfNull(ip);
        if (Prefix == 0)
        {
            return true;
        }

        var mask = uint.MaxValue << (32 - Prefix);
        return (BinaryPrimitives.ReadUInt32BigEndian(Address.GetAddressBytes()) & mask) == (BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes()) & mask);
    }
}

/// <summary>
/// IPv4 addresses through rtnetlink, inside the daemon's own process: list them (RTM_GETADDR dump), add one
/// (RTM_NEWADDR) and delete one (RTM_DELADDR). Each call opens a netlink socket of its own, sends one request and reads
/// the kernel's answer: no process is started, so a call takes tens of microseconds where <c>ip address</c> takes
/// 8 to 12 ms on this VM after idle (docs/performance.md). Errors come back as text (errno named), never as exceptions.
/// </summary>
public static partial class RouteNetlink
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkRoute = 0;
    private const int SolSocket = 1;
    private const int SoRcvTimeo = 20;
    private const ushort NlmsgError = 2;
    private const ushort NlmsgDone = 3;
    private const ushort RtmNewAddr = 20;
    private const ushort RtmDelAddr = 21;
    private const ushort RtmGetAddr = 22;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFAck = 0x4;
    private const ushort NlmFDump = 0x300;
    private const ushort NlmFExcl = 0x200;
    private const ushort NlmFCreate = 0x400;
    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;
    private const int EExist = 17;
    private const int EAddrNotAvail = 99;
    private const int HeaderSize = 16;
    private const int IfAddrMsgSize = 8;

    /// <summary>Every IPv4 address of every interface (in the daemon's network namespace), or the reason it could not be read.</summary>
    public static (IReadOnlyList<InterfaceAddress> Addresses, string? Problem) Addresses()
    {
        var fd = Open(out var problem);
        if (fd < 0)
        {
            return ([], problem);
        }

        try
        {
            Span<byte> request = stackalloc byte[HeaderSize + IfAddrMsgSize];
            request.Clear();
            Header(request, RtmGetAddr, NlmFRequest | NlmFDump);
            request[HeaderSize] = (byte)AddressFamily.InterNetwork;
            if (Send(fd, ref MemoryMarshal.GetReference(request), request.Length, 0) != request.Length)
            {
                return ([], $"netlink send: {Errno(Marshal.GetLastPInvokeError())}");
            }

            var found = new List<InterfaceAddress>();
            var names = new Dictionary<int, string>();
            var buffer = new byte[32 * 1024];
            while (true)
            {
                var got = (int)Recv(fd, ref buffer[0], buffer.Length, 0);
                if (got <= 0)
                {
                    return (found, $"netlink receive: {(got < 0 ? Errno(Marshal.GetLastPInvokeError()) : "end of stream")}");
                }

                for (int at = 0; at + HeaderSize <= got;)
                {
                    var message = buffer.AsSpan(at, got - at);
                    var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(message);
                    var type = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
                    if (length < HeaderSize || length > message.Length)
                    {
                        return (found, "netlink: a malformed message in the address dump");
                    }

                    if (type == NlmsgDone)
                    {
                        return (found, null);
                    }

                    if (type == NlmsgError)
                    {
                        var error = length >= HeaderSize + 4 ? -BinaryPrimitives.ReadInt32LittleEndian(message[HeaderSize..]) : 0;
                        return (found, $"RTM_GETADDR: {Errno(error)}");
                    }

                    if (type == RtmNewAddr && length >= HeaderSize + IfAddrMsgSize && Parse(message[..length], names) is { } address)
                    {
                        found.Add(address);
                    }

                    at += Align(length);
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Adds <paramref name="ip"/>/<paramref name="prefix"/> to interface <paramref name="index"/>; null on success or when it is there already.</summary>
    public static string? Add(IPAddress ip, int prefix, int index) => Change(RtmNewAddr, NlmFCreate | NlmFExcl, ip, prefix, index);

    /// <summary>Deletes <paramref name="ip"/>/<paramref name="prefix"/> from interface <paramref name="index"/>; null on success or when it was gone already.</summary>
    public static string? Delete(IPAddress ip, int prefix, int index) => Change(RtmDelAddr, 0, ip, prefix, index);

    /// <summary>The index of interface <paramref name="name"/>, 0 when there is none.</summary>
    public static int IndexOf(string name) => (int)IfNameToIndex(name);

    /// <summary>The name and text of an errno, e.g. <c>EPERM (operation not permitted)</c>.</summary>
    public static string Errno(int errno) => errno switch
    {
        1 => "EPERM (operation not permitted: SplitGuard needs CAP_NET_ADMIN)",
        13 => "EACCES (permission denied)",
        17 => "EEXIST (exists already)",
        19 => "ENODEV (no such interface)",
        22 => "EINVAL (invalid argument)",
        99 => "EADDRNOTAVAIL (address not available)",
        _ => $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})",
    };

    private static string? Change(ushort type, ushort flags, IPAddress ip, int prefix, int index)
    {
        ArgumentNullException.ThrowIfNull(ip);
        if (ip.AddressFamily != AddressFamily.InterNetwork)
        {
            return $"{ip} is not an IPv4 address";
        }

        var fd = Open(out var problem);
        if (fd < 0)
        {
            return problem;
        }

        try
        {
            // nlmsghdr (16) + ifaddrmsg (8) + IFA_LOCAL (8) + IFA_ADDRESS (8); host byte order except the address.
            Span<byte> message = stackalloc byte[40];
            message.Clear();
            Header(message, type, (ushort)(NlmFRequest | NlmFAck | flags));
            message[HeaderSize] = (byte)AddressFamily.InterNetwork;
            message[HeaderSize + 1] = (byte)prefix;
            BinaryPrimitives.WriteInt32LittleEndian(message[(HeaderSize + 4)..], index);
            var bytes = ip.GetAddressBytes();
            Attribute(message[24..], IfaLocal, bytes);
            Attribute(message[32..], IfaAddress, bytes);
            if (Send(fd, ref MemoryMarshal.GetReference(message), message.Length, 0) != message.Length)
            {
                return $"netlink send: {Errno(Marshal.GetLastPInvokeError())}";
            }

            Span<byte> reply = stackalloc byte[512];
            var got = (int)Recv(fd, ref MemoryMarshal.GetReference(reply), reply.Length, 0);
            if (got < HeaderSize + 4 || BinaryPrimitives.ReadUInt16LittleEndian(reply[4..]) != NlmsgError)
            {
                return got < 0 ? $"netlink receive: {Errno(Marshal.GetLastPInvokeError())}" : $"netlink: no acknowledgement (read {got} bytes)";
            }

            var error = -BinaryPrimitives.ReadInt32LittleEndian(reply[HeaderSize..]);
            var fine = error == 0 || (type == RtmNewAddr && error == EExist) || (type == RtmDelAddr && error == EAddrNotAvail);
            return fine ? null : $"{(type == RtmNewAddr ? "RTM_NEWADDR" : "RTM_DELADDR")}: {Errno(error)}";
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static int Open(out string? problem)
    {
        problem = null;
        var fd = Socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute);
        if (fd < 0)
        {
            problem = $"netlink socket: {Errno(Marshal.GetLastPInvokeError())}";
            return fd;
        }

        // The kernel answers at once; a bound on the wait keeps a call from hanging whatever happens (1 s).
        Span<long> timeval = [1, 0];
        _ = SetSockOpt(fd, SolSocket, SoRcvTimeo, ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(timeval)), 16);
        return fd;
    }

    private static void Header(Span<byte> message, ushort type, ushort flags)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(message[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], 1);
    }

    private static void Attribute(Span<byte> at, ushort type, byte[] value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(at[2..], type);
        value.CopyTo(at[4..]);
    }

    private static InterfaceAddress? Parse(ReadOnlySpan<byte> message, Dictionary<int, string> names)
    {
        var body = message[HeaderSize..];
        if (body[0] != (byte)AddressFamily.InterNetwork)
        {
            return null;
        }

        int prefix = body[1];
        var index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        byte[]? local = null;
        byte[]? address = null;
        for (var rest = body[IfAddrMsgSize..]; rest.Length >= 4;)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(rest);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(rest[2..]);
            if (length < 4 || length > rest.Length)
            {
                break;
            }

            if (length == 8 && type == IfaLocal)
            {
                local = rest.Slice(4, 4).ToArray();
            }
            else if (length == 8 && type == IfaAddress)
            {
                address = rest.Slice(4, 4).ToArray();
            }

            rest = rest[Math.Min(Align(length), rest.Length)..];
        }

        // IFA_LOCAL is the interface's own address; IFA_ADDRESS differs from it only on point-to-point links (the peer).
        if ((local ?? address) is not { } bytes)
        {
            return null;
        }

        if (!names.TryGetValue(index, out var name))
        {
            name = IndexToName(index) ?? $"if{index}";
            names[index] = name;
        }

        return new InterfaceAddress(index, name, new IPAddress(bytes), prefix);
    }

    private static string? IndexToName(int index)
    {
        Span<byte> name = stackalloc byte[16];
        return IfIndexToName((uint)index, ref MemoryMarshal.GetReference(name)) == 0
            ? null
            : System.Text.Encoding.ASCII.GetString(name[..Math.Max(0, name.IndexOf((byte)0))]);
    }

    private static int Align(int length) => (length + 3) & ~3;

    [LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint IfNameToIndex(string name);

    [LibraryImport("libc", EntryPoint = "if_indextoname")]
    private static partial nint IfIndexToName(uint index, ref byte name);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, ref byte value, int length);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint Send(int fd, ref byte buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, ref byte buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
