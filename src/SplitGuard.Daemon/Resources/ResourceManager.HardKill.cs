using System.Diagnostics;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;

namespace SplitGuard.Daemon.Resources;

/// <content>The hard kill at the hard deadline.</content>
public sealed partial class ResourceManager
{
    /// <summary>How long the confirmation waits at most for the killed cgroups to be empty.</summary>
    public static readonly TimeSpan HardKillWait = TimeSpan.FromSeconds(1);

    // Resources killed and not yet confirmed empty: no new agent action of theirs starts meanwhile.
    private readonly HashSet<string> _killing = new(StringComparer.Ordinal);

    // The confirmations run on one thread of their own, started with the manager: starting a thread at the kill took
    // up to 60 ms on the busy 2-core lab host (Thread.Start waits for it to run), and the thread pool may be busy with
    // agent actions.
    private readonly System.Collections.Concurrent.BlockingCollection<Action> _confirmations = [];
    private Thread? _confirmThread;

    /// <summary>
    /// The hard deadline passed and the resources are not stopped: kills every resource that may be active here (or
    /// whose cgroup holds processes), whatever its agent is doing, in two parts.
    /// <list type="number">
    /// <item>Synchronously, on the caller's thread (the event loop): SIGKILL to every process of each cgroup (see
    /// <see cref="Cgroups.CgroupV1Backend"/>, <see cref="Cgroups.CgroupV2Backend"/>), then the addresses of address
    /// resources (vip, IPaddr2, IPaddr) deleted by netlink. A few system calls per process and address: about a
    /// millisecond for 100 processes (bench/hardkill), and the address is gone when this returns.</item>
    /// <item>On a dedicated thread: waiting until the cgroups are empty, at most <see cref="HardKillWait"/>. The kernel
    /// tears the killed processes down in the background, and on a busy 2-core host that took tens of milliseconds for
    /// 100 processes: too long to hold the event loop, whose heartbeats must go on. Then each resource becomes stopped
    /// with a failure (fail count +1, last error "hard kill"), the ownership log says <c>stop_killed</c>, and
    /// <paramref name="confirmed"/> gets the final report (on that thread, outside the manager's lock). A cgroup that does not empty (a process in
    /// uninterruptible sleep: D state) is a failed stop instead (escalation, else panic) and is logged critical.</item>
    /// </list>
    /// Until the confirmation, the resources stay as they were (active), no new agent action of theirs starts, and
    /// results of actions begun before the kill (the agent's own stop, which died with the cgroup) are dropped. A
    /// second call while one is unconfirmed, or after <see cref="Dispose"/>, kills nothing and returns an empty report.
    /// </summary>
    public HardKillReport HardKill(string reason, Action<HardKillReport>? confirmed = null)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var started = Stopwatch.GetTimestamp();
        List<(int Group, ResourceState Member)> targets;
        List<ResourceKill> first;
        lock (_gate)
        {
            var now = _now();
            targets = [];
            if (_killing.Count == 0 && !_dispose.IsCancellationRequested)
            {
                for (var i = 0; i < _groups.Length; i++)
                {
                    foreach (var member in _groups[i].Members)
                    {
                        var mayRun = member.Status != ResourceStatus.Stopped || member.Pending is not null || member.StopFailed;
                        if (mayRun || !_cgroups.IsEmpty(member.Name))
                        {
                            targets.Add((i, member));
                        }
                    }
                }
            }

            if (targets.Count == 0)
            {
                var none = new HardKillReport(reason, [], Stopwatch.GetElapsedTime(started), Confirmed: true);
                confirmed?.Invoke(none);
                return none with { Confirmed = false };
            }

            if (!_cgroups.Enabled)
            {
                return KillWithoutCgroups(reason, targets, now, started, confirmed);
            }

            // 1. SIGKILL, every cgroup before any address: from here on not even the agent's stop can add one back.
            var kills = new Dictionary<string, (int Killed, string? Problem)>(StringComparer.Ordinal);
            foreach (var (_, member) in targets)
            {
                _killing.Add(member.Name);
                _generation[member.Name] = _generation.GetValueOrDefault(member.Name) + 1;
                if (_cgroups.Kill(member.Name, TimeSpan.Zero) is { } kill)
                {
                    kills[member.Name] = (kill.Killed, kill.Problem);
                }
                else
                {
                    int[] sessions = _sessions.TryGetValue(member.Name, out var set) ? [.. set] : [];
                    kills[member.Name] = (ProcessSessions.KillAll(sessions, TimeSpan.Zero), "no cgroups: only its start sessions were killed");
                }
            }

            // 2. Addresses, while the processes die.
            first = [];
            foreach (var (_, member) in targets)
            {
                var (removed, problem) = AddressRemoval.Remove(member.Config);
                if (problem is not null)
                {
                    ResourceLog.AddressNotRemoved(_log, member.Name, problem);
                }

                var (killed, killProblem) = kills[member.Name];
                var graceful = member.Pending == AgentAction.Stop && member.PendingSince is { } since ? now - since : TimeSpan.Zero;
                var empty = _cgroups.Enabled && _cgroups.IsEmpty(member.Name);
                first.Add(new ResourceKill(member.Name, killed, removed, empty, [], graceful, killProblem ?? problem));
            }
        }

