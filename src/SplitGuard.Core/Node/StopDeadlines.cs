using SplitGuard.Core.Placement;

namespace SplitGuard.Core.Node;

/// <summary>
/// The arithmetic of an enforced stop (docs/ownership.md, "The enforced stop"). From the basis B, the last moment this
/// node's lease is known valid (its last evidence while it held the lease; for a node that never held it, the guard's
/// last beat):
/// <list type="bullet">
/// <item>the graceful stop starts at B + detection (the self-fence point; the guard, if the daemon is gone, at B +
/// detection + half the stop budget);</item>
/// <item>the hard kill (freeze, SIGKILL, addresses removed) at B + detection + stop budget - <see cref="KillMargin"/>,
/// a quarter of the budget before the lease ends;</item>
/// <item>the peer takes over no earlier than B + detection + stop budget + acquire-after (+ the watchdog timeout), so
/// the kill has a quarter budget plus acquire-after to finish (a group of 100 processes takes a few milliseconds);</item>
/// <item>the watchdog is petted only before the hard deadline while resources are active: if they cannot be killed,
/// or daemon and guard froze together, the node resets at most one watchdog timeout after it, before the takeover.</item>
/// </list>
/// </summary>
public static class StopDeadlines
{
    /// <summary>How long before the lease ends the hard kill fires: a quarter of the stop budget.</summary>
    public static TimeSpan KillMargin(LeaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.StopBudget / 4;
    }

    /// <summary>When the guard (daemon dead or stalled) starts the graceful stops.</summary>
    public static TimeSpan GuardGraceful(TimeSpan basis, LeaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return basis + options.Detection + (options.StopBudget / 2);
    }

    /// <summary>When the resources must be down at the latest: the hard kill (daemon or guard).</summary>
    public static TimeSpan Hard(TimeSpan basis, LeaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return basis + options.Detection + options.StopBudget - KillMargin(options);
    }
}
