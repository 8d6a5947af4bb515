using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Booth;

/// <summary>
/// SplitGuard as a site (n1) beside a real boothd site (n2) and a real boothd arbitrator (w): SplitGuard wins the
/// ticket by grant, loses it when killed (n2 takes over after expire + acquire-after), rejoins as follower, wins it
/// back by failover when n2 is killed, and a revoke at the boothd follower is redirected to SplitGuard.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class SiteInteropTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Splitguard_site_wins_loses_rejoins_and_wins_back_the_ticket_beside_real_boothd()
    {
        await using var lab = await BoothLab.CreateAsync(["n1"]);
        try
        {
            await lab.StartAllAsync();

            // win by grant (real booth client against SplitGuard)
            var grant = await lab.BoothAsync("n1", "grant", "-s", lab.Ip("n1"), BoothLab.Ticket);
            Assert.True(grant.Succeeded, grant.Describe());
            await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(5));

            // renewals keep it: 12 s > expire
            await Task.Delay(TimeSpan.FromSeconds(12));
            Assert.All((await lab.LeadersAsync()).Values, v => Assert.Equal("n1", v));

            // lose it: kill -9 SplitGuard, the boothd site takes over
            var clock = BoothLab.Clock();
            await lab.KillAsync("n1");
            await Polling.WaitUntilAsync(async () => await lab.LeaderAtAsync("n2") == "n2", TimeSpan.FromSeconds(30), "n2 holds the ticket");
            output.WriteLine($"boothd took over after {clock.Elapsed.TotalSeconds:F1} s");
            Assert.InRange(clock.Elapsed.TotalSeconds, 7, 20);
            await lab.WaitAllAgreeAsync("n2", TimeSpan.FromSeconds(5));

            // rejoin as follower
            await lab.StartAsync("n1");
            await lab.WaitAllAgreeAsync("n2", TimeSpan.FromSeconds(10));
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.All((await lab.LeadersAsync()).Values, v => Assert.Equal("n2", v));

            // win it back by failover: kill -9 the boothd holder
            clock.Restart();
            await lab.KillAsync("n2");
            await Polling.WaitUntilAsync(async () => await lab.LeaderAtAsync("n1") == "n1", TimeSpan.FromSeconds(30), "SplitGuard holds the ticket");
            output.WriteLine($"SplitGuard took over after {clock.Elapsed.TotalSeconds:F1} s");
            Assert.InRange(clock.Elapsed.TotalSeconds, 7, 20);
            await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(5));
            Assert.Contains("starting election for term 2", lab.OutputOf("n1"), StringComparison.Ordinal);

            await lab.StartAsync("n2");
            await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(10));

            // revoke at the boothd follower: redirected to SplitGuard, which revokes everywhere
            var revoke = await lab.BoothAsync("n2", "revoke", "-s", lab.Ip("n2"), BoothLab.Ticket);
            Assert.True(revoke.Succeeded, revoke.Describe());
            await lab.WaitAllAgreeAsync("none", TimeSpan.FromSeconds(5));

            foreach (var peer in new[] { "n2", "w" })
            {
                var seen = await lab.CountersAsync(peer, "n1");
                Assert.True(seen.Recv > 0);
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
