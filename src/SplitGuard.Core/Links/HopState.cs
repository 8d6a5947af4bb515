namespace SplitGuard.Core.Links;

/// <summary>State of the ICMP_HOP check of an icmp link: direct pings of the witness while the relay is broken.</summary>
public enum HopState
{
    /// <summary>The icmp link is in service: the witness is not being probed.</summary>
    Inactive = 0,

    /// <summary>Probing, no verdict yet.</summary>
    Probing = 1,

    /// <summary>The witness answers this node's direct pings.</summary>
    InService = 2,

    /// <summary>The witness did not answer for <c>maxloss</c> intervals: this node is cut off from it.</summary>
    OutOfService = 3,
}
