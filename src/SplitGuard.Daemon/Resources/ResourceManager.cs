using Microsoft.Extensions.Logging;
using SplitGuard.Core.Config;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Cgroups;

namespace SplitGuard.Daemon.Resources;

/// <summary>
/// The shell around Core's <see cref="ResourceGroupState"/>: runs the agent actions the groups ask for (on the
/// thread pool, so <see cref="Apply"/> never blocks the event loop), feeds their results back, writes the ownership
/// log, and escalates failed stops: the processes the resource's starts left in their sessions are killed, the stop
/// is run once more, and a monitor must then say "not running". When that fails too the node is in panic
/// (<see cref="PanicReason"/>): nothing more is done automatically until <see cref="RecoverAsync"/>.
/// Every resource runs in a cgroup of its own (<see cref="CgroupMode"/>): a stop counts only once the agent said
/// stopped and the cgroup is empty, leftovers of an earlier run are killed at the probe, and <see cref="HardKill(string, Action{HardKillReport})"/>
/// empties the cgroups at the hard deadline.
/// </summary>
public sealed partial class ResourceManager : IDisposable
{
    private readonly IAgentRunner _runner;
    private readonly ILogger _log;
    private readonly OwnershipLog _ownership;
    private readonly Func<TimeSpan> _now;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _dispose = new();
    private readonly ResourceGroupState[] _groups;
    private readonly Dictionary<string, HashSet<int>> _sessions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _disabled = new(StringComparer.Ordinal);
    private readonly HashSet<string> _escalating = new(StringComparer.Ordinal);
    private readonly ResourceCgroups _cgroups;
    private readonly TimeSpan? _stopBudget;
    private readonly IReadOnlyList<ResourceConfig> _resources;

    // Bumped by the hard kill: a result of an action begun before it (the agent's stop died with the cgroup) is dropped.
    private readonly Dictionary<string, int> _generation = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StopTimes> _stopTimes = new(StringComparer.Ordinal);
    private int _running;
    private bool _want;
    private bool _probed;

    /// <param name="resources">The resources this node may run.</param>
    /// <param name="runner">Runs the agents; give it the same <paramref name="cgroups"/> (<see cref="AgentRunnerOptions.Cgroups"/>).</param>
    /// <param name="ownership">The ownership log.</param>
    /// <param name="log">The daemon's logger.</param>
    /// <param name="now">The monotonic clock.</param>
    /// <param name="cgroups">The resources' cgroups; null: none (stops are judged by the agent alone, as before cgroups).</param>
    /// <param name="stopBudget">The ownership stop budget: a graceful stop longer than half of it is logged as a warning; null: no check.</param>
    public ResourceManager(IReadOnlyList<ResourceConfig> resources, IAgentRunner runner, OwnershipLog ownership, ILogger log, Func<TimeSpan> now,
        ResourceCgroups? cgroups = null, TimeSpan? stopBudget = null)
    {
        ArgumentNullException.ThrowIfNull(resources);
        _runner = runner;
        _ownership = ownership;
        _log = log;
        _now = now;
        _resources = resources;
        _stopBudget = stopBudget;
        _cgroups = cgroups ?? ResourceCgroups.None("not configured");
        StartConfirmThread();
        if (_cgroups.Prepare(resources.Select(r => r.Name)) is { } problem)
        {
            ResourceLog.CgroupsNotCreated(_log, problem);
        }

        if (_cgroups.Enabled)
        {
            ResourceLog.CgroupsOn(_log, _cgroups.Mode, _cgroups.Node);
        }
        else if (cgroups is not null)
        {
            ResourceLog.CgroupsOff(_log, _cgroups.Mode);
        }

        // Every member starts unknown and is probed at once, as Pacemaker does: a resource already running here (left
        // by a previous run, or started by hand) is found before the lease says anything. Probing also warms up the
        // agent path, so the first real start after a takeover is not slowed by loading code.
        _groups = ResourceGroups.Build(resources).Select(ResourceGroupState.Create).ToArray();
        lock (_gate)
        {
            for (var i = 0; i < _groups.Length; i++)
            {
                Step(i, _groups[i].Probe(_now()));
            }
        }
    }

    /// <summary>Which cgroups the resources run in: "v2", "v1 (freezer+pids)", or "none: why".</summary>
    public string CgroupMode => _cgroups.Mode;

    /// <summary>Agent actions (and escalations) still in flight, including those whose result a hard kill made moot.</summary>
    public int RunningActions
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>Why the node is in panic (a stop failed and escalation could not confirm it stopped), or null.</summary>
    public string? PanicReason { get; private set; }

