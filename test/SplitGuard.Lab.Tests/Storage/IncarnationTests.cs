using SplitGuard.Daemon.Hosting;
using Xunit;

namespace SplitGuard.Lab.Tests.Storage;

/// <summary>The incarnation grows from run to run even when the wall clock went back (peers drop older incarnations).</summary>
public sealed class IncarnationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sg-inc-").FullName;
    private readonly List<string> _warnings = [];

    private string PathOf => Path.Combine(_dir, "n1.pid.incarnation");

    [Fact]
    public void The_wall_clock_sets_it_when_ahead_of_the_last_run()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        Assert.Equal(1_700_000_000_000_000UL, Incarnation.Next(PathOf, now, _warnings.Add));
        Assert.Equal(1_700_000_001_000_000UL, Incarnation.Next(PathOf, now.AddSeconds(1), _warnings.Add));
        Assert.Empty(_warnings);
    }

    [Fact]
    public void A_clock_set_back_ten_minutes_still_gives_a_higher_incarnation()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var first = Incarnation.Next(PathOf, now, _warnings.Add);
        var second = Incarnation.Next(PathOf, now.AddMinutes(-10), _warnings.Add);
        Assert.Equal(first + 1, second);
    }

    [Fact]
    public void A_corrupt_file_is_reported_and_the_clock_is_used()
    {
        File.WriteAllText(PathOf, "garbage");
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        Assert.Equal(1_700_000_000_000_000UL, Incarnation.Next(PathOf, now, _warnings.Add));
        Assert.Contains(_warnings, w => w.Contains("not an incarnation number", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
