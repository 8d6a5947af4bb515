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
public sealed class TwoNodeLease : IOwnershipLease
{
    private readonly ushort _self;
    private readonly LeaseOptions _options;
    private readonly TimeSpan _started;
    private TimeSpan _lastEvidence;
    private bool _startCleared;
    private readonly ResumeWindow _resume;

    public TwoNodeLease(ushort self, LeaseOptions options, TimeSpan now, uint persistedTerm = 0)
    {
        _self = self;
        _options = options;
        _started = now;
        Term = persistedTerm;
        _resume = new ResumeWindow(options.Detection);
    }

    public LeaseOptions Options => _options;

    /// <summary>This node's id.</summary>
    public ushort Self => _self;

    public uint Term { get; private set; }

    public ushort Holder { get; private set; }

    public TimeSpan LastEvidence => _lastEvidence;

    /// <summary>When the current lease of this node ends (meaningful while it holds it).</summary>
    public TimeSpan LeaseEnd => _lastEvidence + _options.Lease;

    /// <summary>True when this node is willing to own (ONLINE); false in standby, offline or panic.</summary>
    public bool Eligible { get; set; } = true;

    public TimeSpan TakeoverAfter => _options.TakeoverAfter;

    /// <inheritdoc/>
    public bool Resuming => _resume.Waiting;

    /// <inheritdoc/>
    public OwnershipDecision Decide(TimeSpan now, IReadOnlyList<PeerObservation> peers, bool resourcesActive, TimeSpan? lastStall) =>
        peers.Count == 1 ? Decide(now, peers[0], resourcesActive, lastStall) : throw new ArgumentException($"a two-node lease observes one peer, got {peers.Count}", nameof(peers));

