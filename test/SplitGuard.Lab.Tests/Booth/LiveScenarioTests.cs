using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Booth;

/// <summary>
/// booth's live_test.sh scenarios rebuilt over the namespace lab, in a mixed cluster: n1 = SplitGuard site, n2 = real
/// boothd site, w = SplitGuard arbitrator. Sites record grants through lab/booth/crm_ticket. After each scenario:
/// every term was granted to at most one site, no sample ever saw two members each naming itself the holder, and
/// all members agree on the holder.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class LiveScenarioTests(ITestOutputHelper output)
{
    private const string Handler = "    before-acquire-handler = HANDLER";

    private async Task<BoothLab> GrantedAsync(string holder, string extra = "")
    {
        var lab = await BoothLab.CreateAsync(["n1", "w"], extra, cibStub: true);
        try
        {
            await lab.StartAllAsync();
            var grant = await lab.BoothAsync(holder, "grant", "-s", lab.Ip(holder), BoothLab.Ticket);
            Assert.True(grant.Succeeded, grant.Describe());
            await lab.WaitAllAgreeAsync(holder, TimeSpan.FromSeconds(5));
            return lab;
        }
        catch
        {
            output.WriteLine(lab.Describe());
            await lab.DisposeAsync();
            throw;
        }
    }

    private void AssertInvariants(BoothLab lab, BoothMonitor monitor)
    {
        var grants = lab.CibGrants();
        output.WriteLine($"{monitor.Count} samples; CIB grants: {string.Join(", ", grants.Select(g => $"{g.Site}/term {g.Term}").Distinct())}");
        Assert.NotEmpty(grants);
        foreach (var term in grants.GroupBy(g => g.Term))
        {
            Assert.Single(term.Select(g => g.Site).Distinct());
        }

        Assert.Empty(monitor.DoubleHolders());
        Assert.True(monitor.Count > 10, "the monitor took too few samples");
    }

    private async Task RunAsync(BoothLab lab, Func<BoothMonitor, Task> scenario)
    {
        try
        {
            var monitor = new BoothMonitor(lab);
            await using (monitor)
            {
                await scenario(monitor);
            }

            AssertInvariants(lab, monitor);
        }
        catch
        {
            output.WriteLine(lab.Describe());
            throw;
        }
    }

    [Fact]
    public async Task Split_leader_the_cut_off_holder_gives_up_before_the_other_site_takes_over()
    {
        await using var lab = await GrantedAsync("n1");
        await RunAsync(lab, async _ =>
        {
            await lab.Network.FaultAsync("partition", "n1", "n2");
            await lab.Network.FaultAsync("partition", "n1", "w");
            await Polling.WaitUntilAsync(async () => await lab.LeaderAtAsync("n2") == "n2", TimeSpan.FromSeconds(30), "n2 takes over");
            Assert.NotEqual("n1", await lab.LeaderAtAsync("n1"));
            await lab.Network.FaultAsync("heal");
            await lab.WaitAllAgreeAsync("n2", TimeSpan.FromSeconds(15));
        });
        Assert.Contains("lease ended without a majority", lab.OutputOf("n1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Split_follower_the_holder_keeps_the_ticket()
    {
        await using var lab = await GrantedAsync("n1");
        await RunAsync(lab, async _ =>
        {
            await lab.Network.FaultAsync("partition", "n2", "n1");
            await lab.Network.FaultAsync("partition", "n2", "w");
            await Task.Delay(TimeSpan.FromSeconds(20));
            Assert.Equal("n1", await lab.LeaderAtAsync("n1"));
            Assert.Equal("n1", await lab.LeaderAtAsync("w"));
            await lab.Network.FaultAsync("heal");
            await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(15));
        });
    }

    [Fact]
    public async Task Restart_of_every_member_keeps_one_holder()
    {
        await using var lab = await GrantedAsync("n1");
        await RunAsync(lab, async _ =>
        {
            foreach (var m in new[] { "w", "n2", "n1" })
            {
                await lab.KillAsync(m);
                await Task.Delay(1000);
                await lab.StartAsync(m);
                await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(15));
            }

            await Task.Delay(TimeSpan.FromSeconds(6));
            await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(5));
        });
        // the restarted SplitGuard site read its grant back from the CIB (crm_ticket) and was told by its peers to lead on
        Assert.Contains("CIB says granted here (term 0)", lab.OutputOf("n1"), StringComparison.Ordinal);
        Assert.Contains("says the ticket is ours", lab.OutputOf("n1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_failure_at_the_holder_moves_the_ticket_to_the_other_site()
    {
        await using var lab = await GrantedAsync("n1", Handler);
        await RunAsync(lab, async _ =>
        {
            await File.WriteAllTextAsync(Path.Combine(lab.HandlerDir, "fail-" + lab.Ip("n1")), "fail");
            await Polling.WaitUntilAsync(async () => await lab.LeaderAtAsync("n2") == "n2", TimeSpan.FromSeconds(20), "n2 takes over");
            await lab.WaitAllAgreeAsync("n2", TimeSpan.FromSeconds(10));
        });
        Assert.Contains("before-acquire-handler failed: giving the ticket up", lab.OutputOf("n1"), StringComparison.Ordinal);
        // boothd runs the handler at its renewals (seen here: not before the step-down election itself)
        await Polling.WaitUntilAsync(
            () => File.ReadAllText(Path.Combine(lab.HandlerDir, "handler.log")).Contains(" " + lab.Ip("n2") + " ticketA", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "boothd runs the handler at n2");
        Assert.Equal("n2", await lab.LeaderAtAsync("w"));
    }

    [Fact]
    public async Task Thirty_percent_loss_everywhere_keeps_the_ticket_where_it_is()
    {
        await using var lab = await GrantedAsync("n1");
        await RunAsync(lab, async _ =>
        {
            foreach (var m in BoothLab.Members)
            {
                await lab.Network.FaultAsync("loss", m, "30");
            }

            await Task.Delay(TimeSpan.FromSeconds(40));
            await lab.Network.FaultAsync("heal");
            await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(10));
        });
        Assert.All(lab.CibGrants(), g => Assert.Equal((0u, "n1"), (g.Term, g.Site))); // never re-elected
    }
}
