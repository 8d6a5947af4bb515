using SplitGuard.Core.Links;

namespace SplitGuard.Core.Placement;

/// <summary>
/// Leaving in maintenance (`splitguard stop --leave-running`): the daemon goes and its resources run on, and the peers
/// must not take them over from the silent node. They hold off because the last frames they had from it carried the
/// maintenance flag; so the daemon may go only once they surely have such a frame, or it gives up leaving them
/// running and stops them as a normal stop does.
/// </summary>
public static class MaintenanceLeave
{
    /// <summary>How long a leaving daemon waits for the proof before it stops its resources instead.</summary>
    public static TimeSpan Patience(LeaseOptions options) => options.Detection * 4;

    /// <summary>After the proof, how long the daemon keeps sending flagged frames (a reordered older frame must not come last).</summary>
    public static TimeSpan Linger(LeaseOptions options) => options.Interval * 2;

    /// <summary>
    /// True when every peer heard, and at least a majority of the members counting this node, acknowledged this node's
    /// lease in a frame that arrived long enough after the flag went up (<paramref name="flagSince"/>) to have been sent
    /// after its sender heard a flagged frame: an acknowledgement means its sender heard this node claim the lease within
    /// the ack window; with a delivery of at most one interval each way, one arriving later than the flag plus the ack
    /// window plus two intervals proves it. Only the holder is acknowledged: a node that does not hold the lease has no
    /// business leaving resources running.
    /// </summary>
    public static bool Confirmed(ushort self, TimeSpan flagSince, IReadOnlyList<PeerObservation> peers, LeaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(peers);
        ArgumentNullException.ThrowIfNull(options);
        var after = flagSince + options.AckWindow + (options.Interval * 2);
        int confirmed = 0;
        foreach (var p in peers)
        {
            bool ok = p.Heard && p.AcksLease && p.PeerHolder == self && p.LastHeard is { } at && at > after;
            if (p.Heard && !ok)
            {
                return false;
            }

            confirmed += ok ? 1 : 0;
        }

        return confirmed >= Math.Max(1, (peers.Count + 1) / 2);
    }
}
