using SplitGuard.Core.Tickets;
using Xunit;

namespace SplitGuard.Core.Tests.Tickets;

/// <summary>Bound resources run only at the committed holder, and stop two timeouts before its lease ends.</summary>
public sealed class TicketBindingTests
{
    [Fact]
    public void Resources_run_at_the_holder_and_stop_before_the_lease_ends_when_renewals_fail()
    {
        var sim = new BoothSim(BoothConfigParserTests.Recipe);
        sim.Run(3000);
        var config = sim.Config.Tickets[0];
        bool Runs(int m) => TicketBinding.ShouldRun(sim.View(m), sim.Config.Members[m], config, sim.Now);
        Assert.False(Runs(0));
        sim.Grant(0);
        sim.Run(100);
        Assert.True(Runs(0));
        Assert.False(Runs(1));
        Assert.False(Runs(2));

        sim.Partition(0);
        var stopped = sim.RunUntil(() => !Runs(0), 60_000);
        var leaseLeft = sim.View(0).ExpiresAtMs!.Value - sim.Now;
        Assert.Equal(2 * config.TimeoutMs, leaseLeft); // stopped exactly at the margin, the lease still valid
        var takeover = sim.RunUntil(() => sim.View(1).Role == TicketRole.Leader, 60_000);
        Assert.True(takeover > leaseLeft + config.AcquireAfterMs, $"takeover {takeover} ms after the stop");
        Assert.True(Runs(1));
        Assert.False(Runs(0));
    }

    [Fact]
    public void A_grant_whose_commit_is_delayed_does_not_run_resources_yet()
    {
        var sim = new BoothSim(BoothConfigParserTests.Recipe);
        sim.Crash(1);
        sim.Run(3000);
        sim.Grant(0);
        sim.Run(2500);
        Assert.Equal(TicketRole.Leader, sim.View(0).Role);
        Assert.NotNull(sim.View(0).CommitPendingUntilMs);
        Assert.False(TicketBinding.ShouldRun(sim.View(0), sim.Config.Members[0], sim.Config.Tickets[0], sim.Now));
    }
}
