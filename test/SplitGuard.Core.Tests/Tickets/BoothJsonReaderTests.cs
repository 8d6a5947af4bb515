using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Tickets;

/// <summary>The <c>Tickets</c> JSON section: the same settings and rules as booth.conf, errors with JSON line and path.</summary>
public sealed class BoothJsonReaderTests
{
    private const string Json = """
        {
          "Cluster": [],
          "Tickets": {
            "authfile": "/tmp/lab/authkey",
            "members": [ { "site": "10.98.0.1" }, { "site": "10.98.0.2" }, { "arbitrator": "10.98.0.3" } ],
            "port": 9929,
            "tickets": {
              "ticketA": { "expire": 30, "timeout": 2, "retries": 3, "renewal-freq": 10, "acquire-after": 5 }
            }
          }
        }
        """;

    [Fact]
    public void The_recipe_as_json_gives_the_same_config_as_booth_conf()
    {
        var json = BoothJsonReader.Read(Json);
        Assert.True(json.Succeeded, string.Join("; ", json.Errors));
        var conf = BoothConfigParser.Parse(BoothConfigParserTests.Recipe).Config!;
        var c = json.Config!;
        Assert.Equal(conf.Members.Select(m => (m.Id, m.Type, m.Port)), c.Members.Select(m => (m.Id, m.Type, m.Port)));
        static object Key(BoothTicketConfig t) => (t.Name, t.ExpireMs, t.TimeoutMs, t.Retries, t.RenewalFreqMs, t.AcquireAfterMs, t.Mode, t.BeforeAcquireHandler);
        Assert.Equal(conf.Tickets.Select(Key), c.Tickets.Select(Key));
        Assert.Equal(conf.AuthFile, c.AuthFile);
    }

    [Theory]
    [InlineData("\"bogus\": 1", 4, "$.Tickets.bogus: unknown key")]
    [InlineData("\"members\": [ { \"site\": \"10.0.0.1\" }, { \"site\": \"10.0.0.1\" } ]", 4, "$.Tickets.members[1].site: site: 10.0.0.1 is already a member")]
    [InlineData("\"members\": [ { \"site\": \"10.0.0.1\" }, { \"node\": \"10.0.0.2\" } ]", 4, "$.Tickets.members[1]: expected")]
    [InlineData("\"members\": [ { \"site\": \"10.0.0.1\" } ], \"tickets\": { \"T\": {\n \"retries\": 2 } }", 5, "$.Tickets.tickets.T.retries: 'retries: '2' must be")]
    [InlineData("\"members\": [ { \"site\": \"10.0.0.1\" } ], \"tickets\": { \"T\": {\n \"retries\": [] } }", 5, "$.Tickets.tickets.T.retries: expected a string or a number")]
    public void Errors_name_the_json_line_and_path(string body, int line, string fragment)
    {
        var json = "{\n\"Tickets\": {\n\"port\": 9929,\n" + body + "\n}\n}";
        var r = BoothJsonReader.Read(json);
        Assert.False(r.Succeeded);
        Assert.Contains(r.Errors, e => e.Line == line && e.Message.StartsWith(fragment.Replace("'retries: '2' must be", "retries: '2' must be", StringComparison.Ordinal), StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_section_or_bad_json_is_one_clear_error()
    {
        Assert.Contains("no \"Tickets\" object", Assert.Single(BoothJsonReader.Read("{ \"Cluster\": [] }").Errors).Message, StringComparison.Ordinal);
        Assert.Single(BoothJsonReader.Read("{ \"Tickets\": ").Errors);
    }
}
