namespace SplitGuard.Core.Resources;

/// <summary>What placement asks of a group on this node.</summary>
public enum ResourceGoal
{
    /// <summary>Not here: stop every member, in reverse order.</summary>
    Stopped = 0,

    /// <summary>Here: start every member in order and keep them running.</summary>
    Started = 1,

    /// <summary>Placement has not spoken yet (daemon start): probe the unknown members, start or stop nothing.</summary>
    Undecided = 2,
}
