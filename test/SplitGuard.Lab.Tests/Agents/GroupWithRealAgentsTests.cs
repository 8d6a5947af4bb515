using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using SplitGuard.Lab.Tests.Infrastructure;
using SplitGuard.Testing;
using Xunit;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>
/// The pure group state machine driving real agents: Debian's Dummy plus a pha-style script in one group start in
/// order, a service that dies is restarted in place, a start that hangs is killed and retried up to the fail
/// count and then the group needs to move, and the group stops in reverse. Core time is a fake clock (monitors
/// are due when the test says so); the agents are real processes.
/// </summary>
public sealed class GroupWithRealAgentsTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("sg-group-").FullName;
    private readonly FakeClock _clock = new(seed: 19);
    private readonly List<string> _log = [];
    private readonly List<ResourceEffect> _effects = [];
    private AgentRunner _runner = new();
    private ResourceGroupState _group = null!;

    [Fact]
    public async Task Dummy_and_a_pha_script_start_in_order_restart_in_place_and_stop_in_reverse()
    {
        AgentLab.EnsureResourceAgents();
        var ip = new ResourceConfig
        {
            Name = "ip",
            Group = "web",
            Agent = AgentSpec.Ocf("heartbeat", "Dummy"),
            Params = new Dictionary<string, string> { ["state"] = Path.Combine(_work, "ip.state") },
        };
        var service = new ResourceConfig
        {
            Name = "service",
            Group = "web",
            Agent = AgentSpec.Script(AgentLab.PhaScript),
            Params = new Dictionary<string, string> { ["statedir"] = _work },
        };
        _runner = new AgentRunner(new AgentRunnerOptions { OcfRoot = AgentLab.SystemOcfRoot });
        _group = ResourceGroupState.Create(ResourceGroups.Build([ip, service]).Single());

        await DriveAsync(g => g.Start(_clock.Now));
        Assert.Equal(["Monitor ip", "Monitor service", "Start ip", "Start service"], _log);
        Assert.True(_group.IsStarted);
        var pid = await AgentLab.ReadPidAsync(Path.Combine(_work, "service.pid"));

        // The service dies; the next monitor finds it and the group restarts it in place.
        NativeSignals.Send(pid, NativeSignals.SigKill);
        // Gone from /proc, not merely a zombie: the script's check uses kill -0, which a zombie still passes.
        await Polling.WaitUntilAsync(() => !Directory.Exists($"/proc/{pid}"), TimeSpan.FromSeconds(10), $"service {pid} killed and reaped");
        _log.Clear();
        _clock.Advance(ResourceDefaults.MonitorInterval);
        await DriveAsync(g => g.Tick(_clock.Now));
        Assert.Equal(["Monitor ip", "Monitor service", "Stop service", "Start service"], _log);
        Assert.True(_group.IsStarted);
        Assert.Equal(1, _group.Member("service").FailCount);
        Assert.Contains(_effects, e => e.Message == "monitor of service failed: not running (7); fail count 1 of 3, restarting in place");
        var restarted = await AgentLab.ReadPidAsync(Path.Combine(_work, "service.pid"));
        Assert.NotEqual(pid, restarted);
        Assert.True(NativeSignals.IsAlive(restarted));

        _log.Clear();
        await DriveAsync(g => g.Stop(_clock.Now));
        Assert.Equal(["Stop service", "Stop ip"], _log);
        Assert.True(_group.IsStopped);
        Assert.False(NativeSignals.IsAlive(restarted));
        Assert.False(File.Exists(ip.Params["state"]));
    }

    [Fact]
    public async Task A_start_that_hangs_is_killed_stopped_and_retried_until_the_group_needs_to_move()
    {
        var first = AgentLab.Misbehave("first", _work) with { Group = "g" };
        var hanging = AgentLab.Misbehave("hanging", _work, ("start_mode", "hang")) with
        {
            Group = "g",
            MigrationThreshold = 2,
            Timeouts = ResourceTimeouts.Default with { Start = TimeSpan.FromSeconds(0.5) },
        };
        _runner = new AgentRunner(new AgentRunnerOptions { OcfRoot = AgentLab.TestOcfRoot });
        _group = ResourceGroupState.Create(ResourceGroups.Build([first, hanging]).Single());

        await DriveAsync(g => g.Start(_clock.Now));

        Assert.Equal(["Monitor first", "Monitor hanging", "Start first", "Start hanging", "Stop hanging", "Start hanging", "Stop hanging", "Stop first"], _log);
        Assert.True(_group.NeedsMove);
        Assert.True(_group.IsStopped);
        Assert.Equal(
            ["start of hanging timed out after 0.5 s; fail count 1 of 2, restarting in place", "start of hanging timed out after 0.5 s; fail count 2 of 2, threshold reached: its group must move"],
            _effects.Where(e => e.Kind == ResourceEffectKind.Failed).Select(e => e.Message));
        var agent = await AgentLab.ReadPidAsync(hanging.Params["pidfile"]);
        var child = await AgentLab.ReadPidAsync(hanging.Params["pidfile"] + ".child");
        Assert.False(NativeSignals.IsAlive(agent), $"agent {agent} of the last hanging start");
        Assert.False(NativeSignals.IsAlive(child), $"child {child} of the last hanging start");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_group is not null)
        {
            foreach (var member in _group.Config.StopOrder)
            {
                await _runner.RunAsync(member, AgentAction.Stop, TimeSpan.FromSeconds(10), CancellationToken.None);
            }
        }

        Directory.Delete(_work, recursive: true);
    }

    /// <summary>Applies one step, then runs every RunAgent effect on the real runner (a step's effects at once) and feeds the results back until nothing is pending.</summary>
    private async Task DriveAsync(Func<ResourceGroupState, GroupStep> step)
    {
        var pending = Take(step(_group));
        while (pending.Count > 0)
        {
            var results = await Task.WhenAll(pending.Select(e =>
                _runner.RunAsync(_group.Member(e.Resource).Config, e.Action!.Value, e.Timeout, CancellationToken.None)));
            pending = [];
            foreach (var result in results)
            {
                pending.AddRange(Take(_group.OnResult(result, _clock.Now)));
            }
        }
    }

    private List<ResourceEffect> Take(GroupStep step)
    {
        _group = step.State;
        _effects.AddRange(step.Effects);
        var runs = step.Effects.Where(e => e.Kind == ResourceEffectKind.RunAgent).ToList();
        _log.AddRange(runs.Select(e => $"{e.Action} {e.Resource}"));
        return runs;
    }
}
