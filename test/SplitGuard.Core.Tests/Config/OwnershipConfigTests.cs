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

    [Fact]
    public void Without_a_watchdog_key_there_is_no_watchdog()
    {
        Assert.Null(Parse(string.Empty, string.Empty).Ownership.Watchdog);
        Assert.Null(Parse(string.Empty, ", \"Ownership\": { \"watchdog\": null }").Ownership.Watchdog);
    }

    [Fact]
    public void The_watchdog_device_and_timeout_are_read()
    {
        var watchdog = Parse(string.Empty, ", \"Ownership\": { \"watchdog\": { \"device\": \"/dev/watchdog1\", \"timeout\": 5 } }").Ownership.Watchdog;
        Assert.NotNull(watchdog);
        Assert.Equal("/dev/watchdog1", watchdog.Device);
        Assert.Equal(TimeSpan.FromSeconds(5), watchdog.Timeout);
        Assert.Equal(5, watchdog.WholeSeconds);
        Assert.Equal(TimeSpan.FromSeconds(5), watchdog.ResetBound);
    }

    [Fact]
    public void The_watchdog_device_defaults_to_dev_watchdog()
    {
        var watchdog = Parse(string.Empty, ", \"Ownership\": { \"watchdog\": { \"timeout\": 10 } }").Ownership.Watchdog;
        Assert.Equal(new WatchdogConfig("/dev/watchdog", TimeSpan.FromSeconds(10)), watchdog);
    }

    /// <summary>Kernel watchdogs take whole seconds: a fractional timeout is kept as written, and the bound a peer must
    /// wait for is rounded up, never down.</summary>
    [Theory]
    [InlineData("0.05", 50, 1)]
    [InlineData("0.5", 500, 1)]
    [InlineData("1", 1000, 1)]
    [InlineData("1.001", 1001, 2)]
    [InlineData("2.5", 2500, 3)]
    [InlineData("60", 60000, 60)]
    public void A_fractional_watchdog_timeout_rounds_up_to_whole_seconds(string text, int milliseconds, int wholeSeconds)
    {
        var watchdog = Parse(string.Empty, $", \"Ownership\": {{ \"watchdog\": {{ \"device\": \"/run/wd\", \"timeout\": {text} }} }}").Ownership.Watchdog;
        Assert.NotNull(watchdog);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), watchdog.Timeout);
        Assert.Equal(wholeSeconds, watchdog.WholeSeconds);
        Assert.Equal(TimeSpan.FromSeconds(wholeSeconds), watchdog.ResetBound);
    }

    [Fact]
    public void The_watchdog_device_may_name_the_node()
    {
        var config = Parse(string.Empty, ", \"Ownership\": { \"watchdog\": { \"device\": \"/tmp/lab/{node}/watchdog\", \"timeout\": 0.5 } }");
        var expanded = NodeIdentity.ExpandPaths(config, "b");
        Assert.Equal("/tmp/lab/b/watchdog", expanded.Ownership.Watchdog?.Device);
        Assert.Equal(TimeSpan.FromMilliseconds(500), expanded.Ownership.Watchdog?.Timeout);
        Assert.Null(NodeIdentity.ExpandPaths(Parse(string.Empty, string.Empty), "b").Ownership.Watchdog);
    }

    [Fact]
    public void Every_watchdog_error_is_reported_with_its_line_and_column()
    {
        var result = ConfigLoader.Parse(Base.Replace("PRIORITY", string.Empty, StringComparison.Ordinal)
            .Replace("OWNERSHIP", ",\n  \"Ownership\": { \"watchdog\": { \"device\": \"dev/watchdog\", \"timeout\": 0 } }", StringComparison.Ordinal), "test.json");
        Assert.Null(result.Config);
        Assert.Collection(
            result.Errors,
            e =>
            {
                Assert.Equal("$.Ownership.watchdog.device", e.JsonPath);
                Assert.Equal((5, 42), (e.Line, e.Column));
            },
            e =>
            {
                Assert.Equal("$.Ownership.watchdog.timeout", e.JsonPath);
                Assert.Equal((5, 69), (e.Line, e.Column));
                Assert.Equal("test.json:5:69: $.Ownership.watchdog.timeout: expected a number of seconds from 0.05 to 60 (how long the watchdog waits for a pet before it resets the node), got 0", e.Format("test.json"));
            });
    }

    [Fact]
    public void Config_check_names_the_watchdog_and_what_it_costs_a_takeover()
    {
        Assert.DoesNotContain(ConfigSummary.Describe(Parse(string.Empty, string.Empty)), l => l.StartsWith("watchdog", StringComparison.Ordinal));
        Assert.Contains(
            "watchdog /dev/watchdog, timeout 5 s: takeovers from a silent peer wait 5 s longer",
            ConfigSummary.Describe(Parse(string.Empty, ", \"Ownership\": { \"watchdog\": { \"timeout\": 5 } }")));
        Assert.Contains(
            "watchdog /run/wd, timeout 0.5 s (1 s on a kernel watchdog, which takes whole seconds): takeovers from a silent peer wait 1 s longer",
            ConfigSummary.Describe(Parse(string.Empty, ", \"Ownership\": { \"watchdog\": { \"device\": \"/run/wd\", \"timeout\": 0.5 } }")));
    }
}
