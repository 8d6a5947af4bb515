using System.Globalization;

namespace SplitGuard.Core.Resources;

/// <summary>
/// The state machine of one resource on this node: immutable, told the monotonic time with every call, and
/// producing <see cref="ResourceEffect"/>s instead of doing anything. At most one agent action is pending at a
/// time. Which action to begin, and when, is decided by <see cref="ResourceGroupState"/> (order within the group,
/// restart in place, stop before move); this type keeps the status and the fail count honest.
/// </summary>
/// <remarks>
/// Fail count: every failed start, failed monitor (including "not running" while started) and failed probe adds
/// one; a hard error (invalid arguments, insufficient privileges, not installed, not configured) and a failed
/// stop raise it to the migration threshold at once. At the threshold <see cref="NeedsMove"/> is true until
/// <see cref="Cleanup"/>.
/// </remarks>
public sealed partial record ResourceState
{
    /// <summary>The resource's configuration.</summary>
    public required ResourceConfig Config { get; init; }

    /// <summary>Where the resource is.</summary>
    public ResourceStatus Status { get; init; } = ResourceStatus.Unknown;

    /// <summary>The agent action running now, or null.</summary>
    public AgentAction? Pending { get; init; }

    /// <summary>When <see cref="Pending"/> began.</summary>
    public TimeSpan? PendingSince { get; init; }

    /// <summary>Failures on this node since the last cleanup.</summary>
    public int FailCount { get; init; }

    /// <summary>The last stop failed or timed out: the resource may still run and only escalation (kill, then panic) or cleanup ends it.</summary>
    public bool StopFailed { get; init; }

    /// <summary>When the next monitor is due while <see cref="ResourceStatus.Started"/>.</summary>
    public TimeSpan? NextMonitor { get; init; }

    /// <summary>When the last failure was counted.</summary>
    public TimeSpan? LastFailure { get; init; }

    /// <summary>The message of the last failure, for status.</summary>
    public string? LastError { get; init; }

    /// <summary>The resource's name.</summary>
    public string Name => Config.Name;

    /// <summary>The fail count reached the migration threshold: this node must not run the resource (its group moves).</summary>
    public bool NeedsMove => FailCount >= Config.MigrationThreshold;

    /// <summary>A start or stop is running (a pending monitor does not count).</summary>
    public bool InProgress => Pending is AgentAction.Start or AgentAction.Stop;

    /// <summary>The state at daemon start: unknown, nothing pending, no failures.</summary>
    public static ResourceState Initial(ResourceConfig config) => new() { Config = config };

    /// <summary>A monitor is due: started, nothing pending, and <paramref name="now"/> at or past <see cref="NextMonitor"/>.</summary>
    public bool MonitorDue(TimeSpan now) =>
        Status == ResourceStatus.Started && Pending is null && NextMonitor is { } due && now >= due;

    /// <summary>Asks the agent whether the resource runs (a monitor whose result sets the status, whatever it was).</summary>
    public ResourceTransition BeginProbe(TimeSpan now)
    {
        RequireIdle(AgentAction.Monitor);
        return Run(this with { Pending = AgentAction.Monitor, PendingSince = now }, AgentAction.Monitor, "probe");
    }

    /// <summary>Starts a stopped resource. Throws <see cref="InvalidOperationException"/> unless stopped and idle.</summary>
    public ResourceTransition BeginStart(TimeSpan now)
    {
        RequireIdle(AgentAction.Start);
        if (Status != ResourceStatus.Stopped)
        {
            throw new InvalidOperationException($"cannot start {Name}: it is {Status}, and only a stopped resource starts");
        }

        return Run(this with { Status = ResourceStatus.Starting, Pending = AgentAction.Start, PendingSince = now, NextMonitor = null }, AgentAction.Start, "start");
    }

    /// <summary>Stops a resource that is not known to be stopped. Throws <see cref="InvalidOperationException"/> when stopped or busy.</summary>
    public ResourceTransition BeginStop(TimeSpan now)
    {
        RequireIdle(AgentAction.Stop);
        if (Status == ResourceStatus.Stopped)
        {
            throw new InvalidOperationException($"cannot stop {Name}: it is already stopped");
        }

        return Run(this with { Status = ResourceStatus.Stopping, Pending = AgentAction.Stop, PendingSince = now, NextMonitor = null }, AgentAction.Stop, "stop");
    }

