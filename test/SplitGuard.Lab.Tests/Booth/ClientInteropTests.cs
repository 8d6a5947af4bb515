using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Booth;

/// <summary>The real booth client against SplitGuard, and <c>splitguard ticket</c> against real boothd: list, grant,
/// revoke, unknown ticket, peers.</summary>
[Collection(LabDaemonCollection.Name)]
public sealed class ClientInteropTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Splitguard_ticket_drives_real_boothd_sites()
    {
        await using var lab = await BoothLab.CreateAsync([]);
        try
        {
            await lab.StartAllAsync();
            var list = await lab.TicketAsync("n1", "list");
            Assert.True(list.Succeeded, list.Describe());
            Assert.Equal("ticket: ticketA, leader: NONE\n", list.Stdout);

            var unknown = await lab.TicketAsync("n1", "grant", "nosuch");
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("ticket \"nosuch\" does not exist", unknown.Stderr, StringComparison.Ordinal);

            var grant = await lab.TicketAsync("n2", "grant", "ticketA");
            Assert.True(grant.Succeeded, grant.Describe());
            Assert.Equal("grant succeeded!\n", grant.Stdout);
            await lab.WaitAllAgreeAsync("n2", TimeSpan.FromSeconds(5));
            var again = await lab.TicketAsync("n1", "grant", "ticketA");
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("granting a granted ticket", again.Stderr, StringComparison.Ordinal);

            var listed = await lab.TicketAsync("w", "list", "-s", lab.Ip("w"));
            Assert.Matches($@"^ticket: ticketA, leader: {System.Text.RegularExpressions.Regex.Escape(lab.Ip("n2"))}, expires: \d{{4}}-", listed.Stdout);

            var peers = await lab.TicketAsync("w", "peers", "-s", lab.Ip("w"));
            Assert.Contains($"site         {lab.Ip("n1")}, last recv:", peers.Stdout, StringComparison.Ordinal);
            Assert.Contains("authfail:0 invalid:0", peers.Stdout, StringComparison.Ordinal);

            // revoke at the follower: boothd answers Redr, splitguard follows it to the holder
            var revoke = await lab.TicketAsync("n1", "revoke", "-s", lab.Ip("n1"), "ticketA");
            Assert.True(revoke.Succeeded, revoke.Describe());
            Assert.Contains("redirected to the holder " + lab.Ip("n2"), revoke.Stderr, StringComparison.Ordinal);
            await lab.WaitAllAgreeAsync("none", TimeSpan.FromSeconds(5));
            var idle = await lab.TicketAsync("n2", "revoke", "ticketA");
            Assert.Equal(1, idle.ExitCode);
        }
        catch
        {
            output.WriteLine(lab.Describe());
            throw;
        }
    }

    [Fact]
    public async Task Real_booth_client_drives_a_splitguard_site()
    {
        await using var lab = await BoothLab.CreateAsync(["n1", "n2", "w"]);
        try
        {
            await lab.StartAllAsync();
            var list = await lab.BoothAsync("n1", "list");
            Assert.True(list.Succeeded, list.Describe());
            Assert.Equal("ticket: ticketA, leader: NONE\n", list.Stdout);

            var unknown = await lab.BoothAsync("n1", "grant", "nosuch");
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("ticket \"nosuch\" does not exist", unknown.Stdout + unknown.Stderr, StringComparison.Ordinal);

            var grant = await lab.BoothAsync("n1", "grant", "ticketA");
            Assert.True(grant.Succeeded, grant.Describe());
            Assert.Contains("grant succeeded", grant.Stdout + grant.Stderr, StringComparison.Ordinal);
            await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(5));

            var redirected = await lab.BoothAsync("n2", "revoke", "ticketA");
            Assert.True(redirected.Succeeded, redirected.Describe());
            await lab.WaitAllAgreeAsync("none", TimeSpan.FromSeconds(5));

            var peers = await lab.BoothAsync("w", "peers");
            Assert.True(peers.Succeeded, peers.Describe());
            Assert.Contains("error:0 authfail:0 invalid:0", peers.Stdout, StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine(lab.Describe());
            throw;
        }
    }
}
