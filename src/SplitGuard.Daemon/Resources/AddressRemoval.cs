using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SplitGuard.Core.Resources;

namespace SplitGuard.Daemon.Resources;

/// <summary>
/// Removes the address an address resource holds (<c>ocf:splitguard:vip</c>, <c>ocf:heartbeat:IPaddr2</c>,
/// <c>ocf:heartbeat:IPaddr</c>: param <c>ip</c>, and <c>nic</c> when given) without its agent: for the hard kill, when
/// the agent may itself be hung. The interface and prefix are taken from the kernel's own address list (getifaddrs),
/// and the address is deleted with one RTM_DELADDR netlink message: no process to start, well under a millisecond.
/// </summary>
public static partial class AddressRemoval
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkRoute = 0;
    private const ushort RtmDelAddr = 21;
    private const ushort NlmsgError = 2;
    private const ushort NlmFRequest = 1;
    private const ushort NlmFAck = 4;
    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;

    /// <summary>True when <paramref name="resource"/> is an address resource whose address this class can remove.</summary>
    public static bool IsAddressResource(ResourceConfig resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var agent = resource.Agent;
        return agent.Kind == AgentKind.Ocf
            && ((agent.Provider == "splitguard" && agent.Name == "vip") || (agent.Provider == "heartbeat" && agent.Name is "IPaddr2" or "IPaddr"))
            && resource.Params.ContainsKey("ip");
    }

    /// <summary>
    /// Removes the address of <paramref name="resource"/> from every interface that holds it (only <c>nic</c> when
    /// given). Returns what was removed (<c>ip/prefix dev nic</c>) and what failed; nothing for other resources.
    /// </summary>
    public static (IReadOnlyList<string> Removed, string? Problem) Remove(ResourceConfig resource)
    {
        if (!IsAddressResource(resource) || !IPAddress.TryParse(resource.Params["ip"], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
        {
            return ([], null);
        }

        resource.Params.TryGetValue("nic", out var nic);
        var removed = new List<string>();
        string? problem = null;
        foreach (var (name, prefix) in Holders(ip, string.IsNullOrEmpty(nic) ? null : nic))
        {
            var error = Delete(ip, prefix, name);
            if (error is null)
            {
                removed.Add($"{ip}/{prefix} dev {name}");
            }
            else
            {
                problem = (problem is null ? string.Empty : problem + "; ") + $"{ip}/{prefix} dev {name}: {error}";
            }
        }

        return (removed, problem);
    }

    /// <summary>The interfaces that hold <paramref name="ip"/>, with its prefix length there.</summary>
    public static IReadOnlyList<(string Interface, int Prefix)> Holders(IPAddress ip, string? nic)
    {
        ArgumentNullException.ThrowIfNull(ip);
        var found = new List<(string, int)>();
        foreach (var face in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic is not null && face.Name != nic)
            {
                continue;
            }

            foreach (var address in face.GetIPProperties().UnicastAddresses)
            {
                if (address.Address.Equals(ip))
                {
                    found.Add((face.Name, address.PrefixLength));
                }
            }
        }

        return found;
    }

    /// <summary>RTM_DELADDR of <paramref name="ip"/>/<paramref name="prefix"/> on <paramref name="name"/>; null on success (or when it was gone already).</summary>
    private static string? Delete(IPAddress ip, int prefix, string name)
    {
        var index = IfNameToIndex(name);
        if (index == 0)
        {
            return $"no interface {name}";
        }

        var fd = Socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute);
        if (fd < 0)
        {
            return $"netlink socket: errno {Marshal.GetLastPInvokeError()}";
        }

        try
        {
            // nlmsghdr (16) + ifaddrmsg (8) + IFA_LOCAL (8) + IFA_ADDRESS (8); host byte order except the address.
            Span<byte> message = stackalloc byte[40];
            message.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(message, 40);
            BinaryPrimitives.WriteUInt16LittleEndian(message[4..], RtmDelAddr);
            BinaryPrimitives.WriteUInt16LittleEndian(message[6..], NlmFRequest | NlmFAck);
            BinaryPrimitives.WriteUInt32LittleEndian(message[8..], 1);
            message[16] = (byte)AddressFamily.InterNetwork;
            message[17] = (byte)prefix;
            BinaryPrimitives.WriteInt32LittleEndian(message[20..], (int)index);
            var bytes = ip.GetAddressBytes();
            BinaryPrimitives.WriteUInt16LittleEndian(message[24..], 8);
            BinaryPrimitives.WriteUInt16LittleEndian(message[26..], IfaLocal);
            bytes.CopyTo(message[28..]);
            BinaryPrimitives.WriteUInt16LittleEndian(message[32..], 8);
            BinaryPrimitives.WriteUInt16LittleEndian(message[34..], IfaAddress);
            bytes.CopyTo(message[36..]);
            if (Send(fd, ref MemoryMarshal.GetReference(message), 40, 0) != 40)
            {
                return $"netlink send: errno {Marshal.GetLastPInvokeError()}";
            }

            Span<byte> reply = stackalloc byte[256];
            var got = Recv(fd, ref MemoryMarshal.GetReference(reply), reply.Length, 0);
            if (got < 20 || BinaryPrimitives.ReadUInt16LittleEndian(reply[4..]) != NlmsgError)
            {
                return $"netlink: no acknowledgement (read {got})";
            }

            var error = -BinaryPrimitives.ReadInt32LittleEndian(reply[16..]);
            const int EAddrNotAvail = 99;
            return error is 0 or EAddrNotAvail ? null : $"RTM_DELADDR: errno {error}";
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint IfNameToIndex(string name);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint Send(int fd, ref byte buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, ref byte buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
