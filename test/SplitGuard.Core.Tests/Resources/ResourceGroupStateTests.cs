using SplitGuard.Core.Resources;
using SplitGuard.Testing;
using Xunit;
using static SplitGuard.Core.Tests.Resources.ResourceTestData;

namespace SplitGuard.Core.Tests.Resources;

/// <summary>
/// Groups on a fake clock with fake agents: probe first, start in order, stop in reverse, restart in place with
/// dependents, move at the threshold, block on a failed stop, cleanup.
/// </summary>
public sealed class ResourceGroupStateTests
{
    private readonly FakeClock _clock = new(seed: 11);

    [Fact]
    public void Ordering_helpers_start_in_config_order_and_stop_in_reverse()
    {
        var resources = new[] { Resource("vip", "web"), Resource("backup"), Resource("nginx", "web"), Resource("app", "web") };
        var groups = ResourceGroups.Build(resources);

        Assert.Equal(["web", "backup"], groups.Select(g => g.Name));
        Assert.Equal(["vip", "nginx", "app"], groups[0].StartOrder.Select(r => r.Name));
        Assert.Equal(["app", "nginx", "vip"], groups[0].StopOrder.Select(r => r.Name));
        Assert.Equal(["vip", "nginx", "app", "backup"], ResourceGroups.StartOrder(groups).Select(r => r.Name));
        Assert.Equal(["backup", "app", "nginx", "vip"], ResourceGroups.StopOrder(groups).Select(r => r.Name));
    }

    [Fact]
    public void A_new_group_probes_every_member_at_once_and_waits_for_the_answers()
    {
        var group = ResourceGroupState.Create(Group("web", "vip", "nginx", "app"));
        var step = group.Start(_clock.Now);

        Assert.Equal(["Monitor vip", "Monitor nginx", "Monitor app"], Runs(step.Effects));
        Assert.All(step.State.Members, m => Assert.Equal(ResourceStatus.Unknown, m.Status));
        Assert.True(step.State.InProgress);

        // Two answers are not enough to start anything.
        var s = step.State.OnResult(Result("vip", AgentAction.Monitor, AgentStatus.NotRunning), _clock.Now);
        s = s.State.OnResult(Result("app", AgentAction.Monitor, AgentStatus.NotRunning), _clock.Now);
        Assert.Empty(Runs(s.Effects));

        s = s.State.OnResult(Result("nginx", AgentAction.Monitor, AgentStatus.NotRunning), _clock.Now);
        Assert.Equal(["Start vip"], Runs(s.Effects));
    }

    [Fact]
    public void Start_goes_in_config_order_one_at_a_time_and_stop_in_reverse()
    {
        var agents = new FakeAgents(ResourceGroupState.Create(Group("web", "vip", "nginx", "app")));

        agents.Apply(g => g.Start(_clock.Now), _clock.Now);
        Assert.Equal(["Monitor vip", "Monitor nginx", "Monitor app", "Start vip", "Start nginx", "Start app"], agents.Log);
        Assert.True(agents.Group.IsStarted);
        Assert.False(agents.Group.InProgress);

        agents.Log.Clear();
        agents.Apply(g => g.Stop(_clock.Now), _clock.Now);
        Assert.Equal(["Stop app", "Stop nginx", "Stop vip"], agents.Log);
        Assert.True(agents.Group.IsStopped);
        Assert.False(agents.Group.InProgress);
    }

    [Fact]
    public void Starting_waits_for_each_member_before_the_next()
    {
        var step = Probed("vip", "nginx").Start(_clock.Now);
        Assert.Equal(["Start vip"], Runs(step.Effects));
        Assert.True(step.State.InProgress);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(Runs(step.State.Tick(_clock.Now).Effects));
        var next = step.State.OnResult(Result("vip", AgentAction.Start, AgentStatus.Ok), _clock.Now);
        Assert.Equal(["Start nginx"], Runs(next.Effects));
    }

