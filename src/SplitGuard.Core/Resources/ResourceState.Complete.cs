using System.Globalization;

namespace SplitGuard.Core.Resources;

/// <content>Applying an agent result.</content>
public sealed partial record ResourceState
{
    /// <summary>
    /// Applies the result of the pending action. A result for another resource, or for an action that is not
    /// pending, changes nothing and yields one <see cref="ResourceEffectKind.Ignored"/> effect.
    /// </summary>
    public ResourceTransition Complete(AgentResult result, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Resource != Name || Pending != result.Action)
        {
            var pending = Pending is { } p ? p.ToString() : "nothing";
            return new ResourceTransition(this, [Effect(ResourceEffectKind.Ignored, result.Action, $"ignored a {result.Action} result for {Name}: {pending} is pending")]);
        }

        var idle = this with { Pending = null, PendingSince = null };
        return result.Action switch
        {
            AgentAction.Start => idle.CompleteStart(result, now),
            AgentAction.Stop => idle.CompleteStop(result),
            _ => Status == ResourceStatus.Started ? idle.CompleteMonitor(result, now) : idle.CompleteProbe(result, now),
        };
    }

    private ResourceTransition CompleteStart(AgentResult result, TimeSpan now)
    {
        if (result.Status == AgentStatus.Ok)
        {
            var started = this with { Status = ResourceStatus.Started, NextMonitor = now + Config.MonitorInterval };
            return new ResourceTransition(started, [Effect(ResourceEffectKind.Started, AgentAction.Start, $"{Name} started")]);
        }

        var failed = this with { Status = ResourceStatus.Failed };
        return result.Status == AgentStatus.Cancelled
            ? new ResourceTransition(failed, [Effect(ResourceEffectKind.Failed, AgentAction.Start, $"start of {Name} was cancelled; it may be half started and will be stopped")])
            : failed.CountFailure(result, now, "start");
    }

    private ResourceTransition CompleteStop(AgentResult result)
    {
        if (result.Status is AgentStatus.Ok or AgentStatus.NotRunning)
        {
            var stopped = this with { Status = ResourceStatus.Stopped, StopFailed = false, NextMonitor = null };
            return new ResourceTransition(stopped, [Effect(ResourceEffectKind.Stopped, AgentAction.Stop, $"{Name} stopped")]);
        }

        if (result.Status == AgentStatus.Cancelled)
        {
            return new ResourceTransition(
                this with { Status = ResourceStatus.Failed },
                [Effect(ResourceEffectKind.Failed, AgentAction.Stop, $"stop of {Name} was cancelled; it may still run")]);
        }

        var why = Why(result, "stop");
        var next = this with
        {
            Status = ResourceStatus.Failed,
            StopFailed = true,
            FailCount = Math.Max(FailCount, Config.MigrationThreshold),
            LastError = why,
        };
        var effects = new List<ResourceEffect>
        {
            Effect(ResourceEffectKind.StopFailed, AgentAction.Stop, $"{why}; {Name} may still run: escalating (kill its processes, else panic)"),
        };
        if (!NeedsMove)
        {
            effects.Add(Effect(ResourceEffectKind.NeedsMove, AgentAction.Stop, $"{Name} must leave this node: its stop failed"));
        }

        return new ResourceTransition(next, effects);
    }

    private ResourceTransition CompleteMonitor(AgentResult result, TimeSpan now)
    {
        switch (result.Status)
        {
            case AgentStatus.Ok or AgentStatus.RunningMaster:
                return new ResourceTransition(this with { NextMonitor = now + Config.MonitorInterval }, []);
            case AgentStatus.Cancelled:
                // Nothing learned; monitor again at the next tick.
                return new ResourceTransition(this with { NextMonitor = now }, []);
            default:
                return (this with { Status = ResourceStatus.Failed, NextMonitor = null }).CountFailure(result, now, "monitor");
        }
    }

    private ResourceTransition CompleteProbe(AgentResult result, TimeSpan now)
    {
        switch (result.Status)
        {
            case AgentStatus.Ok or AgentStatus.RunningMaster:
                var started = this with { Status = ResourceStatus.Started, NextMonitor = now + Config.MonitorInterval };
                return new ResourceTransition(started, [Effect(ResourceEffectKind.Started, AgentAction.Monitor, $"probe: {Name} is running")]);
            case AgentStatus.NotRunning:
                return new ResourceTransition(this with { Status = ResourceStatus.Stopped }, [Effect(ResourceEffectKind.Stopped, AgentAction.Monitor, $"probe: {Name} is stopped")]);
            case AgentStatus.NotInstalled:
                // Without its agent or software the resource cannot run here: stopped, and banned from this node.
                var absent = this with { Status = ResourceStatus.Stopped };
                var counted = absent.CountFailure(result, now, "probe");
                return counted with { Effects = [Effect(ResourceEffectKind.Stopped, AgentAction.Monitor, $"probe: {Name} is stopped"), .. counted.Effects] };
            case AgentStatus.Cancelled:
                // Still unknown; the group probes again.
                return new ResourceTransition(this, []);
            default:
                return (this with { Status = ResourceStatus.Failed }).CountFailure(result, now, "probe");
        }
    }

    /// <summary>Raises the fail count (to the threshold for a hard error) and reports it, plus NeedsMove when the threshold is crossed.</summary>
    private ResourceTransition CountFailure(AgentResult result, TimeSpan now, string verb)
    {
        var hard = AgentExitCodes.IsHardError(result.Status);
        var count = hard ? Math.Max(FailCount + 1, Config.MigrationThreshold) : FailCount + 1;
        var why = Why(result, verb);
        var next = this with { FailCount = count, LastFailure = now, LastError = why };
        var outcome = next.NeedsMove
            ? (hard ? "a hard error: this node cannot run it" : "threshold reached: its group must move")
            : "restarting in place";
        var effects = new List<ResourceEffect>
        {
            Effect(ResourceEffectKind.Failed, result.Action, $"{why}; fail count {count} of {Config.MigrationThreshold}, {outcome}"),
        };
        if (next.NeedsMove && !NeedsMove)
        {
            effects.Add(Effect(ResourceEffectKind.NeedsMove, result.Action, $"{Name} must leave this node: fail count {count} of {Config.MigrationThreshold} ({why})"));
        }

        return new ResourceTransition(next, effects);
    }

    private string Why(AgentResult result, string verb)
    {
        return result.Status switch
        {
            AgentStatus.TimedOut => $"{verb} of {Name} timed out after {Seconds(Config.Timeouts.For(result.Action))} s",
            AgentStatus.UnknownExitCode => $"{verb} of {Name} failed: unknown exit code {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "?"}",
            _ => $"{verb} of {Name} failed: {AgentExitCodes.Describe(result.Status)}",
        };
    }
}
