using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// SIGHUP no longer kills the daemon (its default action did, exit 129, without stopping the resources): until reload
/// exists the daemon logs event 1009 and runs on, still answering on its control socket.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class HangupTests(LabClusterFixture fixture) : IClassFixture<LabClusterFixture>
{
    [Fact]
    public async Task A_daemon_sent_SIGHUP_says_reload_is_not_built_and_runs_on()
    {
        var cluster = fixture.Cluster;
        var daemon = cluster.Daemon("n1");
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);

        Assert.True(NativeSignals.Send(daemon.Pid, NativeSignals.SigHup), "SIGHUP could not be sent");

        await Polling.WaitUntilAsync(() => cluster.LogEvents("n1", since, 1009).Count > 0, TimeSpan.FromSeconds(10), "event 1009 in n1's log");
        Assert.False(daemon.HasExited, "the daemon exited on SIGHUP");
        var status = await cluster.StatusAsync("n1");
        Assert.NotNull(status);
        Assert.False(daemon.HasExited, "the daemon exited on SIGHUP");
    }
}
