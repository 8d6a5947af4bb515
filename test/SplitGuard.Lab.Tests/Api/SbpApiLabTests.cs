using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Api;

/// <summary>
/// Issue 3's API lab tests against the real daemons (two nodes and a witness, one udp link (1) and one icmp link (2),
/// interval 0.05 s, maxloss 5): the .NET client (<c>SbpClient</c>, in this process) and the Python client
/// (clients/python under /usr/bin/python3) subscribe to each node's sbp API socket; udp is cut on n1 with nftables.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class SbpApiLabTests : IClassFixture<LabClusterFixture>
{
    private const int Cluster = LabClusterOptions.ClusterId;
    private const int UdpLink = LabClusterOptions.UdpLink;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(3);
    private static readonly string[] Alarms = ["302/0", "202/0"];
    private static readonly string[] CutAndHeal = ["302/0", "202/0", "302/1", "202/1"];

    private readonly LabCluster _cluster;
    private readonly ITestOutputHelper _output;

    public SbpApiLabTests(LabClusterFixture fixture, ITestOutputHelper output)
    {
        ApiLabSupport.EnsureThreadPoolHeadroom();
        _cluster = fixture.Cluster;
        _output = output;
    }

    [Fact]
    public async Task The_dotnet_and_python_clients_on_both_nodes_get_302_and_202_out_of_service_within_the_detection_bound_plus_50_ms_of_a_udp_cut()
    {
        await _cluster.SteadyAsync();
        var subscribers = await SubscribeAllAsync();
        try
        {
            foreach (var s in subscribers)
            {
                Assert.True(s.Messages.Count == 0, $"every link is in service, so the replay is empty and nothing changed:{Environment.NewLine}{s.Describe()}");
            }

            var bound = _cluster.DetectionBound + ApiLabSupport.Allowance;
            DateTimeOffset cut;
            using var probe = ThreadPoolProbe.Start();
            try
            {
                cut = await _cluster.CutUdpAsync();
                var failures = new List<string>();
                foreach (var (node, s) in subscribers.Select(s => (Node(s), s)))
                {
                    var link = await s.WaitForAsync(m => m.Type == 302 && m.State == 0, Wait, "302 state 0 (udp link out of service)");
                    var path = await s.WaitForAsync(m => m.Type == 202 && m.State == 0, Wait, "202 state 0 (udp path out of service)");
                    AssertFields(node, link, UdpLink);
                    AssertFields(node, path, null);
                    foreach (var m in new[] { link, path })
                    {
                        var latency = m.At - cut;
                        _output.WriteLine($"{s.Name}: {m.Type} state 0 after {latency.TotalMilliseconds:F1} ms (bound: interval x (maxloss+1) = " +
                            $"{_cluster.DetectionBound.TotalMilliseconds:F0} ms + {ApiLabSupport.Allowance.TotalMilliseconds:F0} ms)");
                        if (m.At < cut || latency > bound)
                        {
                            failures.Add($"{s.Name}: {m.Type} state 0 arrived {latency.TotalMilliseconds:F1} ms after the cut; bound {bound.TotalMilliseconds:F0} ms");
                        }
                    }
                }

                // the udp link and path only: the icmp link stays in service
                await Task.Delay(300);
                _output.WriteLine(probe.Describe());
                foreach (var s in subscribers)
                {
                    Assert.True(s.Messages.Select(m => m.Key).SequenceEqual(Alarms), $"{s.Name} must have exactly 302/0 then 202/0:{Environment.NewLine}{s.Describe()}");
                    Assert.True(s.Connections.Count == 1, $"{s.Name} reconnected:{Environment.NewLine}{s.Describe()}");
                }

                Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures) + Environment.NewLine + probe.Describe() + Environment.NewLine + string.Join(Environment.NewLine, subscribers.Select(s => s.Describe())));
            }
            finally
            {
                await _cluster.HealAndWaitAsync();
            }
        }
        finally
        {
            await DisposeAllAsync(subscribers);
        }
    }

    [Fact]
    public async Task A_client_connecting_during_an_outage_gets_the_active_alarms_at_once_as_its_replay()
    {
        await _cluster.SteadyAsync();
        var late = new List<IApiSubscriber>();
        try
        {
            try
            {
                await _cluster.CutUdpAsync();
                await _cluster.WaitForAsync(
                    s => s.Values.All(x => x.Link(UdpLink).State == "out_of_service" && x.Path("udp").State == "out_of_service"),
                    Wait,
                    "the udp link and path are out of service on both nodes");
                await Task.Delay(200);

                foreach (var node in LabCluster.NodeNames)
                {
                    late.Add(DotnetSubscriber.Start($"dotnet@{node}", _cluster.ApiSocket(node)));
                    late.Add(PythonSubscriber.Start($"python@{node}", _cluster.ApiSocket(node)));
                }

                foreach (var s in late)
                {
                    var node = Node(s);
                    await s.WaitConnectedAsync(TimeSpan.FromSeconds(10));
                    var link = await s.WaitForAsync(m => m.Type == 302, Wait, "the replayed 302 state 0");
                    var path = await s.WaitForAsync(m => m.Type == 202, Wait, "the replayed 202 state 0");
                    AssertFields(node, link, UdpLink);
                    AssertFields(node, path, null);
                    var connected = s.Connections[0];
                    var last = link.At > path.At ? link.At : path.At;
                    _output.WriteLine($"{s.Name}: replay of {s.Messages.Count} alarm(s) complete {(last - connected).TotalMilliseconds:F1} ms after it registered " +
                        $"({(last - s.StartedAt).TotalMilliseconds:F1} ms after the client was started)");
                    Assert.True(
                        last - connected < TimeSpan.FromMilliseconds(100),
                        $"{s.Name}: the replay took {(last - connected).TotalMilliseconds:F1} ms after registration; it must come at once{Environment.NewLine}{s.Describe()}");
                }

                // nothing but the two alarms: the icmp link is in service, and in-service messages are never replayed
                await Task.Delay(300);
                var status = await _cluster.StatusAllAsync();
                foreach (var s in late)
                {
                    Assert.True(
                        s.Messages.Select(m => m.Key).Order().SequenceEqual(Alarms.Order()),
                        $"{s.Name}: the replay must be exactly the active alarms (302/0 and 202/0){Environment.NewLine}{s.Describe()}{status[Node(s)].Summary()}");
                    Assert.Single(s.Connections);
                }
            }
            finally
            {
                await _cluster.HealAndWaitAsync();
            }

            // those late clients get the in-service messages like everyone else
            foreach (var s in late)
            {
                await s.WaitForAsync(m => m.Type == 302 && m.State == 1, Wait, "302 state 1 on heal");
                await s.WaitForAsync(m => m.Type == 202 && m.State == 1, Wait, "202 state 1 on heal");
            }
        }
        finally
        {
            await DisposeAllAsync(late);
        }
    }

    [Fact]
    public async Task On_heal_every_client_gets_302_and_202_in_service_and_exactly_what_the_daemon_logged()
    {
        await _cluster.SteadyAsync();
        var subscribers = await SubscribeAllAsync();
        try
        {
            DateTimeOffset cut;
            DateTimeOffset? healed = null;
            try
            {
                cut = await _cluster.CutUdpAsync();
                foreach (var s in subscribers)
                {
                    await s.WaitForAsync(m => m.Type == 202 && m.State == 0, Wait, "202 state 0");
                }

                await Task.Delay(500);
                foreach (var s in subscribers)
                {
                    Assert.True(s.Messages.All(m => m.State == 0), $"{s.Name}: no in-service message while the cut lasts{Environment.NewLine}{s.Describe()}");
                }

                healed = await _cluster.HealAsync();
                foreach (var s in subscribers)
                {
                    var link = await s.WaitForAsync(m => m.Type == 302 && m.State == 1, Wait, "302 state 1 (udp link in service)");
                    var path = await s.WaitForAsync(m => m.Type == 202 && m.State == 1, Wait, "202 state 1 (udp path in service)");
                    AssertFields(Node(s), link, UdpLink);
                    AssertFields(Node(s), path, null);
                    _output.WriteLine($"{s.Name}: 302 state 1 {(link.At - healed.Value).TotalMilliseconds:F1} ms and 202 state 1 " +
                        $"{(path.At - healed.Value).TotalMilliseconds:F1} ms after the heal command started");
                }
            }
            finally
            {
                healed ??= await _cluster.HealAsync();
                await _cluster.HealAndWaitAsync();
            }

            // a moment later: nothing more (no flap, no duplicate), and exactly what each daemon logged
            await Task.Delay(500);
            foreach (var s in subscribers)
            {
                var got = s.Messages.Select(m => m.Key).ToList();
                var logged = _cluster.LoggedMessages(Node(s), cut);
                _output.WriteLine($"{s.Name}: received {string.Join(", ", got)}; {Node(s)} logged {string.Join(", ", logged)}");
                Assert.True(got.SequenceEqual(CutAndHeal), $"{s.Name}: expected {string.Join(", ", CutAndHeal)}{Environment.NewLine}{s.Describe()}");
                Assert.True(got.SequenceEqual(logged), $"{s.Name} received {string.Join(", ", got)} but {Node(s)}'s daemon logged {string.Join(", ", logged)}");
                Assert.Single(s.Connections);
            }
        }
        finally
        {
            await DisposeAllAsync(subscribers);
        }
    }

    /// <summary>A .NET and a Python client on each node, connected and registered (the daemon logged it).</summary>
    private async Task<List<IApiSubscriber>> SubscribeAllAsync()
    {
        var since = DateTimeOffset.Now.AddMilliseconds(-5);
        var subscribers = new List<IApiSubscriber>();
        try
        {
            foreach (var node in LabCluster.NodeNames)
            {
                subscribers.Add(DotnetSubscriber.Start($"dotnet@{node}", _cluster.ApiSocket(node)));
                subscribers.Add(PythonSubscriber.Start($"python@{node}", _cluster.ApiSocket(node)));
            }

            foreach (var s in subscribers)
            {
                await s.WaitConnectedAsync(TimeSpan.FromSeconds(10));
            }

            foreach (var node in LabCluster.NodeNames)
            {
                foreach (var pid in subscribers.Where(s => Node(s) == node).Select(s => s.Pid).Distinct())
                {
                    await _cluster.WaitRegisteredAsync(node, pid, subscribers.Count(s => Node(s) == node && s.Pid == pid), since);
                }
            }

            return subscribers;
        }
        catch
        {
            await DisposeAllAsync(subscribers);
            throw;
        }
    }

    private static async Task DisposeAllAsync(IEnumerable<IApiSubscriber> subscribers)
    {
        foreach (var s in subscribers)
        {
            await s.DisposeAsync();
        }
    }

    private static string Node(IApiSubscriber s) => s.Name[(s.Name.IndexOf('@', StringComparison.Ordinal) + 1)..];

    private static void AssertFields(string node, ApiMessage m, int? link)
    {
        Assert.True(m.Cluster == Cluster, $"{node}: ClusterID {m.Cluster} in {m}");
        Assert.True(m.Node == ApiSubscribers.PeerId(node), $"{node}: NodeID must be the peer {ApiSubscribers.PeerId(node)}: {m}");
        Assert.True(m.LinkType == 1, $"{node}: linktype must be 1 (udp): {m}");
        Assert.True(m.Link == link, $"{node}: lID must be {link?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "absent"}: {m}");
    }
}
