using Microsoft.Extensions.Logging;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;

namespace SplitGuard.Daemon.Resources;

/// <summary>
/// Runs the exclusive resources of one cluster on this node as one ordered group: started in config order when the
/// lease says run, stopped in reverse when it says stop, monitored while started (a failed monitor restarts the group
/// in place). Operations run on the thread pool; <see cref="Apply"/> never blocks the event loop.
/// </summary>
public sealed class ResourceManager : IDisposable
{
    private readonly IReadOnlyList<ResourceConfig> _resources;
    private readonly IAgentRunner _runner;
    private readonly ILogger _log;
    private readonly OwnershipLog _ownership;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _dispose = new();
    private Phase _phase = Phase.Stopped;
    private bool _want;
    private Task _work = Task.CompletedTask;
    private DateTime _nextMonitor = DateTime.MaxValue;

    public ResourceManager(IReadOnlyList<ResourceConfig> resources, IAgentRunner runner, OwnershipLog ownership, ILogger log)
    {
        _resources = resources;
        _runner = runner;
        _ownership = ownership;
        _log = log;

        // Probe first, as Pacemaker does: a resource already running here (left by a previous run, or started by
        // hand) counts as active until the lease says what to do with it. This also warms up the agent path, so the
        // first real start after a takeover is not slowed by loading code.
        // While probing, the state stays "stopped" (announcing "running" would make a peer that owns the resources stop
        // them whenever this node starts); only a probe that finds something running changes it.
        _work = Task.Run(ProbeAll);
    }

    private async Task ProbeAll()
    {
        var running = new List<string>();
        foreach (var resource in _resources)
        {
            var result = await _runner.RunAsync(resource, AgentAction.Monitor, resource.Timeouts.Monitor, _dispose.Token);
            if (result.Succeeded)
            {
                running.Add(resource.Name);
            }
            else if (result.Status != AgentStatus.NotRunning)
            {
                _log.LogWarning("resource {Resource}: probe at start failed ({Message}); treating it as possibly running", resource.Name, result.Message);
                running.Add(resource.Name);
            }
        }

        if (running.Count > 0)
        {
            _log.LogWarning("probe at start: {Resources} already running (or unknown) here; the lease decides whether they stay", string.Join(", ", running));
            Finish(Phase.Failed);
            return;
        }

        Finish(Phase.Stopped);
    }

    private enum Phase
    {
        Stopped,
        Starting,
        Started,
        Stopping,
        Failed,
    }

    /// <summary>True while any resource may be running here (starting, started, stopping, or a stop that failed).</summary>
    public bool Active
    {
        get
        {
            lock (_gate)
            {
                return _phase != Phase.Stopped;
            }
        }
    }

    public string State
    {
        get
        {
            lock (_gate)
            {
                return _phase.ToString().ToLowerInvariant();
            }
        }
    }

    public int Failures { get; private set; }

    /// <summary>Makes the resources follow <paramref name="run"/>; called on every decision.</summary>
    public void Apply(bool run)
    {
        lock (_gate)
        {
            _want = run;
            if (!_work.IsCompleted)
            {
                return; // the running operation re-checks _want when it ends
            }

            if (run && _phase == Phase.Stopped)
            {
                _phase = Phase.Starting;
                _work = Task.Run(StartAll);
            }
            else if (run && _phase == Phase.Failed)
            {
                // Something may run here in an unknown state (probe at start, a failed stop): stop it cleanly, then start.
                _phase = Phase.Stopping;
                _work = Task.Run(() => StopAll("clearing an unknown state before starting"));
            }
            else if (!run && _phase is Phase.Started or Phase.Failed)
            {
                _phase = Phase.Stopping;
                _work = Task.Run(() => StopAll("the lease says stop"));
            }
            else if (run && _phase == Phase.Started && DateTime.UtcNow >= _nextMonitor)
            {
                _work = Task.Run(MonitorAll);
            }
        }
    }

