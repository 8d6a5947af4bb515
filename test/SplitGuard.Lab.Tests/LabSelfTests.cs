using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// Proves the lab itself (lab/net.sh and the C# helpers): the topology answers, every fault recipe of
/// FAULTS.md §2 has its stated effect, heal restores, and nothing is left after dispose. Tests of one
/// class run one after another on the class's lab; each heals in finally.
/// </summary>
public sealed class LabSelfTests : IClassFixture<LabNetworkFixture>
{
    private readonly LabNetwork _lab;

    public LabSelfTests(LabNetworkFixture fixture)
    {
        _lab = fixture.Lab;
    }

    [Fact]
    public void Topology_values_describe_two_nodes_and_a_witness_with_short_names()
    {
        Assert.Equal(["n1", "n2"], _lab.Nodes);
        Assert.Equal(_lab.Subnet + ".1", _lab.IpOf("n1"));
        Assert.Equal(_lab.Subnet + ".2", _lab.IpOf("n2"));
        Assert.Equal(_lab.Subnet + ".3", _lab.WitnessIp);
        Assert.Equal(_lab.Prefix + "-w", _lab.WitnessNamespace);
        foreach (var node in new[] { "n1", "n2", "w" })
        {
            Assert.StartsWith(_lab.Prefix + "-", _lab.NamespaceOf(node), StringComparison.Ordinal);
            Assert.True(_lab.InterfaceOf(node).Length <= 15, _lab.InterfaceOf(node));
        }

        Assert.True(_lab.Values["BRIDGE"].Length <= 15);
        Assert.Matches("^sg[0-9a-f]{4}$", _lab.Prefix);
    }

