using SplitGuard.Core.Resources;
using SplitGuard.Testing;
using Xunit;
using static SplitGuard.Core.Tests.Resources.ResourceTestData;

namespace SplitGuard.Core.Tests.Resources;

/// <summary>One resource's state machine on a fake clock: statuses, monitors, fail counts, NeedsMove, cleanup.</summary>
public sealed class ResourceStateTests
{
    private readonly FakeClock _clock = new(seed: 4);

    [Fact]
    public void Starts_unknown_and_a_probe_learns_stopped_or_started()
    {
        var initial = ResourceState.Initial(Resource("web"));
        Assert.Equal(ResourceStatus.Unknown, initial.Status);
        Assert.Equal(0, initial.FailCount);
        Assert.False(initial.NeedsMove);

        var probe = initial.BeginProbe(_clock.Now);
        var run = Assert.Single(probe.Effects);
        Assert.Equal(new ResourceEffect(ResourceEffectKind.RunAgent, "web", AgentAction.Monitor, TimeSpan.FromSeconds(5), "probe of web"), run);
        Assert.Equal(AgentAction.Monitor, probe.State.Pending);

        var stopped = probe.State.Complete(Result("web", AgentAction.Monitor, AgentStatus.NotRunning), _clock.Now);
        Assert.Equal(ResourceStatus.Stopped, stopped.State.Status);
        Assert.Null(stopped.State.Pending);
        Assert.Equal(ResourceEffectKind.Stopped, Assert.Single(stopped.Effects).Kind);
        Assert.Equal(0, stopped.State.FailCount);

        var running = probe.State.Complete(Result("web", AgentAction.Monitor, AgentStatus.Ok), _clock.Now);
        Assert.Equal(ResourceStatus.Started, running.State.Status);
        Assert.Equal(_clock.Now + Interval, running.State.NextMonitor);
        Assert.Equal("probe: web is running", Assert.Single(running.Effects).Message);
    }

    [Fact]
    public void Start_runs_with_the_start_timeout_and_monitors_follow_every_interval_from_the_last_result()
    {
        var state = Stopped("web");
        var start = state.BeginStart(_clock.Now);
        Assert.Equal(ResourceStatus.Starting, start.State.Status);
        Assert.True(start.State.InProgress);
        Assert.Equal(TimeSpan.FromSeconds(20), Assert.Single(start.Effects).Timeout);

        _clock.Advance(TimeSpan.FromSeconds(2));
        var started = start.State.Complete(Result("web", AgentAction.Start, AgentStatus.Ok), _clock.Now);
        Assert.Equal(ResourceStatus.Started, started.State.Status);
        Assert.Equal("web started", Assert.Single(started.Effects).Message);

        state = started.State;
        _clock.Advance(Interval - TimeSpan.FromTicks(1));
        Assert.False(state.MonitorDue(_clock.Now));
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(state.MonitorDue(_clock.Now));

        var monitor = state.BeginMonitor(_clock.Now);
        Assert.False(monitor.State.MonitorDue(_clock.Now + Interval));
        _clock.Advance(TimeSpan.FromSeconds(1));
        var ok = monitor.State.Complete(Result("web", AgentAction.Monitor, AgentStatus.Ok), _clock.Now);
        Assert.Empty(ok.Effects);
        Assert.Equal(_clock.Now + Interval, ok.State.NextMonitor);
        Assert.Equal(ResourceStatus.Started, ok.State.Status);
    }

    [Fact]
    public void Running_master_counts_as_running()
    {
        var state = Started("db").BeginMonitor(_clock.Now).State;
        var t = state.Complete(Result("db", AgentAction.Monitor, AgentStatus.RunningMaster), _clock.Now);
        Assert.Equal(ResourceStatus.Started, t.State.Status);
        Assert.Equal(0, t.State.FailCount);
    }

    [Fact]
    public void Failed_monitors_count_up_to_the_threshold_then_the_resource_needs_to_move()
    {
        var state = Started("web");
        var messages = new List<string>();
        for (var failure = 1; failure <= 3; failure++)
        {
            _clock.Advance(Interval);
            var t = state.BeginMonitor(_clock.Now).State.Complete(Result("web", AgentAction.Monitor, AgentStatus.NotRunning), _clock.Now);
            state = t.State;
            Assert.Equal(ResourceStatus.Failed, state.Status);
            Assert.Equal(failure, state.FailCount);
            Assert.Equal(_clock.Now, state.LastFailure);
            Assert.Equal(failure == 3, state.NeedsMove);
            messages.AddRange(t.Effects.Select(e => $"{e.Kind}: {e.Message}"));

            // the group restarts it in place: stop, then start
            state = state.BeginStop(_clock.Now).State.Complete(Result("web", AgentAction.Stop, AgentStatus.Ok), _clock.Now).State;
            if (!state.NeedsMove)
            {
                state = state.BeginStart(_clock.Now).State.Complete(Result("web", AgentAction.Start, AgentStatus.Ok), _clock.Now).State;
            }
        }

        Assert.Equal(
        [
            "Failed: monitor of web failed: not running (7); fail count 1 of 3, restarting in place",
            "Failed: monitor of web failed: not running (7); fail count 2 of 3, restarting in place",
            "Failed: monitor of web failed: not running (7); fail count 3 of 3, threshold reached: its group must move",
            "NeedsMove: web must leave this node: fail count 3 of 3 (monitor of web failed: not running (7))",
        ], messages);
        Assert.Equal(ResourceStatus.Stopped, state.Status);
        Assert.Equal("monitor of web failed: not running (7)", state.LastError);
    }

