using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Booth;

/// <summary>
/// SplitGuard as the arbitrator between two real boothd sites (Debian's booth 1.0), with the real booth client: grant,
/// renewals, failover after expire + acquire-after when the holder is killed, the old holder rejoining as follower,
/// and a revoke at a follower redirected to the holder.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class ArbitratorInteropTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Splitguard_arbitrates_grant_renewal_failover_rejoin_and_revoke_between_real_boothd_sites()
    {
        await using var lab = await BoothLab.CreateAsync(["w"]);
        try
        {
            await lab.StartAllAsync();
            Assert.Equal("NONE", await lab.LeaderAtAsync("w"));

            var grant = await lab.BoothAsync("n1", "grant", "-s", lab.Ip("n1"), BoothLab.Ticket);
            Assert.True(grant.Succeeded, grant.Describe());
            Assert.Contains("grant succeeded", grant.Stdout + grant.Stderr, StringComparison.Ordinal);
            await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(5));

            // renewals: the arbitrator's expiry moves forward every renewal-freq (5 s)
            var first = await lab.ExpiresAtAsync("w");
            await Task.Delay(TimeSpan.FromSeconds(11));
            var later = await lab.ExpiresAtAsync("w");
            Assert.NotNull(first);
            Assert.True(later >= first!.Value.AddSeconds(8), $"expiry {first} -> {later}");
            Assert.Equal("n1", await lab.LeaderAtAsync("w"));

            // failover: kill -9 the holder; n2 takes over after expire (10 s) + acquire-after (2 s)
            var clock = BoothLab.Clock();
            await lab.KillAsync("n1");
            await Polling.WaitUntilAsync(async () => await lab.LeaderAtAsync("n2") == "n2", TimeSpan.FromSeconds(30), "n2 holds the ticket");
            var failover = clock.Elapsed;
            output.WriteLine($"failover after kill -9: {failover.TotalSeconds:F1} s");
            Assert.InRange(failover.TotalSeconds, 7, 20); // the lease had 5..10 s left, + 2 s acquire-after, + election
            await lab.WaitAllAgreeAsync("n2", TimeSpan.FromSeconds(5));

            // the old holder rejoins as follower
            await lab.StartAsync("n1");
            await lab.WaitAllAgreeAsync("n2", TimeSpan.FromSeconds(10));
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.All((await lab.LeadersAsync()).Values, v => Assert.Equal("n2", v));

            // revoke at the follower n1 is redirected to the holder n2; at the arbitrator (SplitGuard) too
            var atArbitrator = await lab.TicketAsync("w", "revoke", "-s", lab.Ip("w"), BoothLab.Ticket);
            Assert.Equal(2, atArbitrator.ExitCode); // splitguard ticket refuses to send revoke to an arbitrator, as booth
            var revoke = await lab.BoothAsync("n1", "revoke", "-s", lab.Ip("n1"), BoothLab.Ticket);
            Assert.True(revoke.Succeeded, revoke.Describe());
            await lab.WaitAllAgreeAsync("none", TimeSpan.FromSeconds(5));

            foreach (var site in new[] { "n1", "n2" })
            {
                var c = await lab.CountersAsync("w", site);
                Assert.True(c.Recv > 0);
                Assert.Equal((0L, 0L, 0L), (c.Error, c.AuthFail, c.Invalid));
                var seen = await lab.CountersAsync(site, "w");
                Assert.Equal((0L, 0L, 0L), (seen.Error, seen.AuthFail, seen.Invalid));
            }
        }
        catch
        {
            output.WriteLine(lab.Describe());
            throw;
        }
    }
}
