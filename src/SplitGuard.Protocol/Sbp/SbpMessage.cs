using System.Runtime.InteropServices;

namespace SplitGuard.Protocol.Sbp;

/// <summary>
/// One message of sbp's socket API: unsigned shorts in the host's native byte order:
/// length in bytes, type, state (0 out of service, 1 in service), cluster id, node id, and the link id
/// for types above 300. Length is 10 bytes for path messages and 12 for link messages.
/// </summary>
public readonly record struct SbpMessage(SbpMessageType Type, ushort State, ushort Cluster, ushort Node, ushort Link)
{
    public const int PathSize = 10;
    public const int LinkSize = 12;

    /// <summary>True when the message carries a link id (types above 300).</summary>
    public bool HasLink => (ushort)Type > 300;

    public int Size => HasLink ? LinkSize : PathSize;

    /// <summary>sbp's <c>linktype</c>: 0 icmp, 1 udp, 2 icmp_hop.</summary>
    public SbpLinkType LinkType => Type switch
    {
        SbpMessageType.UdpPath or SbpMessageType.UdpLink or SbpMessageType.UdpOneWay => SbpLinkType.Udp,
        SbpMessageType.IcmpHopLink or SbpMessageType.IcmpHopOneWay => SbpLinkType.IcmpHop,
        _ => SbpLinkType.Icmp,
    };

    public int Format(Span<byte> destination)
    {
        int size = Size;
        if (destination.Length < size)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, message needs {size}", nameof(destination));
        }

        var words = MemoryMarshal.Cast<byte, ushort>(destination[..size]);
        words[0] = (ushort)size;
        words[1] = (ushort)Type;
        words[2] = State;
        words[3] = Cluster;
        words[4] = Node;
        if (HasLink)
        {
            words[5] = Link;
        }

        return size;
    }

    /// <summary>
    /// Parses one message from the start of <paramref name="data"/>. Returns the bytes consumed, 0 when
    /// more bytes are needed (a partial read), or -1 when the bytes are not a valid message.
    /// </summary>
    public static int TryParse(ReadOnlySpan<byte> data, out SbpMessage message)
    {
        message = default;
        if (data.Length < 2)
        {
            return 0;
        }

        ushort length = MemoryMarshal.Read<ushort>(data);
        if (length is not (PathSize or LinkSize))
        {
            return -1;
        }

        if (data.Length < length)
        {
            return 0;
        }

        var words = MemoryMarshal.Cast<byte, ushort>(data[..length]);
        var type = (SbpMessageType)words[1];
        if (!Enum.IsDefined(type) || ((ushort)type > 300) != (length == LinkSize))
        {
            return -1;
        }

        message = new SbpMessage(type, words[2], words[3], words[4], length == LinkSize ? words[5] : (ushort)0);
        return length;
    }
}
