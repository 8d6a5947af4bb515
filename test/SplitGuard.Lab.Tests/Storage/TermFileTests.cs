using SplitGuard.Daemon.Hosting;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests.Storage;

/// <summary>
/// The stored lease term (<c>term</c> in <c>Daemon.state_dir</c>): survives a rewrite, a corrupt file is an error that names it,
/// and a full disk (a 4 KiB tmpfs, FAULTS.md F17) makes the write fail with the reason instead of losing the term.
/// </summary>
public sealed class TermFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sg-term-").FullName;
    private bool _mounted;

    [Fact]
    public void A_written_term_is_read_back_and_a_missing_file_is_term_zero()
    {
        var file = new TermFile(Path.Combine(_dir, "n1.pid.term"));
        Assert.Equal(0u, file.Read());
        file.Write(41);
        file.Write(42);
        Assert.Equal(42u, new TermFile(file.Path).Read());
        Assert.False(File.Exists(file.Path + ".tmp"));
    }

    [Fact]
    public void A_corrupt_file_is_an_error_that_names_the_file()
    {
        var path = Path.Combine(_dir, "n1.pid.term");
        File.WriteAllText(path, "forty-two\n");
        var e = Assert.Throws<InvalidDataException>(() => new TermFile(path).Read());
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("forty-two", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_full_disk_the_write_fails_with_the_reason_and_the_old_term_stays()
    {
        LabRequirements.Ensure();
        var mount = await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", "size=4k", "sgterm", _dir], TimeSpan.FromSeconds(10));
        Assert.True(mount.ExitCode == 0, $"mount tmpfs: {mount.Describe()}");
        _mounted = true;
        var file = new TermFile(Path.Combine(_dir, "n1.pid.term"));
        file.Write(7);
        await File.WriteAllBytesAsync(Path.Combine(_dir, "filler"), new byte[4096]).ContinueWith(_ => { }, TaskScheduler.Default);

        var e = Assert.ThrowsAny<IOException>(() => file.Write(8));

        Assert.Contains("space", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(7u, file.Read());
    }

    public void Dispose()
    {
        if (_mounted)
        {
            ProcessRunner.RunAsync("umount", [_dir], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        }

        Directory.Delete(_dir, recursive: true);
    }
}
