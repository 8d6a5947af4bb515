using System.Net;
using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void SbpShapeParsesIntoTheModel()
    {
        var cfg = ConfigText.Valid(ConfigText.Sbp, "/etc/sbpd.conf");

        Assert.Equal("/etc/sbpd.conf", cfg.SourcePath);
        var cluster = Assert.Single(cfg.Clusters);
        Assert.Equal(1000, cluster.Id);
        Assert.Equal([new MemberConfig(1, "node1"), new MemberConfig(2, "node2")], cluster.Members);
        Assert.Equal(2, cluster.Links.Count);

        var udp = cluster.Links[0];
        Assert.Equal(1, udp.Id);
        Assert.Equal(LinkType.Udp, udp.Type);
        Assert.Equal(TimeSpan.FromSeconds(1), udp.Interval);
        Assert.Equal(3, udp.MaxLoss);
        Assert.Null(udp.IcmpIp);
        Assert.Equal(new LinkEndpoint(1, IPAddress.Parse("192.168.1.1")), udp.A);
        Assert.Equal(new LinkEndpoint(2, IPAddress.Parse("192.168.1.2")), udp.B);

        var icmp = cluster.Links[1];
        Assert.Equal(LinkType.Icmp, icmp.Type);
        Assert.Equal(TimeSpan.FromMilliseconds(100), icmp.Interval);
        Assert.Equal(5, icmp.MaxLoss);
        Assert.Equal(IPAddress.Parse("192.168.1.3"), icmp.IcmpIp);

        Assert.Equal(new SystemConfig(5405, true), cfg.System);
        Assert.Equal(new LoggingConfig("DEBUG", "/var/log/sbpd.log", 20, 3) { LogFileConfigured = true }, cfg.Logging);
        Assert.Equal(new ApiConfig("/run/sbpd.sock", null), cfg.Api);
    }

    [Fact]
    public void EveryOptionalKeyHasItsDefault()
    {
        var cfg = ConfigText.Valid(ConfigText.Minimal);

        Assert.Equal(new SystemConfig(0, false), cfg.System);
        Assert.Equal(new LoggingConfig("INFO", "/var/log/splitguard.log", 10, 5), cfg.Logging);
        Assert.Equal(new ApiConfig("/run/splitguard/api.sock", null), cfg.Api);
        Assert.Equal(new AuthConfig("/etc/splitguard/authkey"), cfg.Auth);
        Assert.Equal(new DaemonConfig("/run/splitguard/splitguard.pid", "/run/splitguard/control.sock", null), cfg.Daemon);
        Assert.Equal("/var/lib/splitguard", cfg.Daemon.StateDir);
    }

    [Fact]
    public void EmptySectionsAlsoGiveDefaults()
    {
        var json = ConfigText.Minimal.ReplaceOnce("\"Cluster\"", "\"System\": {}, \"Logging\": {}, \"api\": {}, \"Auth\": {}, \"Daemon\": {}, \"Cluster\"");
        var cfg = ConfigText.Valid(json);

        Assert.Equal(ConfigText.Valid(ConfigText.Minimal) with { SourcePath = cfg.SourcePath, Clusters = cfg.Clusters }, cfg);
        Assert.Equal(ConfigDefaults.LogFile, cfg.Logging.LogFile);
    }

    [Fact]
    public void SplitGuardKeysAreRead()
    {
        var json = ConfigText.Minimal.ReplaceOnce("\"Cluster\"", """
            "api": {"socket": "/run/sg/{node}.sock", "group": "splitguard"},
            "Auth": {"key_file": "/etc/sg/{node}.key"},
            "Daemon": {"pid_file": "/run/sg/{node}.pid", "control_socket": "/run/sg/{node}-ctl.sock", "control_group": "wheel", "state_dir": "/var/lib/sg/{node}"},
            "Cluster"
            """);
        var cfg = ConfigText.Valid(json);

        Assert.Equal(new ApiConfig("/run/sg/{node}.sock", "splitguard"), cfg.Api);
        Assert.Equal(new AuthConfig("/etc/sg/{node}.key"), cfg.Auth);
        Assert.Equal(new DaemonConfig("/run/sg/{node}.pid", "/run/sg/{node}-ctl.sock", "wheel") { StateDir = "/var/lib/sg/{node}" }, cfg.Daemon);
        Assert.Equal("/var/lib/sg/n2", NodeIdentity.ExpandPaths(cfg, "n2").Daemon.StateDir);
        Assert.Equal(50, cfg.Daemon.RealtimePriority);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(99)]
    public void RealtimePriorityIsRead(int priority)
    {
        var json = ConfigText.Minimal.ReplaceOnce("\"Cluster\"", $$"""
            "Daemon": {"realtime_priority": {{priority}}},
            "Cluster"
            """);

        Assert.Equal(priority, ConfigText.Valid(json).Daemon.RealtimePriority);
    }

    [Fact]
    public void NullGroupMeansNoGroup()
    {
        var json = ConfigText.Minimal.ReplaceOnce("\"Cluster\"", "\"api\": {\"group\": null}, \"Cluster\"");
        Assert.Null(ConfigText.Valid(json).Api.Group);
    }

    [Theory]
    [InlineData("0.05", 500_000L)]
    [InlineData("0.005", 50_000L)]
    [InlineData("1", 10_000_000L)]
    [InlineData("2.5", 25_000_000L)]
    [InlineData("5e-2", 500_000L)]
    [InlineData("3600", 36_000_000_000L)]
    public void IntervalAcceptsFractionsExactly(string interval, long ticks)
    {
        var cfg = ConfigText.Valid(ConfigText.Minimal.ReplaceOnce("\"interval\": 0.05", $"\"interval\": {interval}"));
        Assert.Equal(TimeSpan.FromTicks(ticks), cfg.Clusters[0].Links[0].Interval);
    }

    [Theory]
    [InlineData("debug", "DEBUG")]
    [InlineData("NOTICE", "NOTICE")]
    [InlineData("Warning", "WARNING")]
    [InlineData("CRITICAL", "CRITICAL")]
    public void LevelIsNormalisedToUpperCase(string given, string stored)
    {
        var json = ConfigText.Minimal.ReplaceOnce("\"Cluster\"", $"\"Logging\": {{\"level\": \"{given}\"}}, \"Cluster\"");
        Assert.Equal(stored, ConfigText.Valid(json).Logging.Level);
    }

    [Fact]
    public void IdsCoverTheWholeUnsignedShortRange()
    {
        var json = ConfigText.Minimal
            .ReplaceOnce("\"ID\": 7", "\"ID\": 65535")
            .ReplaceOnce("{\"ID\": 1, \"Hostname\": \"a\"}", "{\"ID\": 0, \"Hostname\": \"a\"}")
            .ReplaceOnce("{\"NodeID\": 1,", "{\"NodeID\": 0,")
            .ReplaceOnce("{\"ID\": 1, \"type\"", "{\"ID\": 65535, \"type\"");
        var cluster = Assert.Single(ConfigText.Valid(json).Clusters);

        Assert.Equal(ushort.MaxValue, cluster.Id);
        Assert.Equal(0, cluster.Members[0].Id);
        Assert.Equal(ushort.MaxValue, cluster.Links[0].Id);
        Assert.Equal(0, cluster.Links[0].A.NodeId);
    }

    [Fact]
    public void SeveralClustersAndANodeInBoth()
    {
        var second = """
            {"ID": 8, "Members": [{"ID": 5, "Hostname": "a"}, {"ID": 6, "Hostname": "c"}],
             "links": [{"ID": 1, "type": "udp", "interval": 1, "maxloss": 3,
                        "Nodes": [{"NodeID": 5, "IP": "10.1.0.1"}, {"NodeID": 6, "IP": "10.1.0.2"}]}]}
            """;
        var json = ConfigText.Minimal
            .ReplaceOnce("  ]\n}", "  ,\n" + second + "\n  ],\n  \"System\": {\"udp_port\": 5405}\n}");
        var cfg = ConfigText.Valid(json);

        Assert.Equal([(ushort)7, (ushort)8], cfg.Clusters.Select(c => c.Id));
        Assert.Equal(5405, cfg.System.UdpPort);
    }

    [Fact]
    public void ReservedTopLevelKeysAreAcceptedAndKeptRaw()
    {
        var json = ConfigText.Minimal.ReplaceOnce("\"Cluster\"", """
            "Resources": [{"name": "vip", "agent": "ocf:heartbeat:IPaddr2"}],
            "Tickets": {}, "Fencing": {"x": 1}, "Registry": null, "Web": {"listen": "127.0.0.1:8080"},
            "Cluster"
            """);
        var result = ConfigLoader.Parse(json, "t.json");

        Assert.True(result.IsValid, string.Join("\n", result.FormatErrors()));
        Assert.Equal(["Fencing", "Registry", "Resources", "Tickets", "Web"], result.ReservedSections.Keys.Order(StringComparer.Ordinal));
        var resources = Assert.IsType<JsonTreeArray>(result.ReservedSections["Resources"]);
        Assert.Equal(2, resources.Line);
    }

    [Fact]
    public void ByteOrderMarkAndCrLfAreAccepted()
    {
        var json = "\uFEFF" + ConfigText.Minimal.Replace("\n", "\r\n", StringComparison.Ordinal);
        Assert.Single(ConfigText.Valid(json).Clusters);
    }

    [Fact]
    public void SummaryDescribesClustersLinksAndFiles()
    {
        var lines = ConfigSummary.Describe(ConfigText.Valid(ConfigText.Sbp, "/etc/sbpd.conf"));

        Assert.Equal("/etc/sbpd.conf: valid: 1 cluster, 2 members, 2 links", lines[0]);
        Assert.Equal("cluster 1000: members 1 node1, 2 node2", lines[1]);
        Assert.Equal("  link 1 udp  node 1 192.168.1.1 <-> node 2 192.168.1.2, interval 1 s, maxloss 3 (out of service after 3.5 s)", lines[2]);
        Assert.Equal("  link 2 icmp node 1 192.168.1.1 <-> node 2 192.168.1.2 via 192.168.1.3, interval 0.1 s, maxloss 5 (out of service after 0.55 s)", lines[3]);
        Assert.Contains("system: udp_port 5405, foreground true", lines);
        Assert.Contains("logging: DEBUG to /var/log/sbpd.log, rotated at 20 MB, 3 files kept", lines);
    }

    [Fact]
    public void ErrorFormatIsFileLineColumnPathMessage()
    {
        var error = new ConfigError("$.Cluster[0].ID", 3, 13, "expected an integer");
        Assert.Equal("/etc/splitguard.json:3:13: $.Cluster[0].ID: expected an integer", error.Format("/etc/splitguard.json"));
        Assert.Equal("<config>:3:13: $.Cluster[0].ID: expected an integer", error.Format(null));
    }
}
