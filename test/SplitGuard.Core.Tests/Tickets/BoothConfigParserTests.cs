using System.Net;
using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Tickets;

/// <summary>booth.conf read as booth reads it (docs/booth.md section 6), with errors naming the line.</summary>
public sealed class BoothConfigParserTests
{
    /// <summary>The config of the verified recipe (shared/specs/booth-tools/recipe-netns.sh).</summary>
    internal const string Recipe = """
        transport = UDP
        port = 9929
        authfile = /tmp/lab/authkey
        site = 10.98.0.1
        site = 10.98.0.2
        arbitrator = 10.98.0.3
        ticket = "ticketA"
            expire = 30
            timeout = 2
            retries = 3
            renewal-freq = 10
            acquire-after = 5
        """;

    [Fact]
    public void The_recipe_config_parses_with_members_in_order_and_their_site_ids()
    {
        var r = BoothConfigParser.Parse(Recipe, "/etc/booth/booth.conf");
        Assert.True(r.Succeeded, string.Join("; ", r.Errors));
        var c = r.Config!;
        Assert.Equal("booth", c.Name);
        Assert.Equal("/tmp/lab/authkey", c.AuthFile);
        Assert.Equal(new[] { 0x72AD10A0u, 0x6BA4411Au, 0x1CA3718Cu }, c.Members.Select(m => m.Id));
        Assert.Equal(new[] { 0, 1, 2 }, c.Members.Select(m => m.Index));
        Assert.Equal(BoothMemberType.Arbitrator, c.Members[2].Type);
        Assert.All(c.Members, m => Assert.Equal(9929, m.Port));
        var t = Assert.Single(c.Tickets);
        Assert.Equal(("ticketA", 30_000L, 2_000L, 3, 10_000L, 5_000L), (t.Name, t.ExpireMs, t.TimeoutMs, t.Retries, t.RenewalFreqMs, t.AcquireAfterMs));
        Assert.False(c.MillisecondUnits);
        Assert.Equal(BoothTicketMode.Auto, t.Mode);
    }

    [Fact]
    public void Defaults_are_booths()
    {
        var c = BoothConfigParser.Parse("site = 10.0.0.1\nsite = 10.0.0.2\narbitrator = 10.0.0.3\nticket = \"T\"\n").Config!;
        var t = c.Tickets[0];
        Assert.Equal((600_000L, 5_000L, 10, 300_000L, 0L), (t.ExpireMs, t.TimeoutMs, t.Retries, t.RenewalFreqMs, t.AcquireAfterMs));
        Assert.Equal(9929, c.Port);
        Assert.Equal(600, c.MaxTimeSkew);
        Assert.Null(c.AuthFile);
    }

    [Fact]
    public void A_port_after_the_member_lines_leaves_earlier_members_on_the_old_port_and_warns()
    {
        var r = BoothConfigParser.Parse("site = 10.0.0.1\nport = 9930\nsite = 10.0.0.2\narbitrator = 10.0.0.3\n");
        Assert.True(r.Succeeded);
        Assert.Equal(new[] { 9929, 9930, 9930 }, r.Config!.Members.Select(m => m.Port));
        var w = Assert.Single(r.Warnings);
        Assert.Equal(2, w.Line);
    }

    [Fact]
    public void A_sub_second_time_switches_term_valid_for_to_milliseconds()
    {
        var c = BoothConfigParser.Parse("site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"T\"\n expire = 30\n timeout = 500ms\n").Config!;
        Assert.True(c.MillisecondUnits);
        Assert.Equal(500, c.Tickets[0].TimeoutMs);
        var whole = BoothConfigParser.Parse("site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"T\"\n timeout = 2000ms\n").Config!;
        Assert.False(whole.MillisecondUnits);
    }

