namespace SplitGuard.Core.Resources;

/// <summary>What a <see cref="ResourceEffect"/> asks of the shell or tells it.</summary>
public enum ResourceEffectKind
{
    /// <summary>Run the agent for <see cref="ResourceEffect.Action"/> with <see cref="ResourceEffect.Timeout"/>, then report the result.</summary>
    RunAgent = 0,

    /// <summary>The resource is now running (start succeeded, or a probe found it running).</summary>
    Started = 1,

    /// <summary>The resource is now stopped (stop succeeded, a probe found it stopped, or escalation confirmed it).</summary>
    Stopped = 2,

    /// <summary>A start, monitor or probe failed; the fail count was raised (the message says to what).</summary>
    Failed = 3,

    /// <summary>The fail count reached the migration threshold: the group must leave this node.</summary>
    NeedsMove = 4,

    /// <summary>A stop failed or timed out: escalate (kill the resource's processes, else panic). Nothing else runs for the group until then.</summary>
    StopFailed = 5,

    /// <summary>A result arrived for no pending action (late or duplicated); it changed nothing.</summary>
    Ignored = 6,
}
