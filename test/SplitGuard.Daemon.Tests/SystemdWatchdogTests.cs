using SplitGuard.Daemon.Hosting;
using Xunit;

namespace SplitGuard.Daemon.Tests;

/// <summary>systemd's service watchdog (issue 14): who must pet it, and how often (on a fake clock).</summary>
public sealed class SystemdWatchdogTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("0", null)]
    [InlineData("abc", null)]
    [InlineData("-5", null)]
    [InlineData("2000000", "4242")]
    public void No_watchdog_without_a_period_or_for_another_process(string? usec, string? pid)
    {
        Assert.Null(SystemdWatchdog.FromEnvironment(usec, pid, 1000, _ => true));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1000")]
    public void The_period_comes_from_WATCHDOG_USEC(string? pid)
    {
        var watchdog = SystemdWatchdog.FromEnvironment("2000000", pid, 1000, _ => true);

        Assert.Equal(TimeSpan.FromSeconds(2), watchdog!.Period);
    }

    [Fact]
    public void It_pets_at_once_then_every_half_period_and_says_when_next()
    {
        var sent = new List<string>();
        var watchdog = new SystemdWatchdog(TimeSpan.FromSeconds(2), s =>
        {
            sent.Add(s);
            return true;
        });

        Assert.Equal(TimeSpan.FromSeconds(11), watchdog.Pet(TimeSpan.FromSeconds(10)));
        Assert.Equal(TimeSpan.FromSeconds(11), watchdog.Pet(TimeSpan.FromSeconds(10.5)));
        Assert.Equal(TimeSpan.FromSeconds(12.2), watchdog.Pet(TimeSpan.FromSeconds(11.2)));

        Assert.Equal(["WATCHDOG=1", "WATCHDOG=1"], sent);
        Assert.Equal(2, watchdog.Pets);
    }
}
