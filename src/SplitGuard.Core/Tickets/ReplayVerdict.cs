namespace SplitGuard.Core.Tickets;

/// <summary>What the replay window says about an authenticated packet.</summary>
public enum ReplayVerdict
{
    /// <summary>Newer than the last accepted packet of that member: process it.</summary>
    Accept,

    /// <summary>Not newer than the last accepted one (a replay or a reordered packet), but within maxtimeskew: booth
    /// would process it; SplitGuard drops it so it cannot move the ticket, and counts it.</summary>
    Reordered,

    /// <summary>Older than maxtimeskew: booth refuses it too (authfail).</summary>
    Stale,
}
