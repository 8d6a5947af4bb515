namespace SplitGuard.Core.Placement;

/// <summary>Timing of the ownership lease (docs/ownership.md).</summary>
/// <param name="Detection">The longest link detection time (interval x maxloss + slack).</param>
/// <param name="Interval">The longest link interval.</param>
/// <param name="StopBudget">How long the owner's resources may take to stop; the owner starts stopping this long before its lease ends.</param>
/// <param name="Priority">This node's priority (higher wins ties); equal priorities fall back to the lower node id.</param>
/// <param name="PeerPriority">The peer's priority.</param>
public sealed record LeaseOptions(TimeSpan Detection, TimeSpan Interval, TimeSpan StopBudget, int Priority = 0, int PeerPriority = 0)
{
    /// <summary>Lease duration: the owner keeps its lease this long after its last evidence.</summary>
    public TimeSpan Lease => Detection + StopBudget;

    /// <summary>
    /// How long a node waits after the peer's last frame, beyond the lease, before taking over: covers the time the
    /// peer may still have heard us (one detection time) plus two intervals of delivery delay.
    /// </summary>
    public TimeSpan AcquireAfter => Detection + (Interval * 2);

    /// <summary>Silence (and continuous witness contact) required before taking over from a silent peer.</summary>
    public TimeSpan TakeoverAfter => Lease + AcquireAfter;
}
