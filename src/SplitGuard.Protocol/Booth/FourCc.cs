using System.Buffers.Binary;
using System.Globalization;

namespace SplitGuard.Protocol.Booth;

/// <summary>booth's four-character codes: a value is four ASCII characters read as a big-endian integer.</summary>
public static class FourCc
{
    /// <summary>The code of four ASCII characters, e.g. <c>"HrtB"</c> = 0x48727442.</summary>
    public static uint Of(string text)
    {
        if (text.Length != 4 || text.Any(c => c > 0x7F))
        {
            throw new ArgumentException($"a four-character code needs 4 ASCII characters, got '{text}'", nameof(text));
        }

        Span<byte> b = stackalloc byte[4];
        for (var i = 0; i < 4; i++)
        {
            b[i] = (byte)text[i];
        }

        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    /// <summary>The printable text of a code ("HrtB"), "0" for zero, or hex when it is not printable ASCII.</summary>
    public static string Text(uint value)
    {
        if (value == 0)
        {
            return "0";
        }

        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        foreach (var c in b)
        {
            if (c is < 0x20 or > 0x7E)
            {
                return "0x" + value.ToString("x8", CultureInfo.InvariantCulture);
            }
        }

        return string.Create(4, value, static (chars, v) =>
        {
            for (var i = 0; i < 4; i++)
            {
                chars[i] = (char)((v >> (24 - (8 * i))) & 0xFF);
            }
        });
    }
}