    [Fact]
    public async Task Topology_nodes_and_witness_answer_ping_and_udp()
    {
        await _lab.HealAsync();
        foreach (var (from, to) in new[] { ("n1", "n2"), ("n2", "n1"), ("n1", "w"), ("n2", "w"), ("w", "n1"), ("w", "n2") })
        {
            Assert.True(await _lab.PingAsync(from, to), $"ping {from} -> {to}");
        }

        var udp = await _lab.UdpProbeAsync("n1", "n2");
        Assert.Equal(new ProbeResult(20, 20), udp);

        var inNamespace = await _lab.ExecAsync("n1", ["ip", "-4", "-o", "addr", "show"]);
        Assert.Contains(_lab.IpOf("n1") + "/24", inNamespace.EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(_lab.IpOf("n2") + "/24", inNamespace.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Witness_kernel_relays_spoofed_source_echo_requests_both_ways()
    {
        await _lab.HealAsync();
        var n1ToN2 = await _lab.RelayProbeAsync("n1", "n2");
        var n2ToN1 = await _lab.RelayProbeAsync("n2", "n1");
        Assert.True(n1ToN2.Received >= 18, $"relay n1 -> w -> n2: {n1ToN2}");
        Assert.True(n2ToN1.Received >= 18, $"relay n2 -> w -> n1: {n2ToN1}");
    }

    [Fact]
    public async Task Partition_cuts_n1_n2_both_ways_while_both_reach_the_witness_and_heal_restores()
    {
        try
        {
            await _lab.PartitionAsync("n1", "n2");
            Assert.False(await _lab.PingAsync("n1", "n2"), "n1 -> n2 must fail");
            Assert.False(await _lab.PingAsync("n2", "n1"), "n2 -> n1 must fail");
            Assert.True(await _lab.PingAsync("n1", "w"), "n1 -> w must work");
            Assert.True(await _lab.PingAsync("n2", "w"), "n2 -> w must work");
            Assert.Equal(0, (await _lab.UdpProbeAsync("n2", "n1")).Received);
            Assert.Equal(0, (await _lab.UdpProbeAsync("n1", "n2")).Sent);
        }
        finally
        {
            await _lab.HealAsync();
        }

        Assert.True(await _lab.PingAsync("n1", "n2"), "healed n1 -> n2");
        Assert.Equal(20, (await _lab.UdpProbeAsync("n2", "n1")).Received);
        Assert.DoesNotContain("table", await _lab.RulesAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneWay_drops_only_what_n1_hears_from_n2()
    {
        try
        {
            await _lab.OneWayAsync("n1", "n2");
            var intoN1 = await _lab.UdpProbeAsync("n2", "n1");
            var intoN2 = await _lab.UdpProbeAsync("n1", "n2");
            Assert.Equal(new ProbeResult(20, 0), intoN1);
            Assert.Equal(new ProbeResult(20, 20), intoN2);
        }
        finally
        {
            await _lab.HealAsync("n1");
        }

        Assert.Equal(new ProbeResult(20, 20), await _lab.UdpProbeAsync("n2", "n1"));
    }

    [Fact]
    public async Task IcmpDropAtWitness_stops_ping_and_relay_to_the_witness_while_udp_still_arrives()
    {
        try
        {
            await _lab.IcmpDropAtWitnessAsync();
            Assert.False(await _lab.PingAsync("n1", "w"), "ping n1 -> w must fail");
            Assert.True(await _lab.PingAsync("n1", "n2"), "ping n1 -> n2 unaffected");
            Assert.Equal(new ProbeResult(20, 20), await _lab.UdpProbeAsync("n1", "w"));
            Assert.Equal(0, (await _lab.RelayProbeAsync("n1", "n2")).Received);
        }
        finally
        {
            await _lab.HealAsync("w");
        }

        Assert.True(await _lab.PingAsync("n1", "w"), "healed ping n1 -> w");
        Assert.True((await _lab.RelayProbeAsync("n1", "n2")).Received >= 18, "healed relay");
    }

    [Fact]
    public async Task UdpDrop_cuts_udp_both_ways_on_n1_but_not_icmp()
    {
        try
        {
            await _lab.UdpDropAsync("n1");
            Assert.Equal(0, (await _lab.UdpProbeAsync("n2", "n1")).Received);
            Assert.Equal(0, (await _lab.UdpProbeAsync("n1", "n2")).Received);
            Assert.True(await _lab.PingAsync("n1", "n2"), "ping still works");
            Assert.True((await _lab.RelayProbeAsync("n2", "n1")).Received >= 18, "icmp relay still works");
        }
        finally
        {
            await _lab.HealAsync();
        }

        Assert.Equal(20, (await _lab.UdpProbeAsync("n2", "n1")).Received);
    }

    [Fact]
    public async Task UdpDrop_with_port_cuts_only_that_port()
    {
        try
        {
            await _lab.UdpDropAsync("n1", 5405);
            Assert.Equal(0, (await _lab.UdpProbeAsync("n2", "n1", port: 5405)).Received);
            Assert.Equal(20, (await _lab.UdpProbeAsync("n2", "n1", port: 5406)).Received);
        }
        finally
        {
            await _lab.HealAsync();
        }
    }

    [Fact]
    public async Task IsolateFromWitness_cuts_only_n1_from_the_witness()
    {
        try
        {
            await _lab.IsolateFromWitnessAsync("n1");
            Assert.False(await _lab.PingAsync("n1", "w"), "n1 -> w must fail");
            Assert.True(await _lab.PingAsync("n2", "w"), "n2 -> w must work");
            Assert.True(await _lab.PingAsync("n1", "n2"), "n1 -> n2 must work");
            Assert.Equal(0, (await _lab.RelayProbeAsync("n1", "n2")).Received);
            Assert.Equal(0, (await _lab.RelayProbeAsync("n2", "n1")).Received);
        }
        finally
        {
            await _lab.HealAsync();
        }

        Assert.True(await _lab.PingAsync("n1", "w"), "healed n1 -> w");
    }

    [Fact]
    public async Task Loss_of_30_percent_drops_about_30_percent_of_input()
    {
        ProbeResult probe;
        try
        {
            await _lab.LossAsync("n2", 30);
            probe = await _lab.UdpProbeAsync("n1", "n2", count: 600);
        }
        finally
        {
            await _lab.HealAsync();
        }

        // binomial(600, 0.7): mean 420, sd 11; the bounds are > 5 sd away
        Assert.Equal(600, probe.Sent);
        Assert.InRange(probe.Received, 350, 490);
        Assert.Equal(new ProbeResult(20, 20), await _lab.UdpProbeAsync("n1", "n2"));
    }

    [Fact]
    public async Task Faults_combine_and_heal_all_removes_every_fault_table()
    {
        try
        {
            await _lab.PartitionAsync("n1", "n2");
            await _lab.IcmpDropAtWitnessAsync();
            await _lab.LossAsync("n2", 10);
            var rules = await _lab.RulesAsync();
            Assert.Contains($"table inet {_lab.Prefix}_part_n2", rules, StringComparison.Ordinal);
            Assert.Contains($"table inet {_lab.Prefix}_icmp", rules, StringComparison.Ordinal);
            Assert.Contains($"table inet {_lab.Prefix}_loss", rules, StringComparison.Ordinal);

            // re-applying a fault replaces it rather than stacking a second table
            await _lab.LossAsync("n2", 20);
            rules = await _lab.RulesAsync();
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(rules, $"table inet {_lab.Prefix}_loss "));
            Assert.Contains("< 20 drop", rules, StringComparison.Ordinal);
        }
        finally
        {
            await _lab.HealAsync();
        }

        Assert.DoesNotContain("table", await _lab.RulesAsync(), StringComparison.Ordinal);
        Assert.True(await _lab.PingAsync("n1", "n2"));
        Assert.True(await _lab.PingAsync("n2", "w"));
    }

    [Fact]
    public async Task NamespaceProcess_runs_inside_the_namespace_and_stops_with_sigterm_then_sigkill()
    {
        var output = Path.Combine(_lab.WorkDir, "nsproc.out");
        await using (var polite = NamespaceProcess.Start(
            _lab.NamespaceOf("n2"),
            ["sh", "-c", "ip -4 -o addr show; echo ready; exec sleep 600"],
            output))
        {
            await Polling.WaitUntilAsync(() => polite.ReadOutput().Contains("ready", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the process printed ready");
            Assert.Contains(_lab.IpOf("n2") + "/24", polite.ReadOutput(), StringComparison.Ordinal);
            Assert.Equal(128 + NativeSignals.SigTerm, await polite.StopAsync(TimeSpan.FromSeconds(5)));
        }

        var stubbornOutput = Path.Combine(_lab.WorkDir, "stubborn.out");
        var stubborn = NamespaceProcess.Start(
            _lab.NamespaceOf("n1"),
            ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"],
            stubbornOutput);
        await Polling.WaitUntilAsync(() => stubborn.ReadOutput().Contains("ready", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the stubborn process printed ready");
        var code = await stubborn.StopAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(128 + NativeSignals.SigKill, code);
        await stubborn.DisposeAsync();
    }

    [Fact]
    public async Task ProcessRunner_kills_the_whole_process_group_on_timeout()
    {
        var pidFile = Path.Combine(_lab.WorkDir, "child.pid");
        var result = await ProcessRunner.RunAsync(
            "sh",
            ["-c", $"sleep 600 & echo $! > {pidFile}; echo started; wait"],
            TimeSpan.FromMilliseconds(500));
        Assert.True(result.TimedOut, result.Describe());
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await Polling.WaitUntilAsync(() => !NativeSignals.IsAlive(child), TimeSpan.FromSeconds(5), $"background child {child} is gone");
    }

    [Fact]
    public void SplitGuard_executable_is_built_with_the_lab_tests()
    {
        Assert.True(File.Exists(LabPaths.SplitGuardDll), LabPaths.SplitGuardDll);
        Assert.True(File.Exists(LabPaths.NetScript));
        Assert.Null(LabRequirements.Describe());
    }

    [Fact]
    public async Task Dispose_removes_every_namespace_and_kills_processes_left_inside()
    {
        var lab = await LabNetwork.CreateAsync(nodes: 3);
        var prefix = lab.Prefix;
        NamespaceProcess? sleeper = null;
        try
        {
            Assert.NotEqual(_lab.Prefix, prefix);
            Assert.Equal(["n1", "n2", "n3"], lab.Nodes);
            Assert.Equal(lab.Subnet + ".4", lab.WitnessIp);
            Assert.True(await lab.PingAsync("n3", "w"));
            Assert.NotEmpty(await LabNetwork.ListLeftoversAsync(prefix));
            sleeper = NamespaceProcess.Start(lab.NamespaceOf("n3"), ["sleep", "600"], Path.Combine(LabPaths.WorkRoot, prefix + "-sleeper.out"));
        }
        finally
        {
            await lab.DisposeAsync();
        }

        Assert.Empty(await LabNetwork.ListLeftoversAsync(prefix));
        var netns = await ProcessRunner.RunAsync("ip", ["netns", "list"], TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(prefix + "-", netns.EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(lab.WorkDir) && Environment.GetEnvironmentVariable("SPLITGUARD_LAB_KEEP") != "1");
        Assert.NotNull(sleeper);
        Assert.NotNull(await sleeper.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        File.Delete(sleeper.OutputPath);
        await sleeper.DisposeAsync();

        // a second dispose and a second down are harmless
        await lab.DisposeAsync();
        var down = await ProcessRunner.RunAsync("bash", [LabPaths.NetScript, "down", prefix], TimeSpan.FromSeconds(30));
        Assert.True(down.Succeeded, down.Describe());
    }
}