        // Ownership ended here: every process has SIGKILL pending (it never runs user code again) and the addresses are
        // gone. The stop_killed lines carry this time, though written once the cgroups are confirmed empty.
        var killedAt = DateTime.UtcNow;
        var report = new HardKillReport(reason, first, Stopwatch.GetElapsedTime(started), Confirmed: false);
        _confirmations.Add(() => Confirm(report, targets, started, killedAt, confirmed));
        return report;
    }

    /// <summary>
    /// Without cgroups (<see cref="CgroupMode"/> "none"), as before cgroups: what a kill can reach is killed (the
    /// sessions of the resources' starts) and the addresses are deleted, but nothing can confirm the resources gone, so
    /// their states are left to their agents' stops, which go on (their results are not dropped).
    /// </summary>
    private HardKillReport KillWithoutCgroups(string reason, List<(int Group, ResourceState Member)> targets, TimeSpan now, long started, Action<HardKillReport>? confirmed)
    {
        var results = new List<ResourceKill>();
        foreach (var (_, member) in targets)
        {
            int[] sessions = _sessions.TryGetValue(member.Name, out var set) ? [.. set] : [];
            var killed = ProcessSessions.KillAll(sessions, TimeSpan.Zero);
            var (removed, problem) = AddressRemoval.Remove(member.Config);
            if (problem is not null)
            {
                ResourceLog.AddressNotRemoved(_log, member.Name, problem);
            }

            var graceful = member.Pending == AgentAction.Stop && member.PendingSince is { } since ? now - since : TimeSpan.Zero;
            results.Add(new ResourceKill(member.Name, killed, removed, false, [], graceful, $"no cgroups ({_cgroups.Mode}): only its start sessions were killed; its stop goes on"));
            ResourceLog.HardKilled(_log, member.Name, reason, graceful.TotalMilliseconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds, killed,
                removed.Count == 0 ? "none" : string.Join(", ", removed), false);
        }

        var report = new HardKillReport(reason, results, Stopwatch.GetElapsedTime(started), Confirmed: false);
        ResourceLog.HardKillDone(_log, reason, results.Count, report.Duration.TotalMilliseconds, report.Duration.TotalMilliseconds, false);
        if (confirmed is not null)
        {
            _confirmations.Add(() => confirmed(report with { Confirmed = true }));
        }

        return report;
    }

    /// <summary>
    /// <see cref="HardKill(string, Action{HardKillReport})"/> whose task completes with the confirmed report (for tests
    /// and tools; the daemon uses the callback).
    /// </summary>
    public Task<HardKillReport> HardKillAsync(string reason)
    {
        var done = new TaskCompletionSource<HardKillReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        HardKill(reason, r => done.TrySetResult(r));
        return done.Task;
    }

    /// <summary>Starts the thread that runs the confirmations (from the constructor).</summary>
    private void StartConfirmThread()
    {
        _confirmThread = new Thread(() =>
        {
            foreach (var confirmation in _confirmations.GetConsumingEnumerable())
            {
                confirmation();
            }
        })
        { IsBackground = true, Name = "splitguard hard kill" };
        _confirmThread.Start();
    }

    /// <summary>The second part, on its own thread: wait for the cgroups to be empty, then update the state machines.</summary>
    private void Confirm(HardKillReport report, List<(int Group, ResourceState Member)> targets, long started, DateTime killedAt, Action<HardKillReport>? confirmed)
    {
        var until = Stopwatch.GetTimestamp() + (long)(HardKillWait.TotalSeconds * Stopwatch.Frequency);
        var empties = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var kill in report.Resources)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
            empties[kill.Resource] = _cgroups.Enabled && _cgroups.WaitEmpty(kill.Resource, left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }

        var took = Stopwatch.GetElapsedTime(started);
        var results = new List<ResourceKill>();
        lock (_gate)
        {
            foreach (var kill in report.Resources)
            {
                var (group, _) = targets.First(t => t.Member.Name == kill.Resource);
                var empty = empties[kill.Resource];
                var remaining = empty ? [] : _cgroups.Pids(kill.Resource);
                results.Add(kill with { Empty = empty, Remaining = remaining });
                _killing.Remove(kill.Resource);
                if (_dispose.IsCancellationRequested)
                {
                    continue;
                }

                ResourceLog.HardKilled(_log, kill.Resource, report.Reason, kill.Graceful.TotalMilliseconds, took.TotalMilliseconds, kill.Killed,
                    kill.Addresses.Count == 0 ? "none" : string.Join(", ", kill.Addresses), empty);
                if (!empty)
                {
                    ResourceLog.HardKillIncomplete(_log, kill.Resource, remaining.Count == 0 ? "cannot tell (no cgroups)" : string.Join(' ', remaining),
                        kill.Problem ?? "the watchdog must act");
                }
                else
                {
                    _sessions.Remove(kill.Resource);
                }

                _ownership.Write(kill.Resource, empty ? "stop_killed" : "stop_failed", empty ? killedAt : null);
                RecordStopTime(kill.Resource, kill.Graceful + took, killed: true);
                var why = $"{report.Reason} ({kill.Killed} process(es) killed{(empty ? string.Empty : ", not confirmed gone")})";
                Step(group, _groups[group].HardKilled(kill.Resource, why, empty, _now()));
            }

        }

        var final = new HardKillReport(report.Reason, results, took, Confirmed: true);
        ResourceLog.HardKillDone(_log, report.Reason, results.Count, report.Duration.TotalMilliseconds, took.TotalMilliseconds, final.AllEmpty);

        // Outside the lock: the callback may ask the manager anything.
        confirmed?.Invoke(final);
    }
}
