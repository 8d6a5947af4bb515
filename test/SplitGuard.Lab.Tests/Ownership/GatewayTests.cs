using System.Text.Json;
using System.Text.Json.Nodes;
using SplitGuard.Lab.Tests.Agents;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// pha's gateway ping (`Ownership.gateways`) with real daemons: n1 and n2 with a witness, a virtual IP, and n3's address
/// as the gateway. When the owner alone loses the gateway (nft drops n3 in the owner's namespace), it gives up the
/// lease and the address, and the other node takes over at once (it hears the release: no lease wait), with no
/// overlap; after healing nothing moves back.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class GatewayTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Nodes = ["n1", "n2"];
    private readonly Dictionary<string, SplitGuardProcess> _daemons = [];
    private LabNetwork? _lab;
    private string _ownershipLog = string.Empty;

    private LabNetwork Lab => _lab!;

    public async Task InitializeAsync()
    {
        LabRequirements.Ensure();
        AgentLab.EnsureResourceAgents();
        _lab = await LabNetwork.CreateAsync(nodes: 3);
        var keyPath = Path.Combine(Lab.WorkDir, "authkey");
        await LabCluster.KeygenAsync(keyPath);
        var config = LabCluster.BuildConfig(Lab, new LabClusterOptions { Interval = 0.02, MaxLoss = 5 }, keyPath);
        config["Ownership"] = new JsonObject
        {
            ["stop_budget"] = 0.1, ["gateways"] = new JsonArray(Lab.IpOf("n3")), ["gateway_interval"] = 0.05, ["gateway_maxloss"] = 4,
        };
        config["Resources"] = new JsonArray(new JsonObject
        {
            ["name"] = "vip", ["agent"] = "ocf:heartbeat:IPaddr2",
            ["params"] = new JsonObject { ["ip"] = Lab.Subnet + ".100", ["cidr_netmask"] = "24" }, ["monitor_interval"] = 2,
        });
        var path = Path.Combine(Lab.WorkDir, "cluster.json");
        await File.WriteAllTextAsync(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        _ownershipLog = Path.Combine(Lab.WorkDir, "ownership.log");
        await File.WriteAllTextAsync(_ownershipLog, string.Empty);
        foreach (var node in Nodes)
        {
            _daemons[node] = SplitGuardProcess.Start(Lab, node, path, environment: new Dictionary<string, string> { ["SPLITGUARD_OWNERSHIP_LOG"] = _ownershipLog });
        }
    }

    private Task<JsonObject?> OwnershipAsync(string node) => ControlStatus.OwnershipAsync(Lab.WorkDir, node);

    private async Task<string> WaitForOwnerAsync(Func<string, bool> accept, TimeSpan timeout)
    {
        string last = string.Empty;
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            foreach (var node in Nodes)
            {
                var own = await OwnershipAsync(node);
                last += $"{node}: {own?["why"]}; ";
                if (own?["run"]?.GetValue<bool>() == true && own["resources"]?.GetValue<string>() == "started" && accept(node))
                {
                    return node;
                }
            }

            last = string.Empty;
            await Task.Delay(50);
        }

        throw new TimeoutException($"no accepted owner within {timeout.TotalSeconds} s: {last}");
    }

    [Fact]
    public async Task The_owner_that_loses_its_gateway_gives_up_and_the_other_node_takes_over_at_once()
    {
        var owner = await WaitForOwnerAsync(_ => true, TimeSpan.FromSeconds(30));
        var other = Nodes.Single(n => n != owner);
        var before = await OwnershipAsync(owner);
        Assert.True(before!["gateways"]!["reachable"]!.GetValue<bool>(), before.ToJsonString());
        var takeoverAfter = before["takeover_after_ms"]!.GetValue<double>();
        await Task.Delay(500);

        var fault = UnixNs.Now();
        await Lab.PartitionAsync(owner, "n3");
        try
        {
            var next = await WaitForOwnerAsync(n => n == other, TimeSpan.FromSeconds(10));
            var during = await OwnershipAsync(owner);
            output.WriteLine($"{owner} lost its gateway; its status: {during!["gateways"]!.ToJsonString()}; why: {during["why"]}");
            Assert.False(during["gateways"]!["reachable"]!.GetValue<bool>());
            Assert.True(during["gateways"]!["giving_up"]!.GetValue<bool>());

            var log = OwnershipHistory.Read(_ownershipLog);
            var stopped = log.First(owner, "stop_ok", fault);
            var started = log.First(other, "start_invoke", fault);
            Assert.NotNull(stopped);
            Assert.NotNull(started);
            var detect = TimeSpan.FromSeconds(0.05 * 4.5);
            output.WriteLine($"{owner} stopped the address at +{(stopped!.Ns - fault) / 1e6:0} ms (gateway detection {detect.TotalMilliseconds:0} ms); "
                + $"{other} invoked start at +{(started!.Ns - fault) / 1e6:0} ms; a crash would take {takeoverAfter:0} ms plus detection");
            Assert.True(started.Ns > stopped.Ns, "stop before start");
            Assert.True((started.Ns - fault) / 1e6 < detect.TotalMilliseconds + takeoverAfter, "the takeover did not wait for the lease: it heard the release");
        }
        finally
        {
            await Lab.HealAsync();
        }

        await Task.Delay(2000);
        var final = await WaitForOwnerAsync(_ => true, TimeSpan.FromSeconds(5));
        Assert.Equal(other, final);
        var back = await OwnershipAsync(owner);
        Assert.True(back!["gateways"]!["reachable"]!.GetValue<bool>(), back.ToJsonString());
        Assert.True(back["eligible"]!.GetValue<bool>());
    }

    public async Task DisposeAsync()
    {
        foreach (var daemon in _daemons.Values)
        {
            await daemon.DisposeAsync();
        }

        if (_lab is not null)
        {
            await _lab.DisposeAsync();
        }
    }
}