    /// <summary>Stops everything and waits (daemon shutdown).</summary>
    public void StopAndWait(TimeSpan timeout)
    {
        Task work;
        lock (_gate)
        {
            _want = false;
            work = _work;
        }

        work.Wait(timeout);
        lock (_gate)
        {
            if (_phase == Phase.Stopped)
            {
                return;
            }

            _phase = Phase.Stopping;
            _work = Task.Run(() => StopAll("the daemon stops"));
            work = _work;
        }

        work.Wait(timeout);
    }

    private async Task StartAll()
    {
        var started = new List<ResourceConfig>();
        foreach (var resource in _resources)
        {
            if (!Want())
            {
                break;
            }

            _ownership.Write(resource.Name, "start_invoke");
            var result = await _runner.RunAsync(resource, AgentAction.Start, resource.Timeouts.Start, _dispose.Token);
            if (!result.Succeeded)
            {
                _ownership.Write(resource.Name, "start_failed");
                _log.LogError("resource {Resource}: start failed: {Message}", resource.Name, result.Message);
                Failures++;
                started.Add(resource); // a failed start may have left something running: stop it too
                await StopList(started, "start failed");
                Finish(Phase.Stopped);
                return;
            }

            _ownership.Write(resource.Name, "start_ok");
            _log.LogInformation("resource {Resource} started ({Ms:0} ms)", resource.Name, result.Duration.TotalMilliseconds);
            started.Add(resource);
        }

        if (started.Count < _resources.Count)
        {
            await StopList(started, "the lease was lost while starting");
            Finish(Phase.Stopped);
            return;
        }

        Finish(Phase.Started);
    }

    private async Task StopAll(string why)
    {
        bool ok = await StopList(_resources, why);
        Finish(ok ? Phase.Stopped : Phase.Failed);
    }

    private async Task<bool> StopList(IReadOnlyList<ResourceConfig> resources, string why)
    {
        bool ok = true;
        for (int i = resources.Count - 1; i >= 0; i--)
        {
            var resource = resources[i];
            _ownership.Write(resource.Name, "stop_invoke");
            var result = await _runner.RunAsync(resource, AgentAction.Stop, resource.Timeouts.Stop, CancellationToken.None);
            if (result.Succeeded)
            {
                _ownership.Write(resource.Name, "stop_ok");
                _log.LogInformation("resource {Resource} stopped ({Why})", resource.Name, why);
            }
            else
            {
                _ownership.Write(resource.Name, "stop_failed");
                _log.LogCritical("resource {Resource}: STOP FAILED ({Message}); it may still run here", resource.Name, result.Message);
                ok = false;
            }
        }

        return ok;
    }

    private async Task MonitorAll()
    {
        foreach (var resource in _resources)
        {
            var result = await _runner.RunAsync(resource, AgentAction.Monitor, resource.Timeouts.Monitor, _dispose.Token);
            if (!result.Succeeded)
            {
                Failures++;
                _log.LogWarning("resource {Resource}: monitor failed ({Message}); restarting the group in place", resource.Name, result.Message);
                lock (_gate)
                {
                    _phase = Phase.Stopping;
                }

                await StopAll("monitor failed");
                return;
            }
        }

        lock (_gate)
        {
            _nextMonitor = DateTime.UtcNow + (_resources.Count == 0 ? TimeSpan.FromSeconds(10) : _resources.Min(r => r.MonitorInterval));
        }
    }

    private bool Want()
    {
        lock (_gate)
        {
            return _want;
        }
    }

    private void Finish(Phase phase)
    {
        lock (_gate)
        {
            _phase = phase;
            if (phase == Phase.Started)
            {
                _nextMonitor = DateTime.UtcNow + (_resources.Count == 0 ? TimeSpan.FromSeconds(10) : _resources.Min(r => r.MonitorInterval));
            }
        }
    }

    public void Dispose() => _dispose.Cancel();
}
