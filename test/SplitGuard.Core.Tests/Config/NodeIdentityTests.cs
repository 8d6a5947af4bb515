using System.Net;
using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

public sealed class NodeIdentityTests
{
    /// <summary>Cluster 10: a (1) and b (2) on two networks. Cluster 20: a (5) and c (6).</summary>
    private const string TwoClusters = """
        {
          "Cluster": [
            {"ID": 10, "Members": [{"ID": 1, "Hostname": "a"}, {"ID": 2, "Hostname": "b"}],
             "links": [
               {"ID": 1, "type": "udp", "interval": 1, "maxloss": 3,
                "Nodes": [{"NodeID": 1, "IP": "10.0.0.1"}, {"NodeID": 2, "IP": "10.0.0.2"}]},
               {"ID": 2, "type": "icmp", "interval": 1, "maxloss": 3, "ICMPIP": "10.1.0.3",
                "Nodes": [{"NodeID": 1, "IP": "10.1.0.1"}, {"NodeID": 2, "IP": "10.1.0.2"}]}]},
            {"ID": 20, "Members": [{"ID": 5, "Hostname": "a"}, {"ID": 6, "Hostname": "c"}],
             "links": [
               {"ID": 1, "type": "udp", "interval": 1, "maxloss": 3,
                "Nodes": [{"NodeID": 5, "IP": "10.2.0.1"}, {"NodeID": 6, "IP": "10.2.0.2"}]}]}
          ],
          "System": {"udp_port": 5405}
        }
        """;

    private static readonly SplitGuardConfig Config = ConfigText.Valid(TwoClusters);

    private static HashSet<IPAddress> Local(params string[] addresses) => addresses.Select(IPAddress.Parse).ToHashSet();

    [Fact]
    public void MemberWhoseLinkIpsAreAllLocalIsChosenInEachCluster()
    {
        var result = NodeIdentity.Resolve(Config, Local("127.0.0.1", "10.0.0.1", "10.1.0.1", "10.2.0.1"), null);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal([(10, 1), (20, 5)], result.Memberships.Select(m => ((int)m.Cluster.Id, (int)m.Local.Id)));
        Assert.Equal("a", result.Hostname);
        Assert.Empty(result.Notes);
    }

    [Fact]
    public void ClusterWithoutALocalMemberIsSkippedWithANote()
    {
        var result = NodeIdentity.Resolve(Config, Local("10.0.0.2", "10.1.0.2"), null);

        Assert.True(result.IsValid);
        var membership = Assert.Single(result.Memberships);
        Assert.Equal((10, 2), (membership.Cluster.Id, membership.Local.Id));
        Assert.Equal("cluster 20: skipped, this host is not a member (none of its link IPs is local)", Assert.Single(result.Notes));
    }

    [Fact]
    public void Ipv4MappedLocalAddressesCount()
    {
        var result = NodeIdentity.Resolve(Config, Local("::ffff:10.0.0.2", "::ffff:10.1.0.2"), null);

        Assert.Equal(2, Assert.Single(result.Memberships).Local.Id);
    }

    [Fact]
    public void OnlySomeLinkIpsLocalNamesTheMissingOnes()
    {
        var result = NodeIdentity.Resolve(Config, Local("10.0.0.1", "10.2.0.1"), null);

        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal("cluster 10: member 1 (a) has its link IPs 10.0.0.1 on this host but not 10.1.0.1; add the missing addresses, fix the config, or pass --node", error);
    }

    [Fact]
    public void SeveralMembersAllLocalIsAmbiguous()
    {
        var result = NodeIdentity.Resolve(Config, Local("10.0.0.1", "10.1.0.1", "10.0.0.2", "10.1.0.2"), null);

        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Contains("cluster 10: cannot tell which member this node is", error, StringComparison.Ordinal);
        Assert.Contains("1 (a), 2 (b)", error, StringComparison.Ordinal);
        Assert.Contains("--node", error, StringComparison.Ordinal);
    }

