using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SplitGuard.Daemon.Api;
using SplitGuard.Lab.Tests.Agents;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// Three real daemons in namespaces n1, n2, n3 (udp links between every pair, no witness: a majority decides), running
/// a virtual IP (ocf:heartbeat:IPaddr2) with a shared ownership log. One master is elected; when its daemon is killed
/// with -9 its guard removes the address and one of the two others is elected and starts it, with no overlap; the
/// killed node, restarted, rejoins as a follower.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class ThreeNodeMasterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Nodes = ["n1", "n2", "n3"];
    private readonly Dictionary<string, SplitGuardProcess> _daemons = [];
    private LabNetwork? _lab;
    private string _config = string.Empty;
    private string _ownershipLog = string.Empty;

    private LabNetwork Lab => _lab!;

    public async Task InitializeAsync()
    {
        LabRequirements.Ensure();
        AgentLab.EnsureResourceAgents();
        _lab = await LabNetwork.CreateAsync(nodes: 3);
        var keyPath = Path.Combine(Lab.WorkDir, "authkey");
        await LabCluster.KeygenAsync(keyPath);
        var dir = Lab.WorkDir;
        var links = new JsonArray();
        ushort id = 1;
        for (int i = 1; i <= 3; i++)
        {
            for (int j = i + 1; j <= 3; j++)
            {
                links.Add(new JsonObject
                {
                    ["ID"] = id++, ["type"] = "udp", ["interval"] = 0.02, ["maxloss"] = 5,
                    ["Nodes"] = new JsonArray(
                        new JsonObject { ["NodeID"] = i, ["IP"] = Lab.IpOf($"n{i}") },
                        new JsonObject { ["NodeID"] = j, ["IP"] = Lab.IpOf($"n{j}") }),
                });
            }
        }

        var config = new JsonObject
        {
            ["Cluster"] = new JsonArray(new JsonObject
            {
                ["ID"] = 7,
                ["Members"] = new JsonArray([.. Nodes.Select((n, i) => (JsonNode)new JsonObject { ["ID"] = i + 1, ["Hostname"] = n })]),
                ["links"] = links,
            }),
            ["System"] = new JsonObject { ["udp_port"] = 5405 },
            ["Ownership"] = new JsonObject { ["stop_budget"] = 0.1 },
            ["Logging"] = new JsonObject { ["level"] = "INFO", ["logfile"] = Path.Combine(dir, "{node}.log") },
            ["api"] = new JsonObject { ["socket"] = Path.Combine(dir, "{node}-api.sock") },
            ["Auth"] = new JsonObject { ["key_file"] = keyPath },
            ["Daemon"] = new JsonObject { ["pid_file"] = Path.Combine(dir, "{node}.pid"), ["control_socket"] = Path.Combine(dir, "{node}-control.sock"), ["state_dir"] = Path.Combine(dir, "{node}-state") },
            ["Resources"] = new JsonArray(new JsonObject
            {
                ["name"] = "vip", ["agent"] = "ocf:heartbeat:IPaddr2",
                ["params"] = new JsonObject { ["ip"] = Lab.Subnet + ".100", ["cidr_netmask"] = "24" }, ["monitor_interval"] = 2,
            }),
        };
        _config = Path.Combine(dir, "cluster.json");
        await File.WriteAllTextAsync(_config, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        _ownershipLog = Path.Combine(dir, "ownership.log");
        await File.WriteAllTextAsync(_ownershipLog, string.Empty);
        foreach (var node in Nodes)
        {
            Start(node);
        }
    }

    private void Start(string node) =>
        _daemons[node] = SplitGuardProcess.Start(Lab, node, _config, environment: new Dictionary<string, string> { ["SPLITGUARD_OWNERSHIP_LOG"] = _ownershipLog });

    private Task<JsonObject?> OwnershipAsync(string node) => ControlStatus.OwnershipAsync(Lab.WorkDir, node);

    /// <summary>Waits until exactly one of <paramref name="nodes"/> runs the address and all of them name it holder of one term.</summary>
    private async Task<(string Master, long Term)> WaitForMasterAsync(IReadOnlyList<string> nodes, TimeSpan timeout, long minTerm = 0)
    {
        string last = "no status yet";
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var views = new Dictionary<string, JsonObject?>();
            foreach (var node in nodes)
            {
                views[node] = await OwnershipAsync(node);
            }

            last = string.Join("; ", views.Select(v => $"{v.Key}: {v.Value?["term"]}/{v.Value?["holder"]} run={v.Value?["run"]} {v.Value?["resources"]} ({v.Value?["why"]})"));
            var running = views.Where(v => v.Value?["run"]?.GetValue<bool>() == true && v.Value["resources"]?.GetValue<string>() == "started").Select(v => v.Key).ToList();
            if (running.Count == 1 && views.Values.All(v => v is not null))
            {
                var master = running[0];
                var term = views[master]!["term"]!.GetValue<long>();
                var holder = views[master]!["holder"]!.GetValue<int>();
                if (term >= minTerm && views.Values.All(v => v!["term"]!.GetValue<long>() == term && v["holder"]!.GetValue<int>() == holder))
                {
                    return (master, term);
                }
            }

            await Task.Delay(50);
        }

        var outputs = string.Join(Environment.NewLine, nodes.Select(n =>
            $"--- {n}: {string.Join(Environment.NewLine, File.Exists(_daemons[n].OutputPath) ? File.ReadLines(_daemons[n].OutputPath).TakeLast(8) : [])}"));
        throw new TimeoutException($"no single master among {string.Join(", ", nodes)} within {timeout.TotalSeconds} s: {last}{Environment.NewLine}{outputs}");
    }

    [Fact]
    public async Task Three_nodes_elect_one_master_and_a_survivor_takes_over_when_its_daemon_is_killed()
    {
        var (master, term) = await WaitForMasterAsync(Nodes, TimeSpan.FromSeconds(30));
        output.WriteLine($"elected: {master}, term {term}");
        var own = await OwnershipAsync(master);
        Assert.Equal("majority", own!["engine"]!.GetValue<string>());
        await Task.Delay(1000);

        var fault = UnixNs.Now();
        Assert.True(NativeSignals.Send(_daemons[master].Pid, NativeSignals.SigKill));
        var survivors = Nodes.Where(n => n != master).ToList();
        var (next, nextTerm) = await WaitForMasterAsync(survivors, TimeSpan.FromSeconds(10), term + 1);
        var tookOver = TimeSpan.FromTicks((UnixNs.Now() - fault) / 100);
        output.WriteLine($"killed {master}'s daemon; {next} is master of term {nextTerm}, running, {tookOver.TotalMilliseconds:0} ms after the kill (status polled every 50 ms)");
        var log = OwnershipHistory.Read(_ownershipLog);
        var stopped = log.FirstStopped(master, fault);
        var started = log.First(next, "start_invoke", fault);
        Assert.NotNull(stopped);
        Assert.NotNull(started);
        output.WriteLine($"the guard stopped {master}'s address at +{(stopped!.Ns - fault) / 1e6:0} ms; {next} invoked start at +{(started!.Ns - fault) / 1e6:0} ms (margin {(started.Ns - stopped.Ns) / 1e6:0} ms)");
        Assert.True(started.Ns > stopped.Ns, "stop before start");

        Start(master);
        var (after, afterTerm) = await WaitForMasterAsync(Nodes, TimeSpan.FromSeconds(20), nextTerm);
        output.WriteLine($"{master} restarted and rejoined: master {after}, term {afterTerm}");
        Assert.Equal(next, after);
        Assert.Equal(nextTerm, afterTerm);

        var check = await ProcessRunner.RunAsync("/usr/bin/python3",
            [Path.Combine(LabPaths.LabDir, "demo", "check.py"), "/dev/null", _ownershipLog, fault.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        output.WriteLine(check.Stdout);
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("definite overlaps 0", check.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// `splitguard stop --leave-running` on the master: it leaves once both others acknowledged frames carrying the
    /// maintenance flag; for ten takeover times nobody is elected and the address stays on it; started again, it probes
    /// (PROGRESS), the others keep it as holder, and it resumes the same term without stopping or starting the address.
    /// </summary>
    [Fact]
    public async Task The_master_leaving_in_maintenance_keeps_the_address_nobody_is_elected_and_it_resumes_when_back()
    {
        var (master, term) = await WaitForMasterAsync(Nodes, TimeSpan.FromSeconds(30));
        var others = Nodes.Where(n => n != master).ToList();
        var takeoverAfter = TimeSpan.FromMilliseconds((await OwnershipAsync(others[0]))!["takeover_after_ms"]!.GetValue<double>());
        await Task.Delay(500);

        var fault = UnixNs.Now();
        var answer = await Task.Run(() => ControlClient.Send(Path.Combine(Lab.WorkDir, $"{master}-control.sock"),
            new JsonObject { ["command"] = "stop", ["leave_running"] = true }, TimeSpan.FromSeconds(5)));
        Assert.True(answer["ok"]!.GetValue<bool>(), answer.ToJsonString());
        await Polling.WaitUntilAsync(() => _daemons[master].HasExited, TimeSpan.FromSeconds(10), $"{master}'s daemon exits");
        var left = File.ReadLines(_daemons[master].OutputPath).FirstOrDefault(l => l.Contains("maintenance: ", StringComparison.Ordinal));
        output.WriteLine($"{master}: {left}");
        Assert.Contains("acknowledged", left, StringComparison.Ordinal);

        var until = DateTime.UtcNow + (takeoverAfter * 10);
        string why = string.Empty;
        while (DateTime.UtcNow < until)
        {
            foreach (var other in others)
            {
                var own = await OwnershipAsync(other);
                Assert.False(own!["run"]!.GetValue<bool>(), $"{other} took over: {own.ToJsonString()}");
                why = $"{other}: {own["why"]}";
            }

            await Task.Delay(100);
        }

        output.WriteLine($"nobody elected for {(takeoverAfter * 10).TotalMilliseconds:0} ms (10 x takeover_after); {why}");
        var vip = Lab.Subnet + ".100";
        Assert.Contains(" " + vip + "/", (await Lab.ExecAsync(master, ["ip", "-4", "-o", "addr", "show"])).Stdout, StringComparison.Ordinal);

        Start(master);
        var (again, againTerm) = await WaitForMasterAsync(Nodes, TimeSpan.FromSeconds(20));
        output.WriteLine($"{master} restarted: master {again}, term {againTerm}: {(await OwnershipAsync(again))!["why"]}");
        Assert.Equal((master, term), (again, againTerm));
        var events = OwnershipHistory.Read(_ownershipLog).Between(fault);
        output.WriteLine(string.Join(Environment.NewLine, events));
        Assert.DoesNotContain(events, e => e.What is "stop_invoke" or "start_invoke");
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
