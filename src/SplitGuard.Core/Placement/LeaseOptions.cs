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
    /// How long a node goes on acknowledging the holder's lease after it last heard the holder: two and a half
    /// intervals (one frame lost on every link is tolerated).
    /// </summary>
    public TimeSpan AckWindow => (Interval * 2) + (Interval / 2);

    /// <summary>
    /// How long a node waits after the peer's last frame, beyond the lease, before taking over: covers the time this
    /// node went on acknowledging the peer's lease (<see cref="AckWindow"/>) plus two intervals of delivery delay.
    /// </summary>
    public TimeSpan AcquireAfter => AckWindow + (Interval * 2);

    /// <summary>
    /// The watchdog timeout (<c>Ownership.watchdog.timeout</c>), or zero without a watchdog. A node whose daemon and guard
    /// froze together is reset by its watchdog at most this long after its last pet, and it pets only before its hard
    /// stop deadline (inside the lease): every wait for another node's lease to end grows by this much.
    /// </summary>
    public TimeSpan Watchdog { get; init; }

    /// <summary>How long an earlier holder may still run its resources after its last evidence: the lease, plus the watchdog reset.</summary>
    public TimeSpan LeaseWithReset => Lease + Watchdog;

    /// <summary>Silence (and continuous witness contact) required before taking over from a silent peer.</summary>
    public TimeSpan TakeoverAfter => LeaseWithReset + AcquireAfter;
}