    [Fact]
    public void NoLocalMemberAnywhereIsAnError()
    {
        var result = NodeIdentity.Resolve(Config, Local("192.0.2.7"), null);

        Assert.False(result.IsValid);
        Assert.Empty(result.Memberships);
        Assert.Contains("member of no configured cluster", Assert.Single(result.Errors), StringComparison.Ordinal);
        Assert.Contains("192.0.2.7", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void NodeOverrideByHostnameAppliesWhereTheHostIsAMember()
    {
        var result = NodeIdentity.Resolve(Config, Local("10.0.0.2", "10.1.0.2"), "B");

        Assert.True(result.IsValid);
        var membership = Assert.Single(result.Memberships);
        Assert.Equal((10, 2, "b"), (membership.Cluster.Id, membership.Local.Id, membership.Local.Hostname));
        Assert.Equal(["cluster 20: skipped, --node B is not one of its members"], result.Notes);
    }

    [Fact]
    public void NodeOverrideChoosesAmongAllLocalMembers()
    {
        var all = Local("10.0.0.1", "10.1.0.1", "10.0.0.2", "10.1.0.2", "10.2.0.1", "10.2.0.2");

        var result = NodeIdentity.Resolve(Config, all, "a");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal([(10, 1), (20, 5)], result.Memberships.Select(m => ((int)m.Cluster.Id, (int)m.Local.Id)));
        Assert.Empty(result.Notes);
    }

    [Fact]
    public void NodeOverrideByIdWhoseAddressesAreNotLocalIsNoted()
    {
        var result = NodeIdentity.Resolve(Config, Local(), "6");

        Assert.True(result.IsValid);
        Assert.Equal((20, 6), (Assert.Single(result.Memberships).Cluster.Id, result.Memberships[0].Local.Id));
        Assert.Contains(result.Notes, n => n.Contains("cluster 20: member 6 (c) (chosen by --node) has link IPs 10.2.0.2 that are not local", StringComparison.Ordinal));
    }

    [Fact]
    public void NodeOverrideMatchingNothingIsAnError()
    {
        var result = NodeIdentity.Resolve(Config, Local("10.0.0.1"), "zeta");

        Assert.False(result.IsValid);
        Assert.Equal("--node zeta matches no member ID or Hostname in any cluster (cluster 10: 1 (a), 2 (b); cluster 20: 5 (a), 6 (c))", Assert.Single(result.Errors));
    }

    [Fact]
    public void NodeOverrideIdNamingDifferentHostsInDifferentClustersIsAnError()
    {
        var json = TwoClusters.ReplaceOnce("{\"ID\": 5, \"Hostname\": \"a\"}", "{\"ID\": 2, \"Hostname\": \"a\"}")
            .ReplaceOnce("{\"NodeID\": 5,", "{\"NodeID\": 2,");
        var cfg = ConfigText.Valid(json);

        var result = NodeIdentity.Resolve(cfg, Local(), "2");

        Assert.False(result.IsValid);
        Assert.Empty(result.Memberships);
        Assert.Contains("--node 2 names different hosts in different clusters", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void DifferentHostnamesAcrossClustersAreNoted()
    {
        var json = TwoClusters.ReplaceOnce("{\"ID\": 5, \"Hostname\": \"a\"}", "{\"ID\": 5, \"Hostname\": \"a2\"}");

        var result = NodeIdentity.Resolve(ConfigText.Valid(json), Local("10.0.0.1", "10.1.0.1", "10.2.0.1"), null);

        Assert.True(result.IsValid);
        Assert.Equal("a", result.Hostname);
        Assert.Contains(result.Notes, n => n.Contains("different Hostnames", StringComparison.Ordinal));
    }

    [Fact]
    public void LinkAddressesAreTheMembersDistinctEndpointIps()
    {
        var cluster = Config.Clusters[0];

        Assert.Equal([IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.1.0.2")], NodeIdentity.LinkAddresses(cluster, cluster.Members[1]));
    }

    [Fact]
    public void NodePlaceholderExpandsInEveryPath()
    {
        var json = ConfigText.Minimal.ReplaceOnce("\"Cluster\"", """
            "Logging": {"logfile": "/tmp/lab/{node}/splitguard.log"},
            "api": {"socket": "/tmp/lab/{node}/api.sock"},
            "Auth": {"key_file": "/tmp/lab/authkey"},
            "Daemon": {"pid_file": "/tmp/lab/{node}.pid", "control_socket": "/tmp/lab/{node}-{node}.sock"},
            "Cluster"
            """);

        var expanded = NodeIdentity.ExpandPaths(ConfigText.Valid(json), "node-b");

        Assert.Equal("/tmp/lab/node-b/splitguard.log", expanded.Logging.LogFile);
        Assert.Equal("/tmp/lab/node-b/api.sock", expanded.Api.Socket);
        Assert.Equal("/tmp/lab/authkey", expanded.Auth.KeyFile);
        Assert.Equal("/tmp/lab/node-b.pid", expanded.Daemon.PidFile);
        Assert.Equal("/tmp/lab/node-b-node-b.sock", expanded.Daemon.ControlSocket);
        Assert.Equal("/run/x", NodeIdentity.ExpandNode("/run/x", "a"));
    }
}
