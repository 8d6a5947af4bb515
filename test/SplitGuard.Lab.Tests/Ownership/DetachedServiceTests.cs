using System.Globalization;
using System.Text.Json.Nodes;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Api;
using SplitGuard.Lab.Tests.Agents;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// Issue 10 end to end: F5 (the owner isolated from its peer and the witness) with a third resource whose service
/// detaches from its agent (setsid, double fork), ignores SIGTERM, and whose stop waits 1 s for it in vain (lab/agents
/// Detach). Without cgroups it ran on both nodes for about a second. With them the isolated owner's daemon hard-kills
/// the resource cgroups at the hard deadline, before the lease ends. Judged from the service itself: each node's
/// service appends "&lt;unix ns&gt; &lt;pid&gt;" to a heartbeat file of its own every 20 ms while it lives; the old owner's
/// last beat must come before the new owner's first, and the old owner's service process must be gone (/proc).
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class DetachedServiceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task F5_with_a_detaching_SIGTERM_ignoring_service_the_isolated_owner_kills_it_before_the_survivor_starts_it()
    {
        var detach = Path.Combine(AgentLab.TestOcfRoot, "resource.d", "splitguard", "Detach");
        var service = new JsonObject
        {
            ["name"] = "svc", ["agent"] = "script:" + detach, ["group"] = "service", ["monitor_interval"] = 2,
            ["timeouts"] = new JsonObject { ["stop"] = 20 },
            ["params"] = new JsonObject
            {
                ["state"] = "{workdir}/svc.state", ["pidfile"] = "{workdir}/svc.pid", ["beat"] = "{workdir}/svc.beat",
                ["per_node"] = "1", ["stop_mode"] = "term", ["stop_wait"] = "1", ["children"] = "2",
            },
        };
        await using var lab = await OwnershipLab.StartWithResourcesAsync([service]);
        var (owner, before) = await lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var survivor = OwnershipLab.Other(owner);
        string Beat(string node) => Path.Combine(lab.Lab.WorkDir, $"svc.beat-{lab.Lab.NamespaceOf(node)}");
        string Pid(string node) => Path.Combine(lab.Lab.WorkDir, $"svc.pid-{lab.Lab.NamespaceOf(node)}");
        await Polling.WaitUntilAsync(() => File.Exists(Beat(owner)), TimeSpan.FromSeconds(10), $"{owner}'s service beats");
        var ownerService = await AgentLab.ReadPidAsync(Pid(owner));

        var udp = await lab.Lab.PrepareFaultAsync("udp-drop", owner);
        var witness = await lab.Lab.PrepareFaultAsync("isolate-from-witness", owner);
        var both = Path.Combine(lab.Lab.WorkDir, $"isolate-{owner}.nft");
        await File.WriteAllTextAsync(both, await File.ReadAllTextAsync(udp.ScriptPath) + "\n" + await File.ReadAllTextAsync(witness.ScriptPath));
        long fault;
        try
        {
            var (started, took) = await lab.Lab.ApplyAsync(new PreparedFault(udp.Namespace, both, $"udp-drop + isolate-from-witness on {owner}"));
            fault = UnixNs.From(started + took);
            await Polling.WaitUntilAsync(() => File.Exists(Beat(survivor)) && File.ReadAllLines(Beat(survivor)).Length >= 5, TimeSpan.FromSeconds(10),
                $"{survivor}'s service beats");
            await lab.WaitForAsync(s => s[owner].Ownership is { Run: false, Resources: "stopped" }, TimeSpan.FromSeconds(10), $"{owner} stopped");
        }
        finally
        {
            await lab.Lab.HealAsync();
        }

        var ownerBeats = Beats(Beat(owner));
        var survivorBeats = Beats(Beat(survivor));
        var ownerLast = ownerBeats.Max();
        var survivorFirst = survivorBeats.Min();
        var status = ControlClient.Send(lab.ControlSocket(owner), new JsonObject { ["command"] = "status" }, TimeSpan.FromSeconds(5))["ownership"]!;
        var svc = status["resource_list"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "svc")!;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"isolated {owner} at {UnixNs.Format(fault)}: its service's last beat {UnixNs.ToMs(ownerLast - fault):+0;-0} ms, {survivor}'s first {UnixNs.ToMs(survivorFirst - fault):+0;-0} ms; margin {UnixNs.ToMs(survivorFirst - ownerLast):+0.0;-0.0} ms"));
        output.WriteLine($"{owner}: cgroups {status["cgroups"]}; svc: {svc.ToJsonString()}");
        output.WriteLine(lab.OwnershipLog().Describe(fault - UnixNs.FromMs(500)));
        output.WriteLine(string.Join(Environment.NewLine, lab.LogEvents(owner, fault - UnixNs.FromMs(500), 1505, 1508)));

        Assert.True(ownerLast < survivorFirst,
            $"the service ran on both nodes: {owner}'s last beat {UnixNs.Format(ownerLast)}, {survivor}'s first {UnixNs.Format(survivorFirst)}");
        Assert.False(ProcessSessions.IsLive(ownerService), $"{owner}'s service (pid {ownerService}) still runs");
        Assert.StartsWith("v", status["cgroups"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(svc["last_stop_killed"]!.GetValue<bool>(), "the isolated owner's svc needed the hard kill");
        Assert.NotNull(svc["last_stop_ms"]);
        Assert.Contains(lab.OwnershipLog().Between(fault), e => e.Node == owner && e.Resource == "svc" && e.What == "stop_killed");
    }

    private static List<long> Beats(string path) =>
        [.. File.ReadAllLines(path).Select(l => l.Split(' ')).Where(p => p.Length == 2 && long.TryParse(p[0], CultureInfo.InvariantCulture, out _))
            .Select(p => long.Parse(p[0], CultureInfo.InvariantCulture))];
}