    /// <summary>Runs the recurring monitor of a started resource. Throws <see cref="InvalidOperationException"/> unless started and idle.</summary>
    public ResourceTransition BeginMonitor(TimeSpan now)
    {
        RequireIdle(AgentAction.Monitor);
        if (Status != ResourceStatus.Started)
        {
            throw new InvalidOperationException($"cannot monitor {Name}: it is {Status}; use a probe");
        }

        return Run(this with { Pending = AgentAction.Monitor, PendingSince = now }, AgentAction.Monitor, "monitor");
    }

    /// <summary>
    /// Forgets the failures: fail count 0, no stop failure, no last error. A failed resource becomes
    /// <see cref="ResourceStatus.Unknown"/> so that a probe tells what it really is. A pending action stays pending.
    /// </summary>
    public ResourceState Cleanup() => this with
    {
        FailCount = 0,
        StopFailed = false,
        LastError = null,
        LastFailure = null,
        Status = Status == ResourceStatus.Failed ? ResourceStatus.Unknown : Status,
    };

    /// <summary>
    /// Escalation after a failed stop killed the resource's processes: the resource is stopped. Keeps the fail
    /// count (so the group still moves) and clears any pending action (its process group is gone).
    /// </summary>
    public ResourceTransition ConfirmStopped(TimeSpan now, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var next = this with { Status = ResourceStatus.Stopped, StopFailed = false, Pending = null, PendingSince = null, NextMonitor = null };
        return new ResourceTransition(next, [Effect(ResourceEffectKind.Stopped, null, $"{Name} confirmed stopped: {reason}")]);
    }

    /// <summary>
    /// The shell hard-killed the resource (its stop did not end by the hard deadline: every process in its cgroup got
    /// SIGKILL and its addresses were removed). <paramref name="confirmedEmpty"/>: the cgroup was seen empty, so the
    /// resource is stopped, but not cleanly: one failure is counted and <see cref="LastError"/> says hard kill. Not
    /// confirmed (a process in uninterruptible sleep, or no cgroups): as a failed stop, the resource may still run
    /// (<see cref="StopFailed"/>, escalation). Either way any pending action is forgotten: its process died with the
    /// cgroup, and its late result must not count.
    /// </summary>
    public ResourceTransition HardKilled(TimeSpan now, string reason, bool confirmedEmpty)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var why = $"hard kill of {Name}: {reason}";
        if (!confirmedEmpty)
        {
            var blocked = this with
            {
                Status = ResourceStatus.Failed,
                StopFailed = true,
                Pending = null,
                PendingSince = null,
                NextMonitor = null,
                FailCount = Math.Max(FailCount + 1, Config.MigrationThreshold),
                LastFailure = now,
                LastError = why + "; not confirmed stopped",
            };
            var effects = new List<ResourceEffect>
            {
                Effect(ResourceEffectKind.StopFailed, AgentAction.Stop, $"{why}; its processes are not confirmed gone: escalating (kill its processes, else panic)"),
            };
            if (!NeedsMove)
            {
                effects.Add(Effect(ResourceEffectKind.NeedsMove, AgentAction.Stop, $"{Name} must leave this node: it was hard-killed"));
            }

            return new ResourceTransition(blocked, effects);
        }

        var killed = this with
        {
            Status = ResourceStatus.Stopped,
            StopFailed = false,
            Pending = null,
            PendingSince = null,
            NextMonitor = null,
            FailCount = FailCount + 1,
            LastFailure = now,
            LastError = why,
        };
        var result = new List<ResourceEffect>
        {
            Effect(ResourceEffectKind.Failed, AgentAction.Stop, $"{why}; stopped (not cleanly), fail count {killed.FailCount} of {Config.MigrationThreshold}"),
        };
        if (killed.NeedsMove && !NeedsMove)
        {
            result.Add(Effect(ResourceEffectKind.NeedsMove, AgentAction.Stop, $"{Name} must leave this node: fail count {killed.FailCount} of {Config.MigrationThreshold} (hard kill)"));
        }

        return new ResourceTransition(killed, result);
    }

    private void RequireIdle(AgentAction wanted)
    {
        if (Pending is { } pending)
        {
            throw new InvalidOperationException(
                $"cannot begin {wanted} of {Name}: {pending} is still pending (one agent action at a time)");
        }
    }

    private static ResourceTransition Run(ResourceState next, AgentAction action, string what) =>
        new(next, [new ResourceEffect(ResourceEffectKind.RunAgent, next.Name, action, next.Config.Timeouts.For(action), $"{what} of {next.Name}")]);

    private ResourceEffect Effect(ResourceEffectKind kind, AgentAction? action, string message) =>
        new(kind, Name, action, TimeSpan.Zero, message);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