    /// <summary>
    /// True while any resource may be running here: starting, started, stopping, failed, or probed and found running.
    /// A member still being probed at daemon start does not count (it would make a peer that owns the group stop).
    /// </summary>
    public bool Active
    {
        get
        {
            lock (_gate)
            {
                return _groups.Any(g => g.Members.Any(m => m.StopFailed || m.Status is ResourceStatus.Starting or ResourceStatus.Started
                    or ResourceStatus.Stopping or ResourceStatus.Failed));
            }
        }
    }

    /// <summary>True while the probe at start has not yet told whether every resource runs here (later probes, after a cleanup, do not count).</summary>
    public bool Probing
    {
        get
        {
            lock (_gate)
            {
                if (!_probed)
                {
                    _probed = !_groups.Any(g => g.Members.Any(m => m.Status == ResourceStatus.Unknown));
                }

                return !_probed;
            }
        }
    }

    /// <summary>True when some group reached its migration threshold here: the node must give the groups away.</summary>
    public bool NeedsMove
    {
        get
        {
            lock (_gate)
            {
                return _groups.Any(g => g.NeedsMove);
            }
        }
    }

    /// <summary>One word for all groups: started, stopped, starting, stopping, probing, failed or panic.</summary>
    public string State
    {
        get
        {
            lock (_gate)
            {
                if (PanicReason is not null)
                {
                    return "panic";
                }

                if (_groups.Any(g => g.IsBlocked || g.Members.Any(m => m.Status == ResourceStatus.Failed)))
                {
                    return "failed";
                }

                if (_groups.Any(g => g.Members.Any(m => m.Status == ResourceStatus.Unknown)))
                {
                    return "probing";
                }

                if (_groups.All(g => g.IsStopped))
                {
                    return "stopped";
                }

                if (_want && _groups.All(g => g.IsStarted || _disabled.Contains(g.Name)))
                {
                    return "started";
                }

                return _want ? "starting" : "stopping";
            }
        }
    }

    /// <summary>Failures counted on this node since the last cleanup, over all resources.</summary>
    public int Failures
    {
        get
        {
            lock (_gate)
            {
                return _groups.Sum(g => g.Members.Sum(m => m.FailCount));
            }
        }
    }

    /// <summary>A snapshot of every resource for status: name, group, status, fail count, last error.</summary>
    public IReadOnlyList<ResourceView> Views()
    {
        lock (_gate)
        {
            return _groups.SelectMany(g => g.Members.Select(m =>
            {
                var times = _stopTimes.GetValueOrDefault(m.Name);
                return new ResourceView(
                    m.Name, g.Name, m.Status.ToString().ToLowerInvariant(), m.FailCount, m.Config.MigrationThreshold, m.StopFailed,
                    _disabled.Contains(g.Name), m.Pending?.ToString().ToLowerInvariant(), m.LastError)
                {
                    LastStopMs = times?.Last.TotalMilliseconds,
                    LongestStopMs = times?.Longest.TotalMilliseconds,
                    LastStopKilled = times?.LastKilled ?? false,
                };
            })).ToList();
        }
    }

    /// <summary>True when <paramref name="resource"/> is configured here.</summary>
    public bool Knows(string resource) => _groups.Any(g => g.Contains(resource));

    /// <summary>Every configured resource name, for error messages.</summary>
    public IEnumerable<string> Names => _groups.SelectMany(g => g.Members.Select(m => m.Name));

    /// <summary>Makes the groups follow <paramref name="run"/> (the lease's verdict) and runs due monitors; called on every decision.</summary>
    public void Apply(bool run)
    {
        lock (_gate)
        {
            _want = run;
            if (PanicReason is not null)
            {
                return; // panic: no automatic action until recover
            }

            var now = _now();
            for (var i = 0; i < _groups.Length; i++)
            {
                var group = _groups[i];
                var goal = run && !_disabled.Contains(group.Name) ? ResourceGoal.Started : ResourceGoal.Stopped;
                Step(i, goal != group.Goal ? (goal == ResourceGoal.Started ? group.Start(now) : group.Stop(now)) : group.Tick(now));
            }
        }
    }

    /// <summary><c>resource cleanup</c>: forgets the failures of <paramref name="resource"/> (null: all); failed members are probed again.</summary>
    public void Cleanup(string? resource)
    {
        lock (_gate)
        {
            var now = _now();
            for (var i = 0; i < _groups.Length; i++)
            {
                if (resource is null || _groups[i].Contains(resource))
                {
                    Step(i, _groups[i].Cleanup(resource, now));
                }
            }
        }
    }

