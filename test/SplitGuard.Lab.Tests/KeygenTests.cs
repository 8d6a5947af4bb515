using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// `splitguard keygen FILE` on a new node (issue 14): the key's directory (/etc/splitguard in the docs) may not exist
/// yet; it is created, the key is mode 0600 and 32 random bytes in hex, and an existing key is never overwritten.
/// </summary>
public sealed class KeygenTests : IDisposable
{
    private readonly string _dir = Path.Combine(LabPaths.WorkRoot, "keygen-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Keygen_creates_the_missing_directory_writes_a_0600_key_and_never_overwrites_one()
    {
        var path = Path.Combine(_dir, "etc", "splitguard", "authkey");
        var command = LabPaths.SplitGuardCommand;

        var first = await ProcessRunner.RunAsync(command[0], [.. command.Skip(1), "keygen", path], TimeSpan.FromSeconds(60));
        Assert.True(first.Succeeded, first.Describe());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var key = (await File.ReadAllTextAsync(path)).Trim();
        Assert.Matches("^[0-9a-f]{64}$", key);

        var second = await ProcessRunner.RunAsync(command[0], [.. command.Skip(1), "keygen", path], TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("exists", second.Stderr, StringComparison.Ordinal);
        Assert.Equal(key, (await File.ReadAllTextAsync(path)).Trim());
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
