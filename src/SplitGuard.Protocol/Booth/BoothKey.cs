namespace SplitGuard.Protocol.Booth;

/// <summary>
/// booth's authfile key rules: at most the first 64 bytes are used; when every byte is ASCII, leading and trailing
/// whitespace (the newline of a hand-written file) is trimmed; the key must then be at least 8 bytes.
/// </summary>
public static class BoothKey
{
    /// <summary>booth reads at most this many bytes of the authfile.</summary>
    public const int MaxLength = 64;

    /// <summary>Shorter keys are refused.</summary>
    public const int MinLength = 8;

    /// <summary>The key booth derives from the file's bytes, or null with <paramref name="problem"/> set.</summary>
    public static byte[]? FromFileBytes(ReadOnlySpan<byte> file, out string? problem)
    {
        var raw = file.Length > MaxLength ? file[..MaxLength] : file;
        var allAscii = true;
        foreach (var b in raw)
        {
            if (b > 0x7F)
            {
                allAscii = false;
                break;
            }
        }

        if (allAscii)
        {
            var start = 0;
            var end = raw.Length;
            while (start < end && IsSpace(raw[start]))
            {
                start++;
            }

            while (end > start && IsSpace(raw[end - 1]))
            {
                end--;
            }

            raw = raw[start..end];
        }

        if (raw.Length < MinLength)
        {
            problem = $"the key is {raw.Length} bytes; booth needs at least {MinLength}";
            return null;
        }

        problem = null;
        return raw.ToArray();
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;
}
