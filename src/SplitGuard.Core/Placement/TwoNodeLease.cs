using SplitGuard.Core.Links;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Placement;

/// <summary>
/// Who may run a cluster's exclusive resources, for two nodes and a witness (DESIGN.md section 4, rules 3 and 5).
/// Pure: given the time, the observation of the peer, and whether this node's resources are active.
///
/// The lease (term, holder) rides every heartbeat. The holder renews it on evidence: a frame from the peer that hears
/// it and acknowledges (term, holder), or the witness answering it. Without evidence for <see cref="LeaseOptions.Detection"/>
/// the holder stops its resources so that they are down when the lease ends. A non-holder takes over from a silent peer
/// only after <see cref="LeaseOptions.TakeoverAfter"/> of silence during which the witness answered it without a gap:
/// a peer that still reached the witness would have been heard through the relay, so it has had no evidence and has
/// stopped. With the peer heard, the holder starts only once the peer acknowledges the lease and says it runs nothing.
/// </summary>
public sealed class TwoNodeLease
{
    private readonly ushort _self;
    private readonly LeaseOptions _options;
    private readonly TimeSpan _started;
    private TimeSpan _lastEvidence;

    public TwoNodeLease(ushort self, LeaseOptions options, TimeSpan now, uint persistedTerm = 0)
    {
        _self = self;
        _options = options;
        _started = now;
        Term = persistedTerm;
    }

    public LeaseOptions Options => _options;

    public uint Term { get; private set; }

    public ushort Holder { get; private set; }

    public TimeSpan LastEvidence => _lastEvidence;

    /// <summary>When the current lease of this node ends (meaningful while it holds it).</summary>
    public TimeSpan LeaseEnd => _lastEvidence + _options.Lease;

    /// <summary>True when this node is willing to own (ONLINE); false in standby, offline or panic.</summary>
    public bool Eligible { get; set; } = true;

    /// <summary>Decides at <paramref name="now"/>. <paramref name="resourcesActive"/>: this node's resources are starting, started or stopping.</summary>
    public OwnershipDecision Decide(TimeSpan now, in PeerObservation peer, bool resourcesActive)
    {
        AdoptPeerView(peer);

        if (Holder == _self)
        {
            return DecideAsHolder(now, peer, resourcesActive);
        }

        if (Holder != 0 && peer.Heard)
        {
            return new OwnershipDecision(false, Term, Holder, $"node {Holder} holds the lease (term {Term})");
        }

        // Nobody holds the lease, or its holder (the peer) is silent.
        if (!Eligible)
        {
            return new OwnershipDecision(false, Term, Holder, "this node is not eligible (standby, offline or panic)");
        }

        if (peer.Heard)
        {
            bool peerEligible = peer.PeerStatus == NodeStatus.Online;
            if (peerEligible && !WinsTie(peer.Peer))
            {
                return new OwnershipDecision(false, Term, Holder, $"no holder; node {peer.Peer} wins the tie-break and claims");
            }

            if (resourcesActive)
            {
                return new OwnershipDecision(false, Term, Holder, "no holder yet; stopping what still runs here before claiming");
            }

            return Claim(now, $"no holder; claimed with node {peer.Peer} heard ({(peerEligible ? "tie-break won" : $"peer is {peer.PeerStatus}")})");
        }

        if (!peer.HasWitness)
        {
            return new OwnershipDecision(false, Term, Holder, $"node {peer.Peer} is silent and there is no witness: two nodes are not a majority, not taking over");
        }

        if (!peer.RelayHealthy)
        {
            return new OwnershipDecision(false, Term, Holder, "the witness relay never worked (filtered?): a silent peer cannot be told from a partition, not taking over");
        }

        var silentSince = peer.LastHeard ?? _started;
        if (now - silentSince < _options.TakeoverAfter)
        {
            return new OwnershipDecision(false, Term, Holder, $"node {peer.Peer} silent for {(now - silentSince).TotalMilliseconds:0} ms; taking over after {_options.TakeoverAfter.TotalMilliseconds:0} ms");
        }

        if (peer.WitnessSince is not { } witnessSince || now - witnessSince < _options.TakeoverAfter)
        {
            return new OwnershipDecision(false, Term, Holder, peer.WitnessSince is null
                ? "peer silent and the witness does not answer: this node is the isolated one"
                : "peer silent; waiting for the witness to answer continuously for the takeover time");
        }

        return Claim(now, $"node {peer.Peer} silent for {(now - silentSince).TotalMilliseconds:0} ms while the witness answered this node throughout: took over");
    }

    private OwnershipDecision DecideAsHolder(TimeSpan now, in PeerObservation peer, bool resourcesActive)
    {
        bool acked = peer.Heard && peer.HearsMe && peer.PeerTerm == Term && peer.PeerHolder == _self;
        bool witness = !peer.Heard && peer.HasWitness && peer.RelayHealthy && peer.WitnessSince is not null;
        if (acked || witness)
        {
            _lastEvidence = now;
        }

        if (!Eligible)
        {
            return Release(now, "this node is no longer eligible: releasing the lease");
        }

        if (now - _lastEvidence >= _options.Detection)
        {
            // Self-fence: stop now so the resources are down before the lease ends.
            return Release(now, $"no evidence for {(now - _lastEvidence).TotalMilliseconds:0} ms (peer ack or witness): lease not renewed, stopping");
        }

        if (peer.Heard && (peer.PeerRunning || peer.PeerTerm != Term || peer.PeerHolder != _self))
        {
            return new OwnershipDecision(false, Term, Holder, peer.PeerRunning
                ? $"holding term {Term}; waiting for node {peer.Peer} to stop its resources"
                : $"holding term {Term}; waiting for node {peer.Peer} to acknowledge");
        }

        return new OwnershipDecision(true, Term, Holder, acked ? $"holder of term {Term}, acknowledged by node {peer.Peer}" : $"holder of term {Term}; node {peer.Peer} silent, the witness answers");
    }

    private void AdoptPeerView(in PeerObservation peer)
    {
        if (!peer.Heard || peer.PeerTerm < Term)
        {
            return;
        }

        if (peer.PeerTerm > Term)
        {
            Term = peer.PeerTerm;
            Holder = peer.PeerHolder;
            return;
        }

        // Same term, different holders: both claimed at once. The tie-break decides, the same on both sides.
        // The peer's view never makes this node holder: only a claim does (after a release the peer may still name us).
        if (peer.PeerHolder != Holder && peer.PeerHolder != 0 && peer.PeerHolder != _self)
        {
            Holder = Holder == 0 || !WinsTie(peer.Peer) ? peer.PeerHolder : Holder;
        }
        else if (peer.PeerHolder == 0 && Holder == peer.Peer)
        {
            Holder = 0; // the peer released its lease
        }
    }

    private OwnershipDecision Claim(TimeSpan now, string reason)
    {
        Term++;
        Holder = _self;
        _lastEvidence = now;
        return new OwnershipDecision(false, Term, Holder, reason + $" (term {Term}); starting once safe");
    }

    private OwnershipDecision Release(TimeSpan now, string reason)
    {
        _ = now;
        Holder = 0;
        return new OwnershipDecision(false, Term, 0, reason);
    }

    /// <summary>The fixed tie-break: higher priority, then the lower node id.</summary>
    public bool WinsTie(ushort peer) =>
        _options.Priority != _options.PeerPriority ? _options.Priority > _options.PeerPriority : _self < peer;
}
