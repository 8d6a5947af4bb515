using SplitGuard.Core.Links;

namespace SplitGuard.Core.Placement;

/// <summary>
/// Who may run a cluster's exclusive resources: the lease engine of one node. <see cref="TwoNodeLease"/> for two nodes
/// and a witness, <see cref="MajorityLease"/> for three or more nodes (an elected master, cxm).
/// </summary>
public interface IOwnershipLease
{
    /// <summary>This node's id.</summary>
    ushort Self { get; }

    /// <summary>The lease term this node knows.</summary>
    uint Term { get; }

    /// <summary>The holder of <see cref="Term"/> this node supports, or 0.</summary>
    ushort Holder { get; }

    /// <summary>When this node's own lease was last renewed (meaningful while it holds it).</summary>
    TimeSpan LastEvidence { get; }

    LeaseOptions Options { get; }

    /// <summary>How long after an owner's last frame another node may start its resources (for status).</summary>
    TimeSpan TakeoverAfter { get; }

    /// <summary>True when this node is willing to own (ONLINE); false in standby, offline or panic.</summary>
    bool Eligible { get; set; }

    /// <summary>
    /// True while the daemon, just started with its resources found running, waits for the acknowledgement that lets it
    /// resume the lease it held: it says PROGRESS meanwhile, as while probing.
    /// </summary>
    bool Resuming { get; }

    /// <summary>Decides at <paramref name="now"/> from what this node observes of every peer.</summary>
    OwnershipDecision Decide(TimeSpan now, IReadOnlyList<PeerObservation> peers, bool resourcesActive, TimeSpan? lastStall);
}