    /// <summary><c>resource stop</c> / <c>resource start</c>: keeps the group of <paramref name="resource"/> stopped here, or lets it run again.</summary>
    public string SetDisabled(string resource, bool disabled)
    {
        lock (_gate)
        {
            var group = _groups.First(g => g.Contains(resource)).Name;
            bool changed = disabled ? _disabled.Add(group) : _disabled.Remove(group);
            return changed ? group : string.Empty;
        }
    }

    /// <summary>Stops everything and waits (daemon shutdown).</summary>
    public void StopAndWait(TimeSpan timeout)
    {
        Apply(false);
        var until = _now() + timeout;
        while (_now() < until)
        {
            lock (_gate)
            {
                if (_running == 0 && (PanicReason is not null || _groups.All(g => g.IsStopped || g.IsBlocked)))
                {
                    return;
                }
            }

            Apply(false);
            Thread.Sleep(10);
        }
    }

    /// <summary>
    /// Reload: each resource that is also in <paramref name="file"/> takes that one's run-time settings
    /// (<see cref="ConfigChanges.WithRuntimeSettings"/>: monitor interval, fail limit, start and monitor timeouts); nothing
    /// is stopped or started for it, and an action already running finishes under its old timeout. Returns the names of
    /// the resources whose settings changed.
    /// </summary>
    public IReadOnlyList<string> Reconfigure(IReadOnlyList<ResourceConfig> file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var byName = file.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var changed = new List<string>();
        lock (_gate)
        {
            for (var i = 0; i < _groups.Length; i++)
            {
                var members = _groups[i].Members.Select(m =>
                {
                    if (!byName.TryGetValue(m.Name, out var newer))
                    {
                        return m;
                    }

                    var config = ConfigChanges.WithRuntimeSettings(m.Config, newer);
                    if (config == m.Config)
                    {
                        return m;
                    }

                    changed.Add(m.Name);
                    return m with { Config = config };
                }).ToList();
                _groups[i] = _groups[i] with { Members = members };
            }
        }

        return changed;
    }

    /// <summary>Carries out one step: the new state, then its effects (under the lock).</summary>
    private void Step(int index, GroupStep step)
    {
        _groups[index] = step.State;
        foreach (var effect in step.Effects)
        {
            switch (effect.Kind)
            {
                case ResourceEffectKind.RunAgent:
                    Run(index, effect);
                    break;
                case ResourceEffectKind.Started or ResourceEffectKind.Stopped:
                    ResourceLog.StateChanged(_log, effect.Resource, effect.Message);
                    break;
                case ResourceEffectKind.Failed:
                    ResourceLog.Failed(_log, effect.Resource, effect.Message);
                    break;
                case ResourceEffectKind.NeedsMove:
                    ResourceLog.MustMove(_log, effect.Resource, effect.Message);
                    break;
                case ResourceEffectKind.StopFailed:
                    ResourceLog.StopFailed(_log, effect.Resource, effect.Message);
                    if (_escalating.Add(effect.Resource))
                    {
                        var resource = _groups[index].Member(effect.Resource).Config;
                        _running++;
                        _ = Task.Run(() => EscalateAsync(index, resource));
                    }

                    break;
                default:
                    break;
            }
        }
    }

    private void Run(int index, ResourceEffect effect)
    {
        var resource = _groups[index].Member(effect.Resource).Config;
        var action = effect.Action!.Value;
        if (_killing.Contains(resource.Name))
        {
            // Hard-killed, not yet confirmed empty: nothing of it runs; the confirmation clears the pending action.
            return;
        }

        bool probe = action == AgentAction.Monitor && _groups[index].Member(effect.Resource).Status == ResourceStatus.Unknown;
        if (action == AgentAction.Start)
        {
            _ownership.Write(resource.Name, "start_invoke");
        }
        else if (action == AgentAction.Stop)
        {
            _ownership.Write(resource.Name, "stop_invoke");
        }

        _running++;
        var generation = _generation.GetValueOrDefault(resource.Name);
        var begun = _now();
        _ = Task.Run(async () =>
        {
            var result = await _runner.RunAsync(resource, action, effect.Timeout, action == AgentAction.Stop ? CancellationToken.None : _dispose.Token);
            if (action == AgentAction.Stop)
            {
                result = ConfirmEmpty(resource, effect.Timeout, result);
            }
            else if (probe && result.Status == AgentStatus.NotRunning)
            {
                KillLeftovers(resource);
            }

            lock (_gate)
            {
                _running--;
                if (generation != _generation.GetValueOrDefault(resource.Name))
                {
                    // Hard-killed meanwhile: this action died with the cgroup (or is moot); the kill already decided.
                    return;
                }

                if (action == AgentAction.Stop)
                {
                    RecordStopTime(resource.Name, _now() - begun, killed: false);
                }

                Record(resource, action, probe, result);
                if (!_dispose.IsCancellationRequested)
                {
                    Step(index, _groups[index].OnResult(result, _now()));
                }
            }
        });
    }

