using System.Net;
using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

/// <summary>The example files shipped in packaging/examples must stay valid.</summary>
public sealed class ExampleConfigTests
{
    private static string ExamplePath(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SplitGuard.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return Path.Combine(dir.FullName, "packaging", "examples", name);
    }

    [Fact]
    public void TwoNodeExampleIsValidAndAsDocumented()
    {
        var path = ExamplePath("two-node.json");

        var cfg = ConfigText.Valid(File.ReadAllText(path), path);

        var cluster = Assert.Single(cfg.Clusters);
        Assert.Equal(2, cluster.Members.Count);
        Assert.Equal([LinkType.Udp, LinkType.Icmp], cluster.Links.Select(l => l.Type));
        Assert.All(cluster.Links, l =>
        {
            Assert.Equal(TimeSpan.FromMilliseconds(50), l.Interval);
            Assert.Equal(5, l.MaxLoss);
            Assert.Equal(IPAddress.Parse("10.96.0.1"), l.A.Ip);
            Assert.Equal(IPAddress.Parse("10.96.0.2"), l.B.Ip);
        });
        Assert.Equal(IPAddress.Parse("10.96.0.3"), cluster.Links[1].IcmpIp);
        Assert.InRange(cfg.System.UdpPort, 1, 65535);
    }

    [Fact]
    public void SbpStyleExampleIsValidWithOnlySbpKeys()
    {
        var path = ExamplePath("sbpd-style.json");
        var text = File.ReadAllText(path);

        var root = Assert.IsType<JsonTreeObject>(JsonTreeParser.Parse(text));
        var cfg = ConfigText.Valid(text, path);

        Assert.Equal(["Cluster", "System", "Logging", "api"], root.Properties.Select(p => p.Name));
        Assert.Equal("/run/sbpd.sock", cfg.Api.Socket);
        Assert.Contains(cfg.Clusters.SelectMany(c => c.Links), l => l.Type == LinkType.Icmp);
    }

    [Fact]
    public void LabExampleNeedsNodeAndExpandsPerNode()
    {
        var path = ExamplePath("lab-one-host.json");
        var cfg = ConfigText.Valid(File.ReadAllText(path), path);
        var local = new HashSet<IPAddress> { IPAddress.Loopback, IPAddress.Parse("127.0.0.11"), IPAddress.Parse("127.0.0.12") };

        Assert.False(NodeIdentity.Resolve(cfg, local, null).IsValid);
        var identity = NodeIdentity.Resolve(cfg, local, "lab-b");
        Assert.True(identity.IsValid);
        var expanded = NodeIdentity.ExpandPaths(cfg, identity.Hostname!);
        Assert.Equal("/tmp/splitguard-lab/lab-b/control.sock", expanded.Daemon.ControlSocket);
    }
}
