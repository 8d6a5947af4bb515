using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SplitGuard.Protocol.Booth;

public readonly partial record struct BoothMessage
{
    /// <summary>
    /// Reads the <c>length</c> field of a header, for stream framing (TCP). False when fewer than 48 bytes are given or
    /// the magic is wrong.
    /// </summary>
    public static bool TryPeekLength(ReadOnlySpan<byte> header, out int length)
    {
        length = 0;
        if (header.Length < HeaderSize || BinaryPrimitives.ReadUInt32BigEndian(header[12..]) != Magic)
        {
            return false;
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(header[24..]);
        length = value > int.MaxValue ? int.MaxValue : (int)value;
        return true;
    }

    /// <summary>The <c>from</c> field of a header without any other check (0 when too short), for counting per peer.</summary>
    public static uint PeekFrom(ReadOnlySpan<byte> data) =>
        data.Length >= 24 ? BinaryPrimitives.ReadUInt32BigEndian(data[20..]) : 0;

    /// <summary>
    /// Parses a ticket message the way a booth receiver checks it: magic, version, <c>length</c> equal to the data's
    /// size; then, when <paramref name="key"/> is not empty, the HMAC-SHA1 trailer at the end (hash id 2 only); then the
    /// size of a ticket message (124 bytes, or 152 with a trailer) and a NUL-terminated name. A receiver without a key
    /// ignores a trailer, as booth does. Never throws.
    /// </summary>
    public static BoothPacketError TryParse(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key, out BoothMessage message)
    {
        message = default;
        var error = CheckHeader(data, key, out var length);
        if (error != BoothPacketError.None)
        {
            return error;
        }

        var opts = BinaryPrimitives.ReadUInt32BigEndian(data);
        var hasTrailer = !key.IsEmpty || (opts & OptAuth) != 0;
        if (length != (hasTrailer ? AuthSize : PlainSize))
        {
            return BoothPacketError.BadLength;
        }

        var nameBytes = data.Slice(HeaderSize, TicketNameSize);
        var nul = nameBytes.IndexOf((byte)0);
        if (nul < 0)
        {
            return BoothPacketError.BadTicketName;
        }

        message = new BoothMessage(
            From: BinaryPrimitives.ReadUInt32BigEndian(data[20..]),
            Command: (BoothCommand)BinaryPrimitives.ReadUInt32BigEndian(data[28..]),
            Request: (BoothCommand)BinaryPrimitives.ReadUInt32BigEndian(data[32..]),
            Options: (BoothClientOptions)BinaryPrimitives.ReadUInt32BigEndian(data[36..]),
            Reason: (BoothReason)BinaryPrimitives.ReadUInt32BigEndian(data[40..]),
            Result: (BoothResult)BinaryPrimitives.ReadUInt32BigEndian(data[44..]),
            Ticket: Encoding.UTF8.GetString(nameBytes[..nul]),
            Leader: BinaryPrimitives.ReadUInt32BigEndian(data[112..]),
            Term: BinaryPrimitives.ReadUInt32BigEndian(data[116..]),
            TermValidFor: BinaryPrimitives.ReadUInt32BigEndian(data[120..]))
        {
            Secs = BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            Usecs = BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            Authenticated = !key.IsEmpty,
        };
        return BoothPacketError.None;
    }

    /// <summary>
    /// Parses a text reply (RLst): header, the trailer when <paramref name="key"/> is not empty (MAC over the header
    /// only), then the text up to <c>length</c>. Only the header fields of <paramref name="message"/> are set.
    /// </summary>
    public static BoothPacketError TryParseTextReply(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key, out BoothMessage message, out string text)
    {
        message = default;
        text = string.Empty;
        if (data.Length < HeaderSize)
        {
            return BoothPacketError.Truncated;
        }

        var error = CheckMagicVersionLength(data, out var length);
        if (error != BoothPacketError.None)
        {
            return error;
        }

        var head = HeaderSize + (key.IsEmpty ? 0 : TrailerSize);
        if (length < head)
        {
            return BoothPacketError.BadLength;
        }

        if (!key.IsEmpty && !MacMatches(data[..head], HeaderSize, key))
        {
            return BoothPacketError.BadMac;
        }

        message = new BoothMessage(
            BinaryPrimitives.ReadUInt32BigEndian(data[20..]),
            (BoothCommand)BinaryPrimitives.ReadUInt32BigEndian(data[28..]),
            (BoothCommand)BinaryPrimitives.ReadUInt32BigEndian(data[32..]),
            (BoothClientOptions)BinaryPrimitives.ReadUInt32BigEndian(data[36..]),
            (BoothReason)BinaryPrimitives.ReadUInt32BigEndian(data[40..]),
            (BoothResult)BinaryPrimitives.ReadUInt32BigEndian(data[44..]),
            string.Empty,
            NoOne,
            0,
            0)
        {
            Secs = BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            Usecs = BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            Authenticated = !key.IsEmpty,
        };
        text = Encoding.UTF8.GetString(data[head..length]);
        return BoothPacketError.None;
    }

    private static BoothPacketError CheckHeader(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key, out int length)
    {
        length = 0;
        if (data.Length < HeaderSize)
        {
            return BoothPacketError.Truncated;
        }

        var error = CheckMagicVersionLength(data, out length);
        if (error != BoothPacketError.None)
        {
            return error;
        }

        if (length != data.Length)
        {
            return BoothPacketError.BadLength;
        }

        if (!key.IsEmpty)
        {
            if (length < HeaderSize + TrailerSize || !MacMatches(data[..length], length - TrailerSize, key))
            {
                return BoothPacketError.BadMac;
            }
        }

        return BoothPacketError.None;
    }

    private static BoothPacketError CheckMagicVersionLength(ReadOnlySpan<byte> data, out int length)
    {
        length = 0;
        if (BinaryPrimitives.ReadUInt32BigEndian(data[12..]) != Magic)
        {
            return BoothPacketError.BadMagic;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(data[16..]) != Version)
        {
            return BoothPacketError.BadVersion;
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(data[24..]);
        if (value < HeaderSize)
        {
            return BoothPacketError.BadLength;
        }

        if (value > data.Length)
        {
            return BoothPacketError.Truncated;
        }

        length = (int)value;
        return BoothPacketError.None;
    }

    private static bool MacMatches(ReadOnlySpan<byte> data, int macOffset, ReadOnlySpan<byte> key)
    {
        if (BinaryPrimitives.ReadUInt32BigEndian(data[macOffset..]) != HashIdSha1)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[20];
        HMACSHA1.HashData(key, data[..macOffset], mac);
        return CryptographicOperations.FixedTimeEquals(mac, data.Slice(macOffset + 4, 20));
    }
}