    /// <summary>
    /// A stop the agent calls successful counts only once the resource's cgroup is empty. What the agent left there
    /// (a helper it started in the background, a child its stop did not wait for) gets SIGTERM at once, as systemd
    /// does after ExecStop; then the wait for the empty cgroup goes on up to what is left of the stop timeout; a cgroup
    /// still populated then turns the result into a failed stop (escalation: SIGKILL).
    /// </summary>
    private AgentResult ConfirmEmpty(ResourceConfig resource, TimeSpan timeout, AgentResult result)
    {
        if (!_cgroups.Enabled || result.Status is not (AgentStatus.Ok or AgentStatus.NotRunning))
        {
            return result;
        }

        var signalled = _cgroups.Pids(resource.Name).Where(ProcessGroups.TerminateProcess).ToList();
        if (signalled.Count > 0)
        {
            ResourceLog.StopLeftovers(_log, resource.Name, signalled.Count, string.Join(' ', signalled.Take(10)));
        }

        var left = timeout - result.Duration;
        if (_cgroups.WaitEmpty(resource.Name, left > TimeSpan.Zero ? left : TimeSpan.Zero))
        {
            return result;
        }

        var pids = _cgroups.Pids(resource.Name);
        if (pids.Count == 0)
        {
            return result; // emptied just now
        }

        ResourceLog.StopLeftProcesses(_log, resource.Name, pids.Count, string.Join(' ', pids.Take(10)), Math.Max(0, left.TotalMilliseconds));
        return result with
        {
            Status = AgentStatus.GenericError,
            Message = $"{result.Message}; but {pids.Count} process(es) stayed in its cgroup until the stop timeout",
        };
    }

    /// <summary>The probe says not running but the cgroup holds processes (an earlier run's): they are killed.</summary>
    private void KillLeftovers(ResourceConfig resource)
    {
        var pids = _cgroups.Pids(resource.Name);
        if (pids.Count == 0)
        {
            return;
        }

        var kill = _cgroups.Kill(resource.Name, TimeSpan.FromSeconds(1));
        ResourceLog.Leftovers(_log, resource.Name, pids.Count, string.Join(' ', pids.Take(10)), kill?.Empty ?? false);
    }

    /// <summary>Keeps the last and longest stop of <paramref name="resource"/>; warns about one above half the stop budget.</summary>
    private void RecordStopTime(string resource, TimeSpan took, bool killed)
    {
        var before = _stopTimes.GetValueOrDefault(resource);
        _stopTimes[resource] = new StopTimes(took, before is null || took > before.Longest ? took : before.Longest, killed);
        if (!killed && _stopBudget is { } budget && took > budget / 2)
        {
            ResourceLog.SlowStop(_log, resource, took.TotalMilliseconds, budget.TotalMilliseconds);
        }
    }

    private sealed record StopTimes(TimeSpan Last, TimeSpan Longest, bool LastKilled);

    private void Record(ResourceConfig resource, AgentAction action, bool probe, AgentResult result)
    {
        switch (action)
        {
            case AgentAction.Start:
                if (result.ProcessGroup is { } session)
                {
                    lock (_gate)
                    {
                        if (!_sessions.TryGetValue(resource.Name, out var set))
                        {
                            _sessions[resource.Name] = set = [];
                        }

                        set.Add(session);
                    }
                }

                _ownership.Write(resource.Name, result.Succeeded ? "start_ok" : "start_failed");
                if (result.Succeeded)
                {
                    ResourceLog.Started(_log, resource.Name, result.Duration.TotalMilliseconds);
                }
                else
                {
                    ResourceLog.StartFailed(_log, resource.Name, result.Message);
                }

                break;
            case AgentAction.Stop:
                _ownership.Write(resource.Name, result.Succeeded ? "stop_ok" : "stop_failed");
                break;
            case AgentAction.Monitor when probe && result.Succeeded:
                ResourceLog.FoundRunning(_log, resource.Name);
                break;
            default:
                break;
        }
    }

    /// <summary>Stops feeding results back and removes the resources' cgroups that are empty (a resource left running keeps its own).</summary>
    public void Dispose()
    {
        _dispose.Cancel();
        _confirmations.CompleteAdding();
        foreach (var resource in _resources)
        {
            if (_cgroups.IsEmpty(resource.Name) && !_cgroups.Remove(resource.Name))
            {
                ResourceLog.CgroupNotRemoved(_log, resource.Name);
            }
        }
    }
}