    [Theory]
    [InlineData(AgentStatus.GenericError, "monitor of web failed: generic error (1)")]
    [InlineData(AgentStatus.TimedOut, "monitor of web timed out after 5 s")]
    [InlineData(AgentStatus.UnknownExitCode, "monitor of web failed: unknown exit code 42")]
    [InlineData(AgentStatus.FailedMaster, "monitor of web failed: failed master (9)")]
    public void Any_other_monitor_answer_is_a_failure(AgentStatus status, string why)
    {
        var result = Result("web", AgentAction.Monitor, status, status == AgentStatus.UnknownExitCode ? 42 : null);
        var t = Started("web").BeginMonitor(_clock.Now).State.Complete(result, _clock.Now);
        Assert.Equal(ResourceStatus.Failed, t.State.Status);
        Assert.Equal(1, t.State.FailCount);
        Assert.Equal(why, t.State.LastError);
    }

    [Theory]
    [InlineData(AgentStatus.InvalidArguments)]
    [InlineData(AgentStatus.InsufficientPrivileges)]
    [InlineData(AgentStatus.NotInstalled)]
    [InlineData(AgentStatus.NotConfigured)]
    public void A_hard_error_on_start_needs_a_move_at_once(AgentStatus status)
    {
        var t = Stopped("web").BeginStart(_clock.Now).State.Complete(Result("web", AgentAction.Start, status), _clock.Now);
        Assert.Equal(ResourceStatus.Failed, t.State.Status);
        Assert.Equal(3, t.State.FailCount);
        Assert.True(t.State.NeedsMove);
        Assert.Equal([ResourceEffectKind.Failed, ResourceEffectKind.NeedsMove], t.Effects.Select(e => e.Kind));
        Assert.EndsWith("a hard error: this node cannot run it", t.Effects[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_start_counts_one_and_leaves_the_resource_failed_so_that_it_is_stopped()
    {
        var t = Stopped("web").BeginStart(_clock.Now).State.Complete(Result("web", AgentAction.Start, AgentStatus.TimedOut), _clock.Now);
        Assert.Equal(ResourceStatus.Failed, t.State.Status);
        Assert.Equal(1, t.State.FailCount);
        Assert.Equal("start of web timed out after 20 s", t.State.LastError);
        Assert.NotNull(t.State.BeginStop(_clock.Now).State);
        Assert.Throws<InvalidOperationException>(() => t.State.BeginStart(_clock.Now));
    }

    [Theory]
    [InlineData(AgentStatus.Ok)]
    [InlineData(AgentStatus.NotRunning)]
    public void Stop_ok_or_not_running_is_stopped(AgentStatus status)
    {
        var t = Started("web").BeginStop(_clock.Now).State.Complete(Result("web", AgentAction.Stop, status), _clock.Now);
        Assert.Equal(ResourceStatus.Stopped, t.State.Status);
        Assert.Null(t.State.NextMonitor);
        Assert.Equal("web stopped", Assert.Single(t.Effects).Message);
    }

    [Theory]
    [InlineData(AgentStatus.TimedOut, "stop of web timed out after 30 s")]
    [InlineData(AgentStatus.GenericError, "stop of web failed: generic error (1)")]
    public void A_failed_stop_escalates_and_the_resource_must_move(AgentStatus status, string why)
    {
        var t = Started("web").BeginStop(_clock.Now).State.Complete(Result("web", AgentAction.Stop, status), _clock.Now);
        Assert.Equal(ResourceStatus.Failed, t.State.Status);
        Assert.True(t.State.StopFailed);
        Assert.True(t.State.NeedsMove);
        Assert.Equal([ResourceEffectKind.StopFailed, ResourceEffectKind.NeedsMove], t.Effects.Select(e => e.Kind));
        Assert.Equal($"{why}; web may still run: escalating (kill its processes, else panic)", t.Effects[0].Message);

        var confirmed = t.State.ConfirmStopped(_clock.Now, "process group 4321 killed");
        Assert.Equal(ResourceStatus.Stopped, confirmed.State.Status);
        Assert.False(confirmed.State.StopFailed);
        Assert.True(confirmed.State.NeedsMove);
        Assert.Equal("web confirmed stopped: process group 4321 killed", Assert.Single(confirmed.Effects).Message);
    }

    [Fact]
    public void Cleanup_forgets_failures_and_a_failed_resource_is_probed_again()
    {
        var failed = Started("web").BeginStop(_clock.Now).State.Complete(Result("web", AgentAction.Stop, AgentStatus.TimedOut), _clock.Now).State;
        Assert.True(failed.NeedsMove);

        var clean = failed.Cleanup();
        Assert.Equal(0, clean.FailCount);
        Assert.False(clean.StopFailed);
        Assert.False(clean.NeedsMove);
        Assert.Null(clean.LastError);
        Assert.Equal(ResourceStatus.Unknown, clean.Status);

        var stopped = Stopped("web") with { FailCount = 2 };
        Assert.Equal(ResourceStatus.Stopped, stopped.Cleanup().Status);
        Assert.Equal(0, stopped.Cleanup().FailCount);
    }

    [Fact]
    public void A_probe_that_finds_the_agent_not_installed_means_stopped_and_not_here()
    {
        var t = ResourceState.Initial(Resource("web")).BeginProbe(_clock.Now).State
            .Complete(Result("web", AgentAction.Monitor, AgentStatus.NotInstalled), _clock.Now);
        Assert.Equal(ResourceStatus.Stopped, t.State.Status);
        Assert.True(t.State.NeedsMove);
        Assert.Equal([ResourceEffectKind.Stopped, ResourceEffectKind.Failed, ResourceEffectKind.NeedsMove], t.Effects.Select(e => e.Kind));
        Assert.Equal("probe of web failed: not installed (5)", t.State.LastError);
    }

    [Fact]
    public void A_probe_error_is_a_failure_to_clean_up_by_stopping()
    {
        var t = ResourceState.Initial(Resource("web")).BeginProbe(_clock.Now).State
            .Complete(Result("web", AgentAction.Monitor, AgentStatus.GenericError), _clock.Now);
        Assert.Equal(ResourceStatus.Failed, t.State.Status);
        Assert.Equal(1, t.State.FailCount);
        Assert.Equal("probe of web failed: generic error (1)", t.State.LastError);
    }

    [Fact]
    public void Cancelled_runs_count_no_failure()
    {
        var start = Stopped("web").BeginStart(_clock.Now).State.Complete(Result("web", AgentAction.Start, AgentStatus.Cancelled), _clock.Now);
        Assert.Equal(ResourceStatus.Failed, start.State.Status);
        Assert.Equal(0, start.State.FailCount);

        var monitor = Started("web").BeginMonitor(_clock.Now).State.Complete(Result("web", AgentAction.Monitor, AgentStatus.Cancelled), _clock.Now);
        Assert.Equal(ResourceStatus.Started, monitor.State.Status);
        Assert.True(monitor.State.MonitorDue(_clock.Now));

        var stop = Started("web").BeginStop(_clock.Now).State.Complete(Result("web", AgentAction.Stop, AgentStatus.Cancelled), _clock.Now);
        Assert.Equal(ResourceStatus.Failed, stop.State.Status);
        Assert.False(stop.State.StopFailed);
        Assert.Equal(0, stop.State.FailCount);
    }

    [Fact]
    public void A_result_for_nothing_pending_is_ignored()
    {
        var state = Started("web");
        var t = state.Complete(Result("web", AgentAction.Start, AgentStatus.Ok), _clock.Now);
        Assert.Same(state, t.State);
        Assert.Equal("ignored a Start result for web: nothing is pending", Assert.Single(t.Effects, e => e.Kind == ResourceEffectKind.Ignored).Message);

        var monitoring = state.BeginMonitor(_clock.Now).State;
        Assert.Same(monitoring, monitoring.Complete(Result("other", AgentAction.Monitor, AgentStatus.Ok), _clock.Now).State);
        Assert.Same(monitoring, monitoring.Complete(Result("web", AgentAction.Stop, AgentStatus.Ok), _clock.Now).State);
    }

    [Fact]
    public void One_action_at_a_time_and_only_legal_ones()
    {
        var starting = Stopped("web").BeginStart(_clock.Now).State;
        Assert.Throws<InvalidOperationException>(() => starting.BeginStop(_clock.Now));
        Assert.Throws<InvalidOperationException>(() => starting.BeginProbe(_clock.Now));
        Assert.Throws<InvalidOperationException>(() => Stopped("web").BeginStop(_clock.Now));
        Assert.Throws<InvalidOperationException>(() => Stopped("web").BeginMonitor(_clock.Now));
        Assert.Throws<InvalidOperationException>(() => Started("web").BeginStart(_clock.Now));
    }

    private ResourceState Stopped(string name) =>
        ResourceState.Initial(Resource(name)).BeginProbe(_clock.Now).State.Complete(Result(name, AgentAction.Monitor, AgentStatus.NotRunning), _clock.Now).State;

    private ResourceState Started(string name) =>
        Stopped(name).BeginStart(_clock.Now).State.Complete(Result(name, AgentAction.Start, AgentStatus.Ok), _clock.Now).State;
}
