using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SplitGuard.Protocol.Heartbeat;

public readonly partial record struct HeartbeatFrame
{
    /// <summary>
    /// Reads only the routing fields (cluster, sender, receiver, link) without checking the MAC, so a
    /// receiver can reject foreign clusters and unknown senders cheaply. Returns false when the bytes
    /// are too short or do not start with the magic.
    /// </summary>
    public static bool TryPeekRouting(ReadOnlySpan<byte> data, out ushort cluster, out ushort sender, out ushort receiver, out ushort link)
    {
        cluster = sender = receiver = link = 0;
        if (data.Length < HeaderSize || BinaryPrimitives.ReadUInt32BigEndian(data) != Magic)
        {
            return false;
        }

        cluster = BinaryPrimitives.ReadUInt16BigEndian(data[8..]);
        sender = BinaryPrimitives.ReadUInt16BigEndian(data[10..]);
        receiver = BinaryPrimitives.ReadUInt16BigEndian(data[12..]);
        link = BinaryPrimitives.ReadUInt16BigEndian(data[14..]);
        return true;
    }

    /// <summary>
    /// Parses and authenticates a frame. Never throws on any input: every defect is a <see cref="FrameError"/>.
    /// The payload of the result is a copy, so the receive buffer can be reused.
    /// </summary>
    public static FrameError TryParse(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key, out HeartbeatFrame frame)
    {
        frame = default;
        if (data.Length < 4)
        {
            return FrameError.Truncated;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(data) != Magic)
        {
            return FrameError.BadMagic;
        }

        if (data.Length < MinSize)
        {
            return FrameError.Truncated;
        }

        if (data[4] != CurrentVersion)
        {
            return FrameError.BadVersion;
        }

        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(data[48..]);
        if (payloadLength > MaxPayload || data.Length != HeaderSize + payloadLength + MacSize)
        {
            return data.Length < HeaderSize + payloadLength + MacSize ? FrameError.Truncated : FrameError.BadLength;
        }

        int signed = HeaderSize + payloadLength;
        Span<byte> expected = stackalloc byte[MacSize];
        WriteMac(key, data[..signed], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, data.Slice(signed, MacSize)))
        {
            return FrameError.BadMac;
        }

        var kind = (FrameKind)data[5];
        var status = (NodeStatus)data[6];
        if (kind is not (FrameKind.Heartbeat or FrameKind.HopProbe) || status is < NodeStatus.Online or > NodeStatus.Standby)
        {
            return FrameError.BadKind;
        }

        frame = new HeartbeatFrame(
            kind,
            status,
            data[7],
            BinaryPrimitives.ReadUInt16BigEndian(data[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[10..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[12..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[14..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[20..]),
            BinaryPrimitives.ReadUInt64BigEndian(data[24..]),
            BinaryPrimitives.ReadUInt64BigEndian(data[32..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[40..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[44..]),
            payloadLength == 0 ? ReadOnlyMemory<byte>.Empty : data.Slice(HeaderSize, payloadLength).ToArray());
        return FrameError.None;
    }
}
