using System.Diagnostics;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;

namespace SplitGuard.Daemon.Resources;

/// <content>The hard kill at the hard deadline.</content>
public sealed partial class ResourceManager
{
    /// <summary>How long <see cref="HardKill(string)"/> waits at most for the killed cgroups to be empty.</summary>
    public static readonly TimeSpan HardKillWait = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The hard deadline passed and the resources are not stopped: kills every resource that may be active here (or
    /// whose cgroup holds processes) at once, whatever its agent is doing. Synchronous, on the caller's thread (the
    /// event loop): freezing and killing a cgroup and deleting an address are a few system calls each, so it returns
    /// in milliseconds (bench/hardkill), and the caller knows the outcome before its next decision. The wait for the
    /// cgroups to empty is bounded by <see cref="HardKillWait"/> (a process in uninterruptible sleep cannot die
    /// sooner; the report says so and the resource is then treated as a failed stop: escalation, else panic).
    /// </summary>
    /// <remarks>
    /// Steps: (1) freeze and SIGKILL each cgroup (v1: FROZEN, kill every pid, THAWED; v2: cgroup.kill): from then on
    /// not even the agent's own stop runs; (2) delete the addresses of address resources (vip, IPaddr2, IPaddr) by
    /// netlink; (3) wait until every cgroup is empty. Each killed resource becomes stopped with a failure (fail count
    /// +1, last error "hard kill"), its ownership log line is <c>stop_killed</c>, and the result of its agent action
    /// still in flight is dropped. Without cgroups only the sessions of its starts are killed, which cannot be
    /// confirmed: the resource is then a failed stop.
    /// </remarks>
    public HardKillReport HardKill(string reason) => HardKill(reason, HardKillWait);

    /// <summary><see cref="HardKill(string)"/> with the wait for empty cgroups given.</summary>
    public HardKillReport HardKill(string reason, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var started = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            var now = _now();
            var targets = new List<(int Group, ResourceState Member)>();
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

            if (targets.Count == 0)
            {
                return new HardKillReport(reason, [], Stopwatch.GetElapsedTime(started));
            }

            // 1. Kill: no waiting yet, so all cgroups die in parallel and the addresses go as early as possible.
            var kills = new Dictionary<string, (int Killed, string? Problem)>(StringComparer.Ordinal);
            foreach (var (_, member) in targets)
            {
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
            var addresses = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (_, member) in targets)
            {
                var (removed, problem) = AddressRemoval.Remove(member.Config);
                addresses[member.Name] = removed;
                if (problem is not null)
                {
                    ResourceLog.AddressNotRemoved(_log, member.Name, problem);
                }
            }

            // 3. Confirm every cgroup empty, within one shared wait.
            var until = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
            var results = new List<ResourceKill>();
            foreach (var (group, member) in targets)
            {
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
                var empty = _cgroups.Enabled && _cgroups.WaitEmpty(member.Name, left > TimeSpan.Zero ? left : TimeSpan.Zero);
                var remaining = empty ? [] : _cgroups.Pids(member.Name);
                var (killed, problem) = kills[member.Name];
                var graceful = member.Pending == AgentAction.Stop && member.PendingSince is { } since ? now - since : TimeSpan.Zero;
                var took = Stopwatch.GetElapsedTime(started);
                results.Add(new ResourceKill(member.Name, killed, addresses[member.Name], empty, remaining, graceful, problem));

                ResourceLog.HardKilled(_log, member.Name, reason, graceful.TotalMilliseconds, took.TotalMilliseconds, killed,
                    addresses[member.Name].Count == 0 ? "none" : string.Join(", ", addresses[member.Name]), empty);
                if (!empty)
                {
                    ResourceLog.HardKillIncomplete(_log, member.Name, remaining.Count == 0 ? "cannot tell (no cgroups)" : string.Join(' ', remaining), problem ?? "the watchdog must act");
                }
                else
                {
                    _sessions.Remove(member.Name);
                }

                _ownership.Write(member.Name, empty ? "stop_killed" : "stop_failed");
                RecordStopTime(member.Name, graceful + took, killed: true);
                Step(group, _groups[group].HardKilled(member.Name, $"{reason} ({killed} process(es) killed{(empty ? string.Empty : ", not confirmed gone")})", empty, _now()));
            }

            var report = new HardKillReport(reason, results, Stopwatch.GetElapsedTime(started));
            ResourceLog.HardKillDone(_log, reason, results.Count, report.Duration.TotalMilliseconds, report.AllEmpty);
            return report;
        }
    }
}