    [Fact]
    public void A_probe_that_finds_a_member_running_where_it_should_not_stops_it()
    {
        var agents = new FakeAgents(ResourceGroupState.Create(Group("web", "vip", "nginx")));
        agents.MarkRunning("nginx");

        agents.Apply(g => g.Stop(_clock.Now), _clock.Now);

        Assert.Equal(["Monitor vip", "Monitor nginx", "Stop nginx"], agents.Log);
        Assert.True(agents.Group.IsStopped);
    }

    [Fact]
    public void A_failed_monitor_restarts_in_place_with_its_dependents_and_leaves_the_members_before_it_alone()
    {
        var agents = Running("vip", "nginx", "app");
        agents.Crash("nginx");

        _clock.Advance(Interval);
        agents.Apply(g => g.Tick(_clock.Now), _clock.Now);

        Assert.Equal(["Monitor vip", "Monitor nginx", "Monitor app", "Stop app", "Stop nginx", "Start nginx", "Start app"], agents.Log);
        Assert.True(agents.Group.IsStarted);
        Assert.Equal(1, agents.Group.Member("nginx").FailCount);
        Assert.Equal(0, agents.Group.Member("vip").FailCount);
        Assert.False(agents.Group.NeedsMove);
        Assert.Contains(agents.Effects, e => e.Message == "monitor of nginx failed: not running (7); fail count 1 of 3, restarting in place");
    }

    [Fact]
    public void At_the_threshold_the_whole_group_stops_in_reverse_and_needs_to_move_until_cleanup()
    {
        var agents = Running("vip", "nginx", "app");
        for (var failure = 1; failure <= 2; failure++)
        {
            agents.Crash("nginx");
            _clock.Advance(Interval);
            agents.Apply(g => g.Tick(_clock.Now), _clock.Now);
            Assert.True(agents.Group.IsStarted);
        }

        agents.Log.Clear();
        agents.Crash("nginx");
        _clock.Advance(Interval);
        agents.Apply(g => g.Tick(_clock.Now), _clock.Now);

        Assert.Equal(["Monitor vip", "Monitor nginx", "Monitor app", "Stop app", "Stop nginx", "Stop vip"], agents.Log);
        Assert.True(agents.Group.NeedsMove);
        Assert.True(agents.Group.IsStopped);
        Assert.Equal(ResourceGoal.Started, agents.Group.Goal);
        Assert.Equal(ResourceGoal.Stopped, agents.Group.EffectiveGoal);
        Assert.False(agents.Group.InProgress);
        Assert.Single(agents.Effects, e => e.Kind == ResourceEffectKind.NeedsMove);

        // Nothing starts again here while it needs to move, however long we wait.
        agents.Log.Clear();
        _clock.Advance(Interval * 10);
        agents.Apply(g => g.Tick(_clock.Now), _clock.Now);
        agents.Apply(g => g.Start(_clock.Now), _clock.Now);
        Assert.Empty(agents.Log);

        // splitguard resource cleanup nginx: the group may run here again and starts in order.
        agents.Apply(g => g.Cleanup("nginx", _clock.Now), _clock.Now);
        Assert.Equal(["Start vip", "Start nginx", "Start app"], agents.Log);
        Assert.False(agents.Group.NeedsMove);
        Assert.Equal(0, agents.Group.Member("nginx").FailCount);
    }

    [Fact]
    public void A_failed_start_is_stopped_then_retried_until_the_threshold()
    {
        var agents = new FakeAgents(ResourceGroupState.Create(Group("web", "vip", "nginx")));
        agents.Answer = (resource, action) => resource == "nginx" && action == AgentAction.Start ? AgentStatus.GenericError : null;

        agents.Apply(g => g.Start(_clock.Now), _clock.Now);

        Assert.Equal(
        [
            "Monitor vip", "Monitor nginx", "Start vip",
            "Start nginx", "Stop nginx",
            "Start nginx", "Stop nginx",
            "Start nginx", "Stop nginx",
            "Stop vip",
        ], agents.Log);
        Assert.True(agents.Group.NeedsMove);
        Assert.True(agents.Group.IsStopped);
        Assert.Equal(3, agents.Group.Member("nginx").FailCount);
    }

