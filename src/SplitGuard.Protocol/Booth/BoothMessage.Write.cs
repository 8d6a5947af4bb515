using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SplitGuard.Protocol.Booth;

public readonly partial record struct BoothMessage
{
    /// <summary>
    /// Writes the message: 152 bytes with the HMAC trailer when <paramref name="key"/> is not empty, else 124 bytes with
    /// opts, secs and usecs 0. The timestamp fields are taken from <see cref="Secs"/> and <see cref="Usecs"/>. Returns
    /// the number of bytes written; throws when <paramref name="destination"/> is too small or the name is too long.
    /// </summary>
    public int Format(Span<byte> destination, ReadOnlySpan<byte> key)
    {
        var auth = !key.IsEmpty;
        var size = SizeFor(auth);
        if (destination.Length < size)
        {
            throw new ArgumentException($"need {size} bytes, got {destination.Length}", nameof(destination));
        }

        var d = destination[..size];
        d.Clear();
        WriteHeader(d, auth, size, Command, Request, Options, Reason, Result);
        WriteName(d.Slice(HeaderSize, TicketNameSize), Ticket);
        BinaryPrimitives.WriteUInt32BigEndian(d[112..], Leader);
        BinaryPrimitives.WriteUInt32BigEndian(d[116..], Term);
        BinaryPrimitives.WriteUInt32BigEndian(d[120..], TermValidFor);
        if (auth)
        {
            WriteTrailer(d, PlainSize, key);
        }

        return size;
    }

    /// <summary>The formatted message as a new array.</summary>
    public byte[] ToBytes(ReadOnlySpan<byte> key)
    {
        var buffer = new byte[SizeFor(!key.IsEmpty)];
        Format(buffer, key);
        return buffer;
    }

    /// <summary>
    /// Writes a text reply (RLst for list and peers): the header, the trailer when <paramref name="key"/> is not empty
    /// (the MAC covers the header only), then the text, which the MAC does not cover. <c>length</c> counts everything.
    /// Only the header fields of this message are used.
    /// </summary>
    public byte[] FormatTextReply(string text, ReadOnlySpan<byte> key)
    {
        var auth = !key.IsEmpty;
        var body = Encoding.UTF8.GetBytes(text);
        var head = HeaderSize + (auth ? TrailerSize : 0);
        var buffer = new byte[head + body.Length];
        WriteHeader(buffer, auth, buffer.Length, Command, Request, Options, Reason, Result);
        if (auth)
        {
            WriteTrailer(buffer, HeaderSize, key);
        }

        body.CopyTo(buffer.AsSpan(head));
        return buffer;
    }

    private void WriteHeader(
        Span<byte> d,
        bool auth,
        int length,
        BoothCommand command,
        BoothCommand request,
        BoothClientOptions options,
        BoothReason reason,
        BoothResult result)
    {
        BinaryPrimitives.WriteUInt32BigEndian(d, auth ? OptAuth : 0);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], auth ? Secs : 0);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], auth ? Usecs : 0);
        BinaryPrimitives.WriteUInt32BigEndian(d[12..], Magic);
        BinaryPrimitives.WriteUInt32BigEndian(d[16..], Version);
        BinaryPrimitives.WriteUInt32BigEndian(d[20..], From);
        BinaryPrimitives.WriteUInt32BigEndian(d[24..], (uint)length);
        BinaryPrimitives.WriteUInt32BigEndian(d[28..], (uint)command);
        BinaryPrimitives.WriteUInt32BigEndian(d[32..], (uint)request);
        BinaryPrimitives.WriteUInt32BigEndian(d[36..], (uint)options);
        BinaryPrimitives.WriteUInt32BigEndian(d[40..], (uint)reason);
        BinaryPrimitives.WriteUInt32BigEndian(d[44..], (uint)result);
    }

    private static void WriteName(Span<byte> d, string name)
    {
        // Names are ASCII in booth ([A-Za-z0-9/-]); the last byte stays NUL.
        var n = Encoding.UTF8.GetByteCount(name);
        if (n >= TicketNameSize)
        {
            throw new ArgumentException($"ticket name '{name}' is {n} bytes; booth allows at most {TicketNameSize - 1}", nameof(name));
        }

        Encoding.UTF8.GetBytes(name, d);
    }

    private static void WriteTrailer(Span<byte> d, int macOffset, ReadOnlySpan<byte> key)
    {
        BinaryPrimitives.WriteUInt32BigEndian(d[macOffset..], HashIdSha1);
        HMACSHA1.HashData(key, d[..macOffset], d.Slice(macOffset + 4, 20));
        d.Slice(macOffset + 24, 4).Clear();
    }
}
