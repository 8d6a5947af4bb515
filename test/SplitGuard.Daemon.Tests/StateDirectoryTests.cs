using SplitGuard.Daemon.Hosting;
using Xunit;

namespace SplitGuard.Daemon.Tests;

/// <summary><c>Daemon.state_dir</c> (issue 14): created when missing, one daemon per directory, a clear error otherwise.</summary>
public sealed class StateDirectoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sg-state-").FullName;

    [Fact]
    public void A_missing_directory_is_created_private_to_the_daemon()
    {
        var path = Path.Combine(_dir, "a", "b");

        using var state = StateDirectory.Open(path);

        Assert.True(Directory.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(path));
        Assert.Equal(Path.Combine(path, "term"), StateDirectory.TermPath(state.Path));
        Assert.Equal(Path.Combine(path, "incarnation"), StateDirectory.IncarnationPath(state.Path));
    }

    [Fact]
    public void A_second_holder_is_refused_with_a_message_that_names_the_key_and_the_directory()
    {
        using var first = StateDirectory.Open(_dir);

        var e = Assert.Throws<DaemonStartException>(() => StateDirectory.Open(_dir));

        Assert.Contains("another splitguard daemon uses the state directory " + _dir, e.Message, StringComparison.Ordinal);
        Assert.Contains("Daemon.state_dir", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.ExitCode);
    }

    [Fact]
    public void The_directory_is_free_again_once_released()
    {
        StateDirectory.Open(_dir).Dispose();

        using var again = StateDirectory.Open(_dir);

        Assert.Equal(_dir, again.Path);
    }

    [Fact]
    public void A_path_that_cannot_be_a_directory_is_an_error_that_names_it()
    {
        var file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");

        var e = Assert.Throws<DaemonStartException>(() => StateDirectory.Open(Path.Combine(file, "state")));

        Assert.Contains(Path.Combine(file, "state"), e.Message, StringComparison.Ordinal);
        Assert.Contains("Daemon.state_dir", e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