    [Fact]
    public void A_failed_stop_blocks_the_group_until_escalation_confirms_it_stopped()
    {
        var agents = Running("vip", "nginx", "app");
        agents.Answer = (resource, action) => resource == "nginx" && action == AgentAction.Stop ? AgentStatus.TimedOut : null;

        agents.Apply(g => g.Stop(_clock.Now), _clock.Now);

        Assert.Equal(["Stop app", "Stop nginx"], agents.Log);
        Assert.True(agents.Group.IsBlocked);
        Assert.False(agents.Group.IsStopped);
        Assert.False(agents.Group.InProgress);
        var escalate = Assert.Single(agents.Effects, e => e.Kind == ResourceEffectKind.StopFailed);
        Assert.Equal("nginx", escalate.Resource);
        Assert.Equal("stop of nginx timed out after 30 s; nginx may still run: escalating (kill its processes, else panic)", escalate.Message);

        // Blocked: neither ticks nor a new goal run anything, vip included.
        agents.Log.Clear();
        _clock.Advance(Interval * 3);
        agents.Apply(g => g.Tick(_clock.Now), _clock.Now);
        agents.Apply(g => g.Start(_clock.Now), _clock.Now);
        Assert.DoesNotContain(agents.Log, l => l.StartsWith("Start", StringComparison.Ordinal) || l.StartsWith("Stop", StringComparison.Ordinal));

        agents.Log.Clear();
        agents.Apply(g => g.ConfirmStopped("nginx", "process group 999 killed", _clock.Now), _clock.Now);
        Assert.Equal(["Stop vip"], agents.Log.Where(l => !l.StartsWith("Monitor", StringComparison.Ordinal)));
        Assert.True(agents.Group.IsStopped);
        Assert.True(agents.Group.NeedsMove);
    }

    [Fact]
    public void A_stop_waits_for_a_running_monitor_of_that_member()
    {
        var group = Running("vip", "nginx").Group;
        _clock.Advance(Interval);
        var tick = group.Tick(_clock.Now);
        Assert.Equal(["Monitor vip", "Monitor nginx"], Runs(tick.Effects));

        var stop = tick.State.Stop(_clock.Now);
        Assert.Empty(Runs(stop.Effects));

        var s = stop.State.OnResult(Result("vip", AgentAction.Monitor, AgentStatus.Ok), _clock.Now);
        Assert.Empty(Runs(s.Effects));
        s = s.State.OnResult(Result("nginx", AgentAction.Monitor, AgentStatus.Ok), _clock.Now);
        Assert.Equal(["Stop nginx"], Runs(s.Effects));
    }

    [Fact]
    public void A_late_tick_runs_one_monitor_per_member_not_one_per_missed_interval()
    {
        var group = Running("vip", "nginx").Group;
        _clock.Advance(Interval * 50);

        var tick = group.Tick(_clock.Now);

        Assert.Equal(["Monitor vip", "Monitor nginx"], Runs(tick.Effects));
        Assert.Empty(Runs(tick.State.Tick(_clock.Now).Effects));
    }

    [Fact]
    public void A_result_for_another_group_changes_nothing()
    {
        var group = Running("vip").Group;
        var step = group.OnResult(Result("db", AgentAction.Start, AgentStatus.Ok), _clock.Now);
        Assert.Same(group, step.State);
        Assert.Equal(ResourceEffectKind.Ignored, Assert.Single(step.Effects).Kind);
        Assert.Throws<KeyNotFoundException>(() => group.Member("db"));
        Assert.Throws<KeyNotFoundException>(() => group.ConfirmStopped("db", "x", _clock.Now));
    }

    [Fact]
    public void Cleanup_of_a_failed_probe_probes_again()
    {
        var agents = new FakeAgents(ResourceGroupState.Create(Group("web", "vip")));
        agents.Answer = (_, action) => action == AgentAction.Monitor ? AgentStatus.GenericError : null;
        agents.Apply(g => g.Stop(_clock.Now), _clock.Now);
        Assert.Equal(["Monitor vip", "Stop vip"], agents.Log);
        Assert.Equal(1, agents.Group.Member("vip").FailCount);

        agents.Answer = (_, _) => null;
        agents.Log.Clear();
        agents.Apply(g => g.Cleanup(null, _clock.Now), _clock.Now);
        Assert.Empty(agents.Log);
        Assert.Equal(0, agents.Group.Member("vip").FailCount);
        Assert.True(agents.Group.IsStopped);
    }

