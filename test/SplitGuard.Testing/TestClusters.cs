using System.Net;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;

namespace SplitGuard.Testing;

/// <summary>Cluster configs and engine pairs for tests: node 1 (10.0.0.1, .11) and node 2 (10.0.0.2, .12), witness 10.0.0.3.</summary>
public static class TestClusters
{
    public static readonly IPAddress Witness = IPAddress.Parse("10.0.0.3");
    public static readonly byte[] Key = "0123456789abcdef0123456789abcdef"u8.ToArray();

    /// <summary>Link ids: udp links 1..udpLinks, the icmp link (if any) is 10.</summary>
    public static ClusterConfig TwoNodes(double intervalSeconds = 0.05, int maxLoss = 5, int udpLinks = 1, bool icmp = true, ushort clusterId = 1)
    {
        var interval = TimeSpan.FromSeconds(intervalSeconds);
        var links = new List<LinkConfig>();
        for (int i = 1; i <= udpLinks; i++)
        {
            links.Add(new LinkConfig((ushort)i, LinkType.Udp, interval, maxLoss, null,
                new LinkEndpoint(1, IPAddress.Parse($"10.0.{i - 1}.1")), new LinkEndpoint(2, IPAddress.Parse($"10.0.{i - 1}.2"))));
        }

        if (icmp)
        {
            links.Add(new LinkConfig(10, LinkType.Icmp, interval, maxLoss, Witness,
                new LinkEndpoint(1, IPAddress.Parse("10.0.0.1")), new LinkEndpoint(2, IPAddress.Parse("10.0.0.2"))));
        }

        return new ClusterConfig(clusterId, [new MemberConfig(1, "n1"), new MemberConfig(2, "n2")], links);
    }

    /// <summary>A network with both nodes of <paramref name="cluster"/> and the witness.</summary>
    public static (SimNetwork Net, SimNode N1, SimNode N2) Pair(ClusterConfig cluster, int seed = 1)
    {
        var clock = new FakeClock(seed);
        var net = new SimNetwork(clock, seed);
        net.Witnesses.Add(Witness);
        var n1 = net.Add("n1", new HeartbeatEngine([new ClusterMembership(cluster, 1)], Key, 1000, clock.Now));
        var n2 = net.Add("n2", new HeartbeatEngine([new ClusterMembership(cluster, 2)], Key, 2000, clock.Now));
        return (net, n1, n2);
    }
}