    /// <summary>Decides at <paramref name="now"/>. <paramref name="resourcesActive"/>: this node's resources are starting, started or stopping.</summary>
    /// <param name="lastStall">When this node last noticed it had stalled (GC pause, SIGSTOP): evidence from before, and
    /// frames that may have waited in its queues during the stall, no longer renew the lease (the node doubts itself).</param>
    public OwnershipDecision Decide(TimeSpan now, in PeerObservation peer, bool resourcesActive, TimeSpan? lastStall = null)
    {
        bool resumeOpen = _resume.Open(now, Eligible);
        if (resumeOpen && Holder == 0 && resourcesActive && Term > 0)
        {
            // Back from maintenance (or a quick restart), the resources found running here by the probe: the peer still
            // names this node holder of the stored term and runs nothing. Resume the lease instead of stopping and
            // restarting them, but only on the peer's acknowledgement (it heard this daemon within its ack window: its
            // takeover clock is not running), from the time it arrived, as a renewal. Without it (the peer does not
            // hear this node) the window closes and the resources stop. A holder that lost its lease later never takes
            // it back this way: the window is open only once, right after the start.
            bool named = peer.PeerTerm == Term && peer.PeerHolder == _self && !peer.PeerRunning;
            if (named && peer.Heard && peer.AcksLease && peer.LastHeard is { } acked)
            {
                _resume.Close();
                Holder = _self;
                _lastEvidence = acked;
                _startCleared = true;
                return new OwnershipDecision(true, Term, Holder, $"resumed term {Term}: node {peer.Peer} still names this node holder, acknowledges it, and the resources run here");
            }

            if (named || !peer.Heard)
            {
                _resume.Wait();
                return new OwnershipDecision(false, Term, Holder, $"back with the resources running: waiting for node {peer.Peer} to acknowledge, to resume term {Term}");
            }
        }

        if (resumeOpen)
        {
            _resume.Close();
        }

        AdoptPeerView(peer);

        if (Holder == _self)
        {
            return DecideAsHolder(now, peer, resourcesActive, lastStall);
        }

        if (Holder == peer.Peer && peer.Heard && peer.PeerTerm == Term && peer.PeerHolder == _self)
        {
            // Each side names the other as holder of the same term (both claimed, both released, each adopted the
            // other's claim). Nobody holds it: forget it, and the tie-break winner claims a new term below.
            Holder = 0;
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

        if (TakeoverBlocked(now, peer) is { } wait)
        {
            return new OwnershipDecision(false, Term, Holder, wait);
        }

        var silentSince = peer.LastHeard ?? _started;
        return Claim(now, $"node {peer.Peer} silent for {(now - silentSince).TotalMilliseconds:0} ms while the witness answered this node throughout: took over");
    }

    private OwnershipDecision DecideAsHolder(TimeSpan now, in PeerObservation peer, bool resourcesActive, TimeSpan? lastStall)
    {
        bool acked = peer.Heard && peer.AcksLease && peer.PeerTerm == Term && peer.PeerHolder == _self;

        // Evidence is stamped with the time it arrived, not the time it is looked at: a frame from the peer that hears
        // this node and acknowledges its lease, or the witness answering this node's own probe (a round trip: a relayed
        // frame proves only the witness-to-us direction). After a stall, evidence that may have waited in a queue
        // during it (anything not clearly newer than the stall) does not count: the stalled node doubts itself.
        // The witness renews only while the peer is silent: a peer that is heard and does not acknowledge says it does
        // not hear this node, and its takeover clock is running (docs/ownership.md).
        Renew(acked ? peer.LastHeard : null, lastStall);
        if (!peer.Heard && peer.HasWitness && peer.RelayHealthy)
        {
            Renew(peer.WitnessRoundTrip, lastStall);
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

        if (!_startCleared && !resourcesActive)
        {
            // Start only once it is known that the peer runs nothing: it acknowledged this term and says so, or it has
            // been silent long enough (with the witness answering here) that it has stopped whatever it ran.
            if (acked && !peer.PeerRunning)
            {
                _startCleared = true;
            }
            else if (!peer.Heard && TakeoverBlocked(now, peer) is { } wait)
            {
                return new OwnershipDecision(false, Term, Holder, $"holding term {Term}; the peer went silent before acknowledging: {wait}");
            }
            else if (!peer.Heard)
            {
                _startCleared = true;
            }
        }

        if (peer.Heard && !peer.PeerRunning && _startCleared && resourcesActive)
        {
            // Already running on a valid lease: a peer that has not acknowledged yet (it just joined, or woke up) does
            // not make this node stop; it adopts the term from our frames. Only a peer that runs something does.
            return new OwnershipDecision(true, Term, Holder, acked ? $"holder of term {Term}, acknowledged by node {peer.Peer}" : $"holder of term {Term}; node {peer.Peer} joined, waiting for its acknowledgement");
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
        else if (peer.PeerHolder == 0 && Holder == peer.Peer && peer.PeerStatus != NodeStatus.Progress)
        {
            // The peer released its lease. Not while it says PROGRESS: a daemon that has just started names nobody
            // until its probe has said what runs there (back from maintenance, its resources still run).
            Holder = 0;
        }
    }

    private void Renew(TimeSpan? evidence, TimeSpan? lastStall)
    {
        // Frames that waited in a queue during a stall are all taken within moments of the wake-up, when the stall is
        // noticed; a quarter interval later, what arrives was sent after it.
        if (evidence is { } at && at > _lastEvidence && (lastStall is not { } stall || at - stall >= _options.Interval / 4))
        {
            _lastEvidence = at;
        }
    }

    /// <summary>Why a silent peer may not be taken over from yet, or null when it may.</summary>
    private string? TakeoverBlocked(TimeSpan now, in PeerObservation peer)
    {
        if (peer.PeerMaintenance)
        {
            return $"node {peer.Peer} left in maintenance (stop --leave-running) with its resources running: not taking over until its daemon is back";
        }

        if (!peer.HasWitness)
        {
            return $"node {peer.Peer} is silent and there is no witness: two nodes are not a majority, not taking over";
        }

        if (!peer.RelayHealthy)
        {
            return "the witness relay never worked (filtered?): a silent peer cannot be told from a partition, not taking over";
        }

        var silentSince = peer.LastHeard ?? _started;
        if (now - silentSince < _options.TakeoverAfter)
        {
            return $"node {peer.Peer} silent for {(now - silentSince).TotalMilliseconds:0} ms; taking over after {_options.TakeoverAfter.TotalMilliseconds:0} ms";
        }

        if (peer.WitnessSince is not { } witnessSince || now - witnessSince < _options.TakeoverAfter)
        {
            return peer.WitnessSince is null
                ? "peer silent and the witness does not answer: this node is the isolated one"
                : "peer silent; waiting for the witness to answer continuously for the takeover time";
        }

        return null;
    }

    private OwnershipDecision Claim(TimeSpan now, string reason)
    {
        Term++;
        Holder = _self;
        _lastEvidence = now;
        _startCleared = false;
        return new OwnershipDecision(false, Term, Holder, reason + $" (term {Term}); starting once safe");
    }

    private OwnershipDecision Release(TimeSpan now, string reason)
    {
        _ = now;
        Holder = 0;
        _startCleared = false;
        return new OwnershipDecision(false, Term, 0, reason);
    }

    /// <summary>The fixed tie-break: higher priority, then the lower node id.</summary>
    public bool WinsTie(ushort peer) =>
        _options.Priority != _options.PeerPriority ? _options.Priority > _options.PeerPriority : _self < peer;
}
