using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

/// <summary>SplitGuard's <c>Ownership.stop_budget</c> and <c>Members[].Priority</c>: read, defaulted.</summary>
public sealed class OwnershipConfigTests
{
    private const string Base = """
        { "Cluster": [ { "ID": 1, "Members": [ { "ID": 1, "Hostname": "a"PRIORITY }, { "ID": 2, "Hostname": "b" } ],
          "links": [ { "ID": 1, "type": "udp", "interval": 0.02, "maxloss": 5,
                       "Nodes": [ { "NodeID": 1, "IP": "10.0.0.1" }, { "NodeID": 2, "IP": "10.0.0.2" } ] } ] } ],
          "System": { "udp_port": 5405 }OWNERSHIP }
        """;

    private static SplitGuardConfig Parse(string priority, string ownership)
    {
        var result = ConfigLoader.Parse(Base.Replace("PRIORITY", priority, StringComparison.Ordinal).Replace("OWNERSHIP", ownership, StringComparison.Ordinal), "test.json");
        Assert.True(result.Config is not null, string.Join(Environment.NewLine, result.Errors));
        return result.Config!;
    }

    [Fact]
    public void Without_the_keys_the_stop_budget_is_a_quarter_second_and_priorities_are_zero()
    {
        var config = Parse(string.Empty, string.Empty);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.Ownership.StopBudget);
        Assert.All(config.Clusters[0].Members, m => Assert.Equal(0, m.Priority));
    }

    [Fact]
    public void Stop_budget_and_priority_are_read()
    {
        var config = Parse(", \"Priority\": -7", ", \"Ownership\": { \"stop_budget\": 0.08 }");
        Assert.Equal(TimeSpan.FromMilliseconds(80), config.Ownership.StopBudget);
        Assert.Equal(-7, config.Clusters[0].Members[0].Priority);
        Assert.Equal(0, config.Clusters[0].Members[1].Priority);
    }

    [Fact]
    public void Gateways_and_their_timing_are_read()
    {
        var config = Parse(string.Empty, ", \"Ownership\": { \"gateways\": [\"10.0.0.254\", \"10.0.1.254\"], \"gateway_interval\": 0.05, \"gateway_maxloss\": 3 }");
        Assert.Equal(["10.0.0.254", "10.0.1.254"], config.Ownership.Gateways.Select(g => g.ToString()));
        Assert.Equal(TimeSpan.FromMilliseconds(50), config.Ownership.GatewayInterval);
        Assert.Equal(3, config.Ownership.GatewayMaxLoss);
    }

    [Fact]
    public void A_bad_gateway_is_an_error_that_names_its_path()
    {
        var result = ConfigLoader.Parse(Base.Replace("PRIORITY", string.Empty, StringComparison.Ordinal)
            .Replace("OWNERSHIP", ", \"Ownership\": { \"gateways\": [\"10.0.0\"] }", StringComparison.Ordinal), "test.json");
        Assert.Null(result.Config);
        Assert.Contains(result.Errors, e => e.JsonPath == "$.Ownership.gateways[0]");
    }
}
