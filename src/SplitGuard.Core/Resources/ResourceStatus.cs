namespace SplitGuard.Core.Resources;

/// <summary>Where one resource is on this node, as far as its agent has told.</summary>
public enum ResourceStatus
{
    /// <summary>Not known yet (daemon start, after cleanup): a probe (a monitor) will tell.</summary>
    Unknown = 0,

    /// <summary>Cleanly stopped: the agent said so (stop succeeded, or monitor returned not running).</summary>
    Stopped = 1,

    /// <summary>A start is running.</summary>
    Starting = 2,

    /// <summary>Running: the start succeeded and every monitor since says so.</summary>
    Started = 3,

    /// <summary>A stop is running.</summary>
    Stopping = 4,

    /// <summary>
    /// Broken and possibly running: a start or monitor failed, or a stop failed (then
    /// <see cref="ResourceState.StopFailed"/> is set and only escalation can end it).
    /// </summary>
    Failed = 5,
}
