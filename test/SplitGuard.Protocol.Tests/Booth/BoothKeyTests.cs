using System.Text;
using SplitGuard.Protocol.Booth;
using Xunit;

namespace SplitGuard.Protocol.Tests.Booth;

/// <summary>booth's authfile rules: 64 bytes at most, ASCII keys trimmed, at least 8 bytes.</summary>
public sealed class BoothKeyTests
{
    [Fact]
    public void A_29_byte_ascii_file_gives_the_28_byte_key()
    {
        var key = BoothKey.FromFileBytes("bth-shared-secret-0123456789\n"u8, out var problem);
        Assert.Null(problem);
        Assert.Equal("bth-shared-secret-0123456789", Encoding.ASCII.GetString(key!));
    }

    [Fact]
    public void Leading_whitespace_is_trimmed_too() =>
        Assert.Equal("12345678"u8.ToArray(), BoothKey.FromFileBytes(" \t12345678 \r\n"u8, out _));

    [Fact]
    public void A_binary_key_is_not_trimmed_and_is_capped_at_64_bytes()
    {
        var file = new byte[100];
        for (var i = 0; i < file.Length; i++)
        {
            file[i] = (byte)(i == 0 ? 0x0A : 0x80 + (i % 100));
        }

        var key = BoothKey.FromFileBytes(file, out _);
        Assert.Equal(64, key!.Length);
        Assert.Equal(0x0A, key[0]);
    }

    [Fact]
    public void A_5_byte_key_is_refused()
    {
        Assert.Null(BoothKey.FromFileBytes("abcde\n"u8, out var problem));
        Assert.Contains("at least 8", problem, StringComparison.Ordinal);
    }
}
