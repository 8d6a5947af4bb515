using SplitGuard.Core.Config;
using SplitGuard.Core.Resources;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

public sealed class ConfigChangesTests
{
    private const string Running = """
        {
          "Cluster": [{ "ID": 1, "Members": [{ "ID": 1, "Hostname": "n1" }, { "ID": 2, "Hostname": "n2" }] }],
          "Logging": { "level": "INFO", "logfile": "/var/log/splitguard.log" },
          "Resources": [
            { "name": "vip", "agent": "builtin:vip", "params": { "ip": "10.0.0.10" } },
            { "name": "web", "agent": "ocf:heartbeat:apache", "timeouts": { "start": 20, "stop": 20 }, "monitor_interval": 10 }
          ]
        }
        """;

    private static IReadOnlyList<ConfigChange> Compare(string file) =>
        ConfigChanges.Compare(JsonTreeParser.Parse(Running), JsonTreeParser.Parse(file));

    [Fact]
    public void The_same_settings_written_differently_are_no_change()
    {
        // Keys reordered, resources reordered, 10 written as 10.0, whitespace: the same configuration.
        var file = """
            {
              "Logging": { "logfile": "/var/log/splitguard.log", "level": "INFO" },
              "Resources": [
                { "monitor_interval": 10.0, "name": "web", "agent": "ocf:heartbeat:apache", "timeouts": { "stop": 20, "start": 20.00 } },
                { "name": "vip", "agent": "builtin:vip", "params": { "ip": "10.0.0.10" } }
              ],
              "Cluster": [{ "ID": 1, "Members": [{ "ID": 1, "Hostname": "n1" }, { "ID": 2, "Hostname": "n2" }] }]
            }
            """;

        Assert.Empty(Compare(file));
    }

    [Fact]
    public void The_log_level_and_a_resources_monitor_and_start_settings_are_applied_at_run_time()
    {
        var file = Running
            .Replace("\"INFO\"", "\"DEBUG\"", StringComparison.Ordinal)
            .Replace("\"start\": 20, \"stop\": 20 }, \"monitor_interval\": 10", "\"start\": 30, \"stop\": 20, \"monitor\": 5 }, \"monitor_interval\": 2, \"fail_count\": 1", StringComparison.Ordinal);

        Assert.Equal(
            [
                new ConfigChange("$.Logging.level", true),
                new ConfigChange("$.Resources[name=web].timeouts.start", true),
                new ConfigChange("$.Resources[name=web].timeouts.monitor", true),
                new ConfigChange("$.Resources[name=web].monitor_interval", true),
                new ConfigChange("$.Resources[name=web].fail_count", true),
            ],
            Compare(file));
    }

    [Fact]
    public void Identity_links_agents_params_the_stop_timeout_and_added_resources_take_a_restart()
    {
        var file = Running
            .Replace("\"Hostname\": \"n2\"", "\"Hostname\": \"n3\"", StringComparison.Ordinal)
            .Replace("/var/log/splitguard.log", "/tmp/sg.log", StringComparison.Ordinal)
            .Replace("10.0.0.10", "10.0.0.11", StringComparison.Ordinal)
            .Replace("\"stop\": 20", "\"stop\": 5", StringComparison.Ordinal)
            .Replace("ocf:heartbeat:apache", "ocf:heartbeat:nginx", StringComparison.Ordinal)
            .Replace("\n  ]", ",\n    { \"name\": \"db\", \"agent\": \"ocf:heartbeat:pgsql\" }\n  ]", StringComparison.Ordinal);

        Assert.Equal(
            [
                new ConfigChange("$.Cluster", false),
                new ConfigChange("$.Logging.logfile", false),
                new ConfigChange("$.Resources[name=vip].params.ip", false),
                new ConfigChange("$.Resources[name=web].agent", false),
                new ConfigChange("$.Resources[name=web].timeouts.stop", false),
                new ConfigChange("$.Resources[name=db]", false),
            ],
            Compare(file));
    }

    [Fact]
    public void A_section_added_or_removed_names_each_of_its_keys()
    {
        var file = Running.Replace("\"Logging\": { \"level\": \"INFO\", \"logfile\": \"/var/log/splitguard.log\" },", "\"Api\": { \"socket\": \"/run/sbp.sock\" },", StringComparison.Ordinal);

        Assert.Equal(
            [new ConfigChange("$.Logging.level", true), new ConfigChange("$.Logging.logfile", false), new ConfigChange("$.Api.socket", false)],
            Compare(file));
    }

    [Fact]
    public void A_running_resource_takes_only_the_run_time_settings_of_the_file()
    {
        var running = new ResourceConfig
        {
            Name = "web",
            Agent = AgentSpec.Ocf("heartbeat", "apache"),
            Params = new Dictionary<string, string> { ["port"] = "80" },
            Timeouts = new ResourceTimeouts(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20)),
        };
        var file = new ResourceConfig
        {
            Name = "web",
            Agent = AgentSpec.Ocf("heartbeat", "nginx"),
            Params = new Dictionary<string, string> { ["port"] = "8080" },
            Group = "g",
            Timeouts = new ResourceTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(7)),
            MonitorInterval = TimeSpan.FromSeconds(2),
            MigrationThreshold = 1,
        };

        var applied = ConfigChanges.WithRuntimeSettings(running, file);

        Assert.Equal(running with
        {
            Timeouts = new ResourceTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(7)),
            MonitorInterval = TimeSpan.FromSeconds(2),
            MigrationThreshold = 1,
        }, applied);
        Assert.Same(running.Params, applied.Params);
        Assert.Equal(running.Agent, applied.Agent);
        Assert.Null(applied.Group);
    }

    [Theory]
    [InlineData("$.Logging.level", true)]
    [InlineData("$.Logging.logfile", false)]
    [InlineData("$.Resources[name=a].fail_count", true)]
    [InlineData("$.Resources[name=a].timeouts.monitor", true)]
    [InlineData("$.Resources[name=a].timeouts.stop", false)]
    [InlineData("$.Resources[name=a].timeouts", false)]
    [InlineData("$.Resources[name=a]", false)]
    [InlineData("$.Resources", false)]
    [InlineData("$.Tickets.fail_count", false)]
    public void Runtime_keys_are_a_fixed_list(string path, bool runtime) => Assert.Equal(runtime, ConfigChanges.IsRuntime(path));
}