    [Fact]
    public void Defaults_section_copies_only_booths_keys()
    {
        var c = BoothConfigParser.Parse("""
            site = 10.0.0.1
            site = 10.0.0.2
            ticket = "__defaults__"
              expire = 40
              timeout = 3
              retries = 4
              acquire-after = 9
              mode = MANUAL
            ticket = "T"
            """).Config!;
        var t = Assert.Single(c.Tickets);
        Assert.Equal((40_000L, 3_000L, 4, 20_000L, 0L, BoothTicketMode.Manual), (t.ExpireMs, t.TimeoutMs, t.Retries, t.RenewalFreqMs, t.AcquireAfterMs, t.Mode));
    }

    [Fact]
    public void Quotes_comments_and_whitespace_are_booths()
    {
        var c = BoothConfigParser.Parse("  site='10.0.0.1'   # first\n#arbitrator = 1.2.3.4\nsite =\t\"10.0.0.2\"\nticket = 'T' # t\n  before-acquire-handler = \"/usr/bin/check #1\"\n").Config!;
        Assert.Equal(2, c.Members.Count);
        Assert.Equal("/usr/bin/check #1", c.Tickets[0].BeforeAcquireHandler);
    }

    [Theory]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nbogus = 1\n", 3, "unknown key 'bogus'")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\ntransport = TCP\n", 3, "transport")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.1\n", 2, "already a member")]
    [InlineData("site = 10.0.0.1\nsite = nothost\n", 2, "not an IPv4 or IPv6 address")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nexpire = 30\n", 3, "only allowed inside a ticket section")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"T\"\n retries = 2\n", 4, "from 3 to 100")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"T\"\n expire = soon\n", 4, "not a time")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"T\"\n expire = 30\n timeout = 2\n retries = 7\n", 6, "must be less than renewal-freq")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"a b\"\n", 3, "not a ticket name")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"T\"\nticket = \"T\"\n", 4, "defined twice")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"T\"\n mode = sometimes\n", 4, "manual or auto")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nport = 70000\n", 3, "not a port")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"T\nx\n", 3, "closing")]
    [InlineData("site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"A\"\nticket = \"__defaults__\"\n", 4, "must come before")]
    public void Errors_name_the_line_and_the_problem(string text, int line, string fragment)
    {
        var r = BoothConfigParser.Parse(text);
        Assert.False(r.Succeeded);
        Assert.Null(r.Config);
        Assert.Contains(r.Errors, e => e.Line == line && e.Message.Contains(fragment, StringComparison.Ordinal));
        Assert.StartsWith($"b.conf:{line}: ", r.Errors.First(e => e.Line == line).Format("b.conf"), StringComparison.Ordinal);
    }

    [Fact]
    public void No_members_is_an_error_of_the_whole_file()
    {
        var r = BoothConfigParser.Parse("ticket = \"T\"\n");
        Assert.Contains(r.Errors, e => e.Line == 0);
    }

    [Fact]
    public void Host_names_go_through_the_resolver()
    {
        var r = BoothConfigParser.Parse("site = alpha\nsite = 10.0.0.2\n", resolve: n => n == "alpha" ? IPAddress.Parse("10.98.0.1") : null);
        Assert.Equal(0x72AD10A0u, r.Config!.Members[0].Id);
        Assert.Equal("alpha", r.Config.Members[0].Text);
    }

    [Theory]
    [InlineData("30", 30_000L, false)]
    [InlineData("500ms", 500L, true)]
    [InlineData("2000ms", 2_000L, false)]
    [InlineData("1.5", 1_500L, true)]
    public void Times_are_seconds_or_milliseconds(string text, long ms, bool subSecond)
    {
        Assert.True(BoothConfigParser.TryParseTime(text, out var v, out var sub));
        Assert.Equal((ms, subSecond), (v, sub));
    }

    [Fact]
    public void Name_defaults_to_the_file_name_without_extension() =>
        Assert.Equal("geo", BoothConfigParser.Parse("site = 10.0.0.1\nsite = 10.0.0.2\n", "/etc/booth/geo.conf").Config!.Name);
}