    [Fact]
    public void A_hard_kill_during_a_stop_leaves_the_member_stopped_with_one_failure_and_its_late_stop_result_ignored()
    {
        var agents = Running("vip", "app");
        var stopping = agents.Group.Stop(_clock.Now);
        Assert.Equal(["Stop app"], Runs(stopping.Effects));
        _clock.Advance(TimeSpan.FromMilliseconds(900));

        var killed = stopping.State.HardKilled("app", "not stopped by the hard deadline", confirmedEmpty: true, _clock.Now);

        var app = killed.State.Member("app");
        Assert.Equal(ResourceStatus.Stopped, app.Status);
        Assert.Null(app.Pending);
        Assert.False(app.StopFailed);
        Assert.Equal(1, app.FailCount);
        Assert.StartsWith("hard kill of app: not stopped by the hard deadline", app.LastError, StringComparison.Ordinal);
        Assert.Contains(killed.Effects, e => e.Kind == ResourceEffectKind.Failed && e.Resource == "app");
        Assert.DoesNotContain(killed.Effects, e => e.Kind == ResourceEffectKind.StopFailed);
        Assert.Equal(["Stop vip"], Runs(killed.Effects)); // the group goes on stopping in reverse order

        // The agent's stop died with the cgroup; its result comes late and must not count as a failed stop.
        var late = killed.State.OnResult(Result("app", AgentAction.Stop, AgentStatus.TimedOut), _clock.Now);
        Assert.Equal([ResourceEffectKind.Ignored], late.Effects.Select(e => e.Kind));
        Assert.False(late.State.IsBlocked);
        Assert.Equal(ResourceStatus.Stopped, late.State.Member("app").Status);
    }

    [Fact]
    public void A_hard_kill_that_could_not_empty_the_cgroup_is_a_failed_stop_that_blocks_and_escalates()
    {
        var agents = Running("vip");
        var stopping = agents.Group.Stop(_clock.Now);

        var killed = stopping.State.HardKilled("vip", "hard deadline", confirmedEmpty: false, _clock.Now);

        var vip = killed.State.Member("vip");
        Assert.True(vip.StopFailed);
        Assert.Equal(ResourceStatus.Failed, vip.Status);
        Assert.True(vip.NeedsMove);
        Assert.True(killed.State.IsBlocked);
        Assert.Contains(killed.Effects, e => e.Kind == ResourceEffectKind.StopFailed);
        Assert.Empty(Runs(killed.Effects));
    }

    [Fact]
    public void Hard_kills_count_toward_the_threshold()
    {
        var group = Running("vip").Group;
        for (var i = 1; i <= 3; i++)
        {
            var step = group.Stop(_clock.Now).State.HardKilled("vip", "again", confirmedEmpty: true, _clock.Now);
            group = step.State;
            Assert.Equal(i, group.Member("vip").FailCount);
            Assert.Equal(i == 3, step.Effects.Any(e => e.Kind == ResourceEffectKind.NeedsMove));
            if (i < 3)
            {
                // Running again (as after a restart of the group) for the next round.
                group = group.Start(_clock.Now).State.OnResult(Result("vip", AgentAction.Start, AgentStatus.Ok), _clock.Now).State;
                Assert.True(group.IsStarted);
            }
        }

        Assert.True(group.NeedsMove);
    }

    private ResourceGroupState Probed(params string[] members)
    {
        var agents = new FakeAgents(ResourceGroupState.Create(Group("web", members)));
        agents.Apply(g => g.Stop(_clock.Now), _clock.Now);
        Assert.True(agents.Group.IsStopped);
        return agents.Group;
    }

    private FakeAgents Running(params string[] members)
    {
        var agents = new FakeAgents(ResourceGroupState.Create(Group("web", members)));
        agents.Apply(g => g.Start(_clock.Now), _clock.Now);
        Assert.True(agents.Group.IsStarted);
        agents.Log.Clear();
        agents.Effects.Clear();
        return agents;
    }
}
