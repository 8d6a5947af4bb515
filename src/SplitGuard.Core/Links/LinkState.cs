namespace SplitGuard.Core.Links;

/// <summary>State of one link as this node sees it.</summary>
public enum LinkState
{
    /// <summary>Just started: not yet in service and the detection time has not passed.</summary>
    Unknown = 0,

    /// <summary>Frames arrive and acknowledge this node's own sequence numbers.</summary>
    InService = 1,

    /// <summary>No frame for <c>maxloss</c> intervals, or frames arrive without acknowledging ours (one-way).</summary>
    OutOfService = 2,

    /// <summary>An icmp link whose witness relay never worked since start although witness and peer answer: the relay is filtered.</summary>
    Unavailable = 3,
}
