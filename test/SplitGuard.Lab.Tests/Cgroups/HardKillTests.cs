using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Resources;
using SplitGuard.Lab.Tests.Agents;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests.Cgroups;

/// <summary>
/// Issue 10 with real processes and the host's real cgroups (v1 freezer+pids here, v2 elsewhere): a service that
/// detaches from its agent (setsid, double fork) and ignores SIGTERM is still contained by its resource's cgroup: the
/// hard kill leaves nothing of it, a stop that leaves it running is not a clean stop, and leftovers of an earlier run
/// are killed at the probe. Every process is judged from /proc.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class HardKillTests : IDisposable
{
    private static readonly TimeSpan Ample = TimeSpan.FromSeconds(20);
    private readonly CgroupLab _lab = new("cg");

    private static async Task WaitAsync(ResourceManager manager, bool run, Func<bool> done, string what)
    {
        try
        {
            await Polling.WaitUntilAsync(() =>
            {
                manager.Apply(run);
                return done();
            }, Ample, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} (state {manager.State}, panic: {manager.PanicReason ?? "none"}, {string.Join("; ", manager.Views())})", e);
        }
    }

    [Fact]
    public async Task Hard_kill_of_a_hanging_stop_leaves_no_process_of_a_detached_SIGTERM_ignoring_service_and_removes_its_address()
    {
        AgentLab.EnsureResourceAgents();
        const string Ip = "127.77.10.1";
        var vip = _lab.Vip("vip", Ip) with { Group = "web" };
        var svc = _lab.Detach("svc", TimeSpan.FromSeconds(30), ("stop_mode", "hang"), ("children", "3")) with { Group = "web" };
        using var manager = _lab.Manager(vip, svc);
        await WaitAsync(manager, true, () => manager.State == "started", "vip and svc started");
        var daemon = await AgentLab.ReadPidAsync(svc.Params["pidfile"]);
        Assert.True(CgroupLab.HasAddress(Ip), $"{Ip} is up");
        Assert.Contains(daemon, _lab.Cgroups.Pids("svc"));
        // The agent's start returns once the daemon wrote its pid; the daemon forks its children after that (and its
        // loop's short sleep comes and goes), so wait for the daemon and its 3 children rather than count at once.
        await Polling.WaitUntilAsync(() => _lab.Cgroups.Pids("svc").Count >= 4, Ample, "the daemon's 3 children forked");
        Assert.True(_lab.Cgroups.Pids("svc").Count >= 4, $"the daemon and its 3 children are in the cgroup: {string.Join(' ', _lab.Cgroups.Pids("svc"))}");
        Assert.NotEqual(Environment.ProcessId, ParentOf(daemon)); // detached: not our child, not in the agent's session

        // Stop: svc (last member) stops first, and its stop hangs.
        manager.Apply(false);
        var stopAgent = await AgentLab.ReadPidAsync(svc.Params["pidfile"] + ".stop");
        Assert.True(ProcessSessions.IsLive(stopAgent));

        var before = _lab.Cgroups.Pids("svc");
        var first = manager.HardKill("test: the hard deadline");
        Assert.False(first.Confirmed);
        Assert.False(CgroupLab.HasAddress(Ip), "the address is gone when HardKill returns");
        await Polling.WaitUntilAsync(() => !manager.Active, Ample, "the hard kill confirmed");
        var report = first with { Resources = [.. first.Resources.Select(r => r with { Empty = _lab.Cgroups.IsEmpty(r.Resource) })] };

        var svcKill = report.Resources.Single(r => r.Resource == "svc");
        var vipKill = report.Resources.Single(r => r.Resource == "vip");
        Assert.True(report.AllEmpty, string.Join("; ", report.Resources));
        Assert.True(svcKill.Killed >= 6, $"the daemon, its 3 children, the stop agent and its sleep: killed {svcKill.Killed}");
        Assert.Equal([$"{Ip}/32 dev lo"], vipKill.Addresses);
        Assert.True(svcKill.Graceful > TimeSpan.Zero);

        // Judged from /proc and the kernel, not the report: nothing of the test's processes lives, the address is gone.
        Assert.Empty(_lab.LiveProcesses());
        Assert.DoesNotContain(before, ProcessSessions.IsLive);
        Assert.False(ProcessSessions.IsLive(daemon));
        Assert.False(ProcessSessions.IsLive(stopAgent));
        Assert.False(CgroupLab.HasAddress(Ip));
        Assert.True(_lab.Cgroups.IsEmpty("svc"));

        // Stopped, with a failure, never a clean stop; the late result of the killed stop changes nothing.
        await Polling.WaitUntilAsync(() => manager.RunningActions == 0, Ample, "the killed stop's result came back");
        Assert.Equal("stopped", manager.State);
        Assert.Null(manager.PanicReason);
        Assert.False(manager.Active);
        var view = manager.Views().Single(v => v.Name == "svc");
        Assert.Equal(1, view.FailCount);
        Assert.False(view.StopFailed);
        Assert.True(view.LastStopKilled);
        Assert.StartsWith("hard kill of svc", view.LastError, StringComparison.Ordinal);
        Assert.Equal(["start_invoke", "start_ok", "stop_invoke", "stop_killed"], _lab.Ownership("svc"));
        Assert.Equal(["start_invoke", "start_ok", "stop_killed"], _lab.Ownership("vip"));
    }

    [Fact]
    public async Task A_stop_that_says_stopped_while_its_detached_service_still_runs_is_not_clean_and_escalation_kills_the_cgroup()
    {
        AgentLab.EnsureResourceAgents();
        var svc = _lab.Detach("liar", TimeSpan.FromSeconds(1), ("stop_mode", "lie"));
        using var manager = _lab.Manager(svc);
        await WaitAsync(manager, true, () => manager.State == "started", "liar started");
        var daemon = await AgentLab.ReadPidAsync(svc.Params["pidfile"]);

        await WaitAsync(manager, false, () => manager.State == "stopped" && manager.RunningActions == 0, "liar confirmed stopped by escalation");

        Assert.False(ProcessSessions.IsLive(daemon));
        Assert.Empty(_lab.LiveProcesses());
        var view = manager.Views().Single();
        Assert.True(view.FailCount >= view.FailLimit, "a stop that left processes behind counts as a failed stop: the resource must move");
        Assert.Equal(["start_invoke", "start_ok", "stop_invoke", "stop_failed", "stop_invoke", "stop_ok"], _lab.Ownership("liar"));
    }

    [Fact]
    public async Task What_a_stop_that_says_stopped_leaves_in_the_cgroup_gets_SIGTERM_at_once_and_the_stop_is_clean()
    {
        // Stop timeout 10 s: waiting for the helper without signalling it would run into it and fail the stop.
        var svc = _lab.Leaver("leaver", TimeSpan.FromSeconds(10));
        using var manager = _lab.Manager(svc);
        await WaitAsync(manager, true, () => manager.State == "started", "leaver started");
        await Polling.WaitUntilAsync(() => _lab.LiveProcesses().Count > 0, Ample, "the leaver's helper running");

        await WaitAsync(manager, false, () => manager.State == "stopped" && manager.RunningActions == 0, "leaver stopped");

        Assert.Empty(_lab.LiveProcesses());
        var view = manager.Views().Single();
        Assert.Equal(0, view.FailCount);
        Assert.False(view.LastStopKilled);
        Assert.InRange(view.LastStopMs!.Value, 0, 5000);
        Assert.Equal(["start_invoke", "start_ok", "stop_invoke", "stop_ok"], _lab.Ownership("leaver"));
    }

    [Fact]
    public async Task A_graceful_stop_waits_for_the_cgroup_to_empty_and_its_time_is_measured()
    {
        AgentLab.EnsureResourceAgents();
        // The agent's stop sends SIGTERM, which the daemon ignores, and waits up to 1 s for it to go.
        var svc = _lab.Detach("timed", TimeSpan.FromSeconds(5), ("stop_wait", "1"));
        using var manager = _lab.Manager(svc);
        await WaitAsync(manager, true, () => manager.State == "started", "timed started");
        var daemon = await AgentLab.ReadPidAsync(svc.Params["pidfile"]);

        // Someone else ends the daemon 400 ms into the stop: the stop is clean once the cgroup is empty, not before.
        manager.Apply(false);
        await Task.Delay(400);
        NativeSignals.Send(daemon, NativeSignals.SigKill);
        await WaitAsync(manager, false, () => manager.State == "stopped" && manager.RunningActions == 0, "timed stopped");

        var view = manager.Views().Single();
        Assert.Equal(0, view.FailCount);
        Assert.False(view.LastStopKilled);
        Assert.NotNull(view.LastStopMs);
        Assert.InRange(view.LastStopMs!.Value, 390, 4000);
        Assert.Equal(view.LastStopMs, view.LongestStopMs);
        Assert.Equal(["start_invoke", "start_ok", "stop_invoke", "stop_ok"], _lab.Ownership("timed"));
    }

    [Fact]
    public async Task Leftovers_of_an_earlier_run_are_killed_at_the_probe_when_the_agent_says_not_running_and_kept_when_it_says_running()
    {
        AgentLab.EnsureResourceAgents();
        var lost = _lab.Detach("lost", TimeSpan.FromSeconds(5));
        var kept = _lab.Detach("kept", TimeSpan.FromSeconds(5));
        int lostDaemon, keptDaemon;
        using (var first = _lab.Manager(lost, kept))
        {
            await WaitAsync(first, true, () => first.State == "started", "both started");
            lostDaemon = await AgentLab.ReadPidAsync(lost.Params["pidfile"]);
            keptDaemon = await AgentLab.ReadPidAsync(kept.Params["pidfile"]);
        }

        // The daemon "restarts": both services still run in their cgroups, but lost's agent has lost track of it.
        File.Delete(lost.Params["state"]);
        Assert.True(ProcessSessions.IsLive(lostDaemon));

        using var second = _lab.Manager(lost, kept);
        await Polling.WaitUntilAsync(() => !second.Probing && second.RunningActions == 0, Ample, "the probe at start finished");

        Assert.False(ProcessSessions.IsLive(lostDaemon));
        Assert.True(_lab.Cgroups.IsEmpty("lost"));
        Assert.True(ProcessSessions.IsLive(keptDaemon), "a resource the agent says runs is left to the lease");
        Assert.Contains(keptDaemon, _lab.Cgroups.Pids("kept"));
        Assert.Equal("stopped", second.Views().Single(v => v.Name == "lost").Status);
        Assert.Equal("started", second.Views().Single(v => v.Name == "kept").Status);
    }

    private static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => _lab.Dispose();
}
