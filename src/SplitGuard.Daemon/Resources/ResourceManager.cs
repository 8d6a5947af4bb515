using Microsoft.Extensions.Logging;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;

namespace SplitGuard.Daemon.Resources;

/// <summary>
/// The shell around Core's <see cref="ResourceGroupState"/>: runs the agent actions the groups ask for (on the
/// thread pool, so <see cref="Apply"/> never blocks the event loop), feeds their results back, writes the ownership
/// log, and escalates failed stops: the processes the resource's starts left in their sessions are killed, the stop
/// is run once more, and a monitor must then say "not running". When that fails too the node is in panic
/// (<see cref="PanicReason"/>): nothing more is done automatically until <see cref="RecoverAsync"/>.
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
    private int _running;
    private bool _want;
    private bool _probed;

    public ResourceManager(IReadOnlyList<ResourceConfig> resources, IAgentRunner runner, OwnershipLog ownership, ILogger log, Func<TimeSpan> now)
    {
        _runner = runner;
        _ownership = ownership;
        _log = log;
        _now = now;

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
            return _groups.SelectMany(g => g.Members.Select(m => new ResourceView(
                m.Name, g.Name, m.Status.ToString().ToLowerInvariant(), m.FailCount, m.Config.MigrationThreshold, m.StopFailed,
                _disabled.Contains(g.Name), m.Pending?.ToString().ToLowerInvariant(), m.LastError))).ToList();
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
                    _log.LogInformation("resource {Resource}: {Message}", effect.Resource, effect.Message);
                    break;
                case ResourceEffectKind.Failed:
                    _log.LogWarning("resource {Resource}: {Message}", effect.Resource, effect.Message);
                    break;
                case ResourceEffectKind.NeedsMove:
                    _log.LogError("resource {Resource}: {Message}; this node gives the resources up until `splitguard resource cleanup`", effect.Resource, effect.Message);
                    break;
                case ResourceEffectKind.StopFailed:
                    _log.LogCritical("resource {Resource}: STOP FAILED ({Message}); escalating: killing its processes", effect.Resource, effect.Message);
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
        _ = Task.Run(async () =>
        {
            var result = await _runner.RunAsync(resource, action, effect.Timeout, action == AgentAction.Stop ? CancellationToken.None : _dispose.Token);
            Record(resource, action, probe, result);
            lock (_gate)
            {
                _running--;
                if (!_dispose.IsCancellationRequested)
                {
                    Step(index, _groups[index].OnResult(result, _now()));
                }
            }
        });
    }

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
                    _log.LogInformation("resource {Resource} started ({Ms:0} ms)", resource.Name, result.Duration.TotalMilliseconds);
                }
                else
                {
                    _log.LogError("resource {Resource}: start failed: {Message}", resource.Name, result.Message);
                }

                break;
            case AgentAction.Stop:
                _ownership.Write(resource.Name, result.Succeeded ? "stop_ok" : "stop_failed");
                break;
            case AgentAction.Monitor when probe && result.Succeeded:
                _log.LogWarning("resource {Resource}: the probe at start found it running here; the lease decides whether it stays", resource.Name);
                break;
            default:
                break;
        }
    }

    public void Dispose() => _dispose.Cancel();
}
