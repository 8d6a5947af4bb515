using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;

namespace SplitGuard.Daemon.Resources;

/// <content>Escalation of a failed stop, panic, and <c>splitguard recover</c>.</content>
public sealed partial class ResourceManager
{
    /// <summary>
    /// A stop failed or timed out: kill what the resource's starts left running, run the stop once more, then ask the
    /// agent. Not running: the resource is confirmed stopped. Anything else: panic.
    /// </summary>
    private async Task EscalateAsync(int index, ResourceConfig resource)
    {
        var (stopped, detail) = await KillAndVerifyAsync(resource);
        lock (_gate)
        {
            _running--;
            _escalating.Remove(resource.Name);
            if (_dispose.IsCancellationRequested)
            {
                return;
            }

            if (stopped)
            {
                ResourceLog.EscalationWorked(_log, resource.Name, detail);
                Step(index, _groups[index].ConfirmStopped(resource.Name, "escalation: " + detail, _now()));
                return;
            }

            PanicReason ??= $"resource {resource.Name} could not be stopped: {detail}";
            // The PANIC line itself (1400, critical) is the node policy's, once, on its next pass.
            ResourceLog.EscalationFailed(_log, resource.Name, detail);
        }
    }

    /// <summary>Kills the sessions the resource's starts ran in, runs stop once more, then monitor; true when it says not running.</summary>
    private async Task<(bool Stopped, string Detail)> KillAndVerifyAsync(ResourceConfig resource)
    {
        int[] sessions;
        lock (_gate)
        {
            sessions = _sessions.TryGetValue(resource.Name, out var set) ? [.. set] : [];
        }

        var killed = ProcessSessions.KillAll(sessions, TimeSpan.FromSeconds(2));
        var cgroup = _cgroups.Kill(resource.Name, TimeSpan.FromSeconds(2));
        _ownership.Write(resource.Name, "stop_invoke");
        var stop = await _runner.RunAsync(resource, AgentAction.Stop, resource.Timeouts.Stop, CancellationToken.None);
        var monitor = await _runner.RunAsync(resource, AgentAction.Monitor, resource.Timeouts.Monitor, CancellationToken.None);

        // The stop and monitor just run live in the cgroup too; what they leave must be gone as well.
        var empty = _cgroups.WaitEmpty(resource.Name, resource.Timeouts.Stop) || _cgroups.Kill(resource.Name, TimeSpan.FromSeconds(2))?.Empty == true;
        var inCgroup = cgroup is null ? string.Empty : $", {cgroup.Killed} in its cgroup{(empty ? string.Empty : $" (still not empty: {string.Join(' ', _cgroups.Pids(resource.Name))})")}";
        var detail = $"killed {killed} process(es) of its start session(s){inCgroup}; stop again: {stop.Message}; monitor: {monitor.Message}";
        if (monitor.Status == AgentStatus.NotRunning && empty)
        {
            _ownership.Write(resource.Name, "stop_ok");
            lock (_gate)
            {
                _sessions.Remove(resource.Name);
            }

            return (true, detail);
        }

        _ownership.Write(resource.Name, "stop_failed");
        return (false, detail);
    }

    /// <summary>
    /// <c>splitguard recover</c>: every resource whose stop failed is stopped once more (with the kill) and checked;
    /// when all say "not running" the panic ends and automatic decisions resume.
    /// </summary>
    public async Task<(bool Ok, string Message)> RecoverAsync()
    {
        List<(int Index, ResourceConfig Resource)> blocked;
        lock (_gate)
        {
            if (PanicReason is null)
            {
                return (true, "not in panic: nothing to recover");
            }

            if (_escalating.Count > 0)
            {
                return (false, $"escalation still under way for {string.Join(", ", _escalating)}; try again in a moment");
            }

            blocked = [.. _groups.SelectMany((g, i) => g.Members.Where(m => m.StopFailed).Select(m => (i, m.Config)))];
        }

        var failed = new List<string>();
        foreach (var (index, resource) in blocked)
        {
            var (stopped, detail) = await KillAndVerifyAsync(resource);
            lock (_gate)
            {
                if (stopped)
                {
                    Step(index, _groups[index].ConfirmStopped(resource.Name, "recover: " + detail, _now()));
                }
                else
                {
                    failed.Add($"{resource.Name} ({detail})");
                }
            }
        }

        lock (_gate)
        {
            if (failed.Count > 0)
            {
                return (false, $"still in panic: {string.Join("; ", failed)}. Stop it by hand, then run `splitguard recover` again");
            }

            var was = PanicReason;
            PanicReason = null;
            ResourceLog.Recovered(_log, was ?? "none");
            return (true, "recovered: every resource is confirmed stopped here; automatic decisions resume");
        }
    }
}
