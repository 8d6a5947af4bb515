using System.Text.Json;
using System.Text.Json.Nodes;
using SplitGuard.Lab.Tests.Agents;
using SplitGuard.Lab.Tests.Infrastructure;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// A small lab of its own for tests that change a cluster's config or stop its daemons: n1 and n2 (udp + icmp via the
/// witness, `interval` 0.02, `maxloss` 5, stop budget 0.1 s) running a virtual IP (ocf:heartbeat:IPaddr2), n3 free for
/// the test (client, gateway), and a shared ownership log.
/// </summary>
public sealed class TwoNodeVipLab : IAsyncDisposable
{
    public static readonly string[] Nodes = ["n1", "n2"];
    private readonly Dictionary<string, SplitGuardProcess> _daemons = [];

    private TwoNodeVipLab(LabNetwork lab, string config)
    {
        Lab = lab;
        ConfigPath = config;
        OwnershipLogPath = Path.Combine(lab.WorkDir, "ownership.log");
    }

    public LabNetwork Lab { get; }

    public string ConfigPath { get; }

    public string OwnershipLogPath { get; }

    public string Vip => Lab.Subnet + ".100";

    public SplitGuardProcess Daemon(string node) => _daemons[node];

    /// <summary>Builds the lab, lets <paramref name="configure"/> change the config, and starts both daemons.</summary>
    public static async Task<TwoNodeVipLab> StartAsync(Action<LabNetwork, JsonObject>? configure = null)
    {
        LabRequirements.Ensure();
        AgentLab.EnsureResourceAgents();
        var lab = await LabNetwork.CreateAsync(nodes: 3);
        try
        {
            var keyPath = Path.Combine(lab.WorkDir, "authkey");
            await LabCluster.KeygenAsync(keyPath);
            var config = LabCluster.BuildConfig(lab, new LabClusterOptions { Interval = 0.02, MaxLoss = 5 }, keyPath);
            config["Ownership"] = new JsonObject { ["stop_budget"] = 0.1 };
            config["Resources"] = new JsonArray(new JsonObject
            {
                ["name"] = "vip", ["agent"] = "ocf:heartbeat:IPaddr2",
                ["params"] = new JsonObject { ["ip"] = lab.Subnet + ".100", ["cidr_netmask"] = "24" }, ["monitor_interval"] = 2,
            });
            configure?.Invoke(lab, config);
            var path = Path.Combine(lab.WorkDir, "cluster.json");
            await File.WriteAllTextAsync(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            var started = new TwoNodeVipLab(lab, path);
            await File.WriteAllTextAsync(started.OwnershipLogPath, string.Empty);
            foreach (var node in Nodes)
            {
                started.Start(node);
            }

            return started;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (or restarts) the daemon of <paramref name="node"/>.</summary>
    public void Start(string node) =>
        _daemons[node] = SplitGuardProcess.Start(Lab, node, ConfigPath, environment: new Dictionary<string, string> { ["SPLITGUARD_OWNERSHIP_LOG"] = OwnershipLogPath });

    public Task<JsonObject?> OwnershipAsync(string node) => ControlStatus.OwnershipAsync(Lab.WorkDir, node);

    /// <summary>Waits until a node that <paramref name="accept"/>s runs the address (status run and resources started).</summary>
    public async Task<string> WaitForOwnerAsync(Func<string, bool> accept, TimeSpan timeout)
    {
        var last = new Dictionary<string, string>();
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            foreach (var node in Nodes)
            {
                var own = await OwnershipAsync(node);
                last[node] = own?["why"]?.ToString() ?? "no status";
                if (own?["run"]?.GetValue<bool>() == true && own["resources"]?.GetValue<string>() == "started" && accept(node))
                {
                    return node;
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no accepted owner within {timeout.TotalSeconds} s: {string.Join("; ", last.Select(kv => $"{kv.Key}: {kv.Value}"))}");
    }

    /// <summary>True when <paramref name="node"/>'s namespace holds the virtual IP.</summary>
    public async Task<bool> HoldsVipAsync(string node)
    {
        var result = await Lab.ExecAsync(node, ["ip", "-4", "-o", "addr", "show"]);
        return result.Stdout.Contains(" " + Vip + "/", StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var daemon in _daemons.Values)
        {
            await daemon.DisposeAsync();
        }

        // A test that left the address behind on purpose (maintenance) must not leak it into the next lab.
        foreach (var node in Nodes)
        {
            await Lab.ExecAsync(node, ["ip", "addr", "del", Vip + "/24", "dev", Lab.InterfaceOf(node)]);
        }

        await Lab.DisposeAsync();
    }
}
