using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Booth;

/// <summary>
/// The two other wire modes against real boothd sites, SplitGuard as arbitrator: no authfile (124-byte messages
/// without trailer or timestamp), and milliseconds mode (<c>timeout = 500ms</c> makes term_valid_for milliseconds
/// for the whole process, 9999 instead of 9). In each: grant, renewal past the lease, kill -9 failover, agreement.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class WireModeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false, "1")]
    [InlineData(true, "500ms")]
    public async Task Grant_renewal_and_failover_work_without_auth_and_in_milliseconds_mode(bool auth, string timeout)
    {
        await using var lab = await BoothLab.CreateAsync(["w"], auth: auth, timeout: timeout);
        try
        {
            await lab.StartAllAsync();
            Assert.Contains($"auth {(auth ? "HMAC-SHA1" : "off")}, term_valid_for in {(timeout.EndsWith("ms", StringComparison.Ordinal) ? "ms" : "s")}",
                lab.OutputOf("w"), StringComparison.Ordinal);
            var grant = await lab.BoothAsync("n1", "grant", "-s", lab.Ip("n1"), BoothLab.Ticket);
            Assert.True(grant.Succeeded, grant.Describe());
            await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(5));
            await Task.Delay(TimeSpan.FromSeconds(12)); // past the 10 s lease: renewals reached everyone
            Assert.All((await lab.LeadersAsync()).Values, v => Assert.Equal("n1", v));

            var clock = BoothLab.Clock();
            await lab.KillAsync("n1");
            await Polling.WaitUntilAsync(async () => await lab.LeaderAtAsync("n2") == "n2", TimeSpan.FromSeconds(30), "n2 holds the ticket");
            output.WriteLine($"failover after kill -9: {clock.Elapsed.TotalSeconds:F1} s");
            Assert.InRange(clock.Elapsed.TotalSeconds, 6, 20);
            await lab.WaitAllAgreeAsync("n2", TimeSpan.FromSeconds(5));
            foreach (var site in new[] { "n2" })
            {
                var c = await lab.CountersAsync("w", site);
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
