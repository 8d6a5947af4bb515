using SplitGuard.Core.Links;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Placement;

/// <summary>
/// The elected master of a cluster of three or more nodes (cxm's one master), as a lease won by a majority vote and
/// renewed by majority acknowledgement, carried in every heartbeat (term, holder, and the acknowledgement flag).
/// Pure: given the time, the observation of every peer, and whether this node's resources are active.
///
/// <list type="bullet">
/// <item><b>One vote per term.</b> Supporting (term, holder) is this node's vote. It moves only to a higher term, and
/// adopts a holder for a term only if it has not supported one in that term (<c>_votedTerm</c>).</item>
/// <item><b>Stickiness.</b> A node adopts nothing new while the holder it supports is alive (heard, still claiming).
/// Its frames carry the acknowledgement flag while it heard that holder within the ack window, which tells every
/// other node it is not free to vote.</item>
/// <item><b>Pre-vote.</b> A node claims <c>term + 1</c> only when it hears a majority of free nodes (not acknowledging a
/// live holder) counting itself; the best ranked of them (higher priority, then lower id) claims first, the others
/// two intervals later per rank.</item>
/// <item><b>Renewal.</b> The holder's evidence is the arrival of the (majority - 1)-th most recent acknowledgement.
/// Without evidence for the detection time it stops its resources and releases.</item>
/// <item><b>Stop before start.</b> Every node of the new majority stopped acknowledging any earlier holder when it
/// voted, and an earlier holder needed one of them to renew, so its lease ends at most a lease plus two intervals of
/// delivery after this node has its majority. The new holder starts after that wait, or at once when every member is
/// heard acknowledging its term and running nothing.</item>
/// </list>
/// </summary>
public sealed class MajorityLease : IOwnershipLease
{
    private readonly ushort _self;
    private readonly LeaseOptions _options;
    private readonly int _members;
    private readonly IReadOnlyDictionary<ushort, int> _priorities;
    private uint _votedTerm;
    private TimeSpan _lastEvidence;
    private TimeSpan? _noHolderSince;
    private TimeSpan? _majorityAt;
    private bool _startCleared;
    private readonly ResumeWindow _resume;

    /// <param name="self">This node's id.</param>
    /// <param name="priorities">Every member's id and priority, this node included.</param>
    /// <param name="options">Lease timing.</param>
    /// <param name="now">The time the daemon started.</param>
    /// <param name="persistedTerm">The highest term this node is known to have voted in before a restart.</param>
    public MajorityLease(ushort self, IReadOnlyDictionary<ushort, int> priorities, LeaseOptions options, TimeSpan now, uint persistedTerm = 0)
    {
        ArgumentNullException.ThrowIfNull(priorities);
        if (priorities.Count < 3 || !priorities.ContainsKey(self))
        {
            throw new ArgumentException($"a majority lease needs at least three members including node {self}", nameof(priorities));
        }

        _self = self;
        _priorities = priorities;
        _members = priorities.Count;
        _options = options;
        _noHolderSince = now;
        Term = persistedTerm;
        _votedTerm = persistedTerm;
        _resume = new ResumeWindow(options.Detection);
    }

    public ushort Self => _self;

    public uint Term { get; private set; }

    public ushort Holder { get; private set; }

    public TimeSpan LastEvidence => _lastEvidence;

    public LeaseOptions Options => _options;

    public bool Eligible { get; set; } = true;

    /// <inheritdoc/>
    public bool Resuming => _resume.Waiting;

    /// <summary>Votes needed: more than half of the members.</summary>
    public int Majority => (_members / 2) + 1;

    /// <summary>
    /// After an owner's last frame: the detection time until the others notice, up to two intervals per rank of election
    /// delay plus a round of votes (bounded here by four intervals), then the lease and two intervals of delivery.
    /// </summary>
    public TimeSpan TakeoverAfter => _options.Detection + (_options.Interval * 4) + _options.LeaseWithReset + (_options.Interval * 2);

    public OwnershipDecision Decide(TimeSpan now, IReadOnlyList<PeerObservation> peers, bool resourcesActive, TimeSpan? lastStall)
    {
        ArgumentNullException.ThrowIfNull(peers);
        if (Holder == _self)
        {
            return DecideAsHolder(now, peers, resourcesActive, lastStall);
        }

        bool resumeOpen = _resume.Open(now, Eligible);
        if (resumeOpen && Holder == 0 && resourcesActive && Term > 0 && Term == _votedTerm
            && !peers.Any(p => p.Heard && p.PeerRunning))
        {
            // Back from maintenance (or a quick restart), the resources found running here by the probe: resume the
            // lease if a majority still names this node holder of the stored term and acknowledges it (heard this
            // daemon within the ack window), from those acknowledgements as a renewal (its start clearance holds:
            // nobody else ran them). Wait for the acknowledgements within the window while a majority names it.
            var named = peers.Where(p => p.Heard && p.PeerTerm == Term && p.PeerHolder == _self).ToList();
            var acks = named.Where(p => p.AcksLease && p.LastHeard is not null).Select(p => p.LastHeard!.Value).OrderDescending().ToList();
            if (acks.Count + 1 >= Majority)
            {
                _resume.Close();
                Holder = _self;
                _lastEvidence = acks[Majority - 2];
                _majorityAt = now - _options.LeaseWithReset - (_options.Interval * 2);
                _startCleared = true;
                return new OwnershipDecision(true, Term, Holder, $"resumed term {Term}: a majority still names this node holder, acknowledges it, and the resources run here");
            }

            if (named.Count + 1 >= Majority || peers.Count(p => p.Heard) + 1 < Majority)
            {
                _resume.Wait();
                return new OwnershipDecision(false, Term, Holder, $"back with the resources running: waiting for a majority to acknowledge, to resume term {Term}");
            }
        }

        if (resumeOpen)
        {
            _resume.Close();
        }

        if (!HolderAlive(peers))
        {
            // The holder this node supported is gone (silent, released, or moved on): it names nobody now (its vote in
            // this term stays spent), then learns what the others say.
            Holder = 0;
            Adopt(peers);
        }

        if (HolderAlive(peers))
        {
            _noHolderSince = null;
            return new OwnershipDecision(false, Term, Holder, $"node {Holder} holds the lease (term {Term})");
        }

        _noHolderSince ??= now;
        if (!Eligible)
        {
            return new OwnershipDecision(false, Term, Holder, "this node is not eligible (standby, offline or panic)");
        }

        var free = 1 + peers.Count(p => p.Heard && IsFree(p));
        if (free < Majority)
        {
            var heard = 1 + peers.Count(p => p.Heard);
            return new OwnershipDecision(false, Term, Holder, heard < Majority
                ? $"no holder; only {heard} of {_members} nodes heard: no majority, no election"
                : $"no holder known here; {heard} nodes heard but only {free} free to vote (the others support a holder they still hear)");
        }

        var rank = Rank(peers);
        var delay = _options.Interval * 2 * rank;
        if (now - _noHolderSince.Value < delay)
        {
            return new OwnershipDecision(false, Term, Holder, $"no holder; election rank {rank}: claiming after {delay.TotalMilliseconds:0} ms unless a better ranked node does");
        }

        Term = Math.Max(Term, _votedTerm) + 1;
        _votedTerm = Term;
        Holder = _self;
        _lastEvidence = now;
        _majorityAt = null;
        _startCleared = false;
        return new OwnershipDecision(false, Term, Holder, $"no live holder; {free} of {_members} nodes free: claimed term {Term} (election rank {rank}); starting once a majority acknowledges and earlier leases have ended");
    }

    private OwnershipDecision DecideAsHolder(TimeSpan now, IReadOnlyList<PeerObservation> peers, bool resourcesActive, TimeSpan? lastStall)
    {
        // The (majority - 1)-th most recent acknowledgement is the time at which a majority, this node included, last
        // supported this lease.
        var needed = Majority - 1;
        var acks = new List<TimeSpan>(peers.Count);
        foreach (var p in peers)
        {
            if (p.Heard && p.AcksLease && p.PeerTerm == Term && p.PeerHolder == _self && p.LastHeard is { } at)
            {
                acks.Add(at);
            }
        }

        if (acks.Count >= needed)
        {
            acks.Sort();
            Renew(acks[^needed], lastStall);
            _majorityAt ??= now;
        }

        // A free node ahead in term (a failed claim of its own) could never follow this holder, whose term is lower:
        // an established holder moves its lease to a term above it, keeping its resources (the same nodes go on
        // acknowledging the same holder). A claimant without a majority yet drops its claim instead.
        uint ahead = 0;
        foreach (var p in peers)
        {
            if (p.Heard && p.PeerTerm > Term && p.PeerHolder == 0 && p.PeerTerm > ahead)
            {
                ahead = p.PeerTerm;
            }
        }

        if (ahead > 0 && _majorityAt is null)
        {
            return Release($"node(s) free in term {ahead}, above this claim of term {Term}: claim dropped");
        }

        if (ahead > 0)
        {
            Term = ahead + 1;
            _votedTerm = Term;
        }

        if (!Eligible)
        {
            return Release("this node is no longer eligible: releasing the lease");
        }

        if (now - _lastEvidence >= _options.Detection)
        {
            return Release(_majorityAt is null
                ? $"no majority acknowledged term {Term} within {_options.Detection.TotalMilliseconds:0} ms: claim dropped"
                : $"no majority acknowledgement for {(now - _lastEvidence).TotalMilliseconds:0} ms: lease not renewed, stopping");
        }

        if (_majorityAt is not { } majorityAt)
        {
            return new OwnershipDecision(false, Term, Holder, $"claimed term {Term}; {acks.Count + 1} of {Majority} votes so far");
        }

        foreach (var p in peers)
        {
            if (p.Heard && p.PeerRunning)
            {
                _startCleared = false;
                return new OwnershipDecision(false, Term, Holder, $"holder of term {Term}; waiting for node {p.Peer} to stop its resources");
            }
        }

        if (!_startCleared)
        {
            var everyoneClear = peers.All(p => p.Heard && p.PeerTerm == Term && p.PeerHolder == _self && !p.PeerRunning);
            var wait = _options.LeaseWithReset + (_options.Interval * 2) - (now - majorityAt);
            if (!everyoneClear && wait > TimeSpan.Zero)
            {
                return new OwnershipDecision(false, Term, Holder, $"holder of term {Term} by majority; an earlier holder's lease may last {wait.TotalMilliseconds:0} ms more");
            }

            _startCleared = true;
        }

        _ = resourcesActive;
        return new OwnershipDecision(true, Term, Holder, $"holder of term {Term}, acknowledged by {acks.Count + 1} of {_members} nodes");
    }

    /// <summary>The holder this node supports is alive: heard, and still naming itself holder of this term.</summary>
    private bool HolderAlive(IReadOnlyList<PeerObservation> peers)
    {
        if (Holder == 0 || Holder == _self)
        {
            return Holder == _self;
        }

        foreach (var p in peers)
        {
            if (p.Peer == Holder)
            {
                // A holder that left in maintenance keeps its lease while silent: its resources run without its daemon.
                // Restarted, it says PROGRESS and names nobody (its first frames may not even carry its stored term yet)
                // until its probe has said what runs there.
                // (Silent, the observation carries no term: the last frame's maintenance flag is what there is.)
                return p.Heard
                    ? (p.PeerTerm == Term && p.PeerHolder == Holder) || (p.PeerStatus == NodeStatus.Progress && p.PeerHolder == 0 && p.PeerTerm <= Term)
                    : p.PeerMaintenance;
            }
        }

        return false;
    }

    /// <summary>
    /// Learns the highest term heard and, if this node has not voted in it, supports its holder (one vote per term).
    /// In one term, the holder named by the claimant itself wins over hearsay, then the lower id.
    /// </summary>
    private void Adopt(IReadOnlyList<PeerObservation> peers)
    {
        uint bestTerm = 0;
        ushort bestHolder = 0;
        (uint Term, bool HasHolder, bool Claimant, int LowerId) best = default;
        foreach (var p in peers)
        {
            if (!p.Heard)
            {
                continue;
            }

            var key = (p.PeerTerm, p.PeerHolder != 0, p.PeerHolder != 0 && p.PeerHolder == p.Peer, -p.PeerHolder);
            if (key.CompareTo(best) > 0)
            {
                best = key;
                bestTerm = p.PeerTerm;
                bestHolder = p.PeerHolder;
            }
        }

        if (bestTerm > Term)
        {
            Term = bestTerm;
            Holder = 0;
        }

        if (bestTerm == Term && Holder == 0 && bestHolder != 0 && bestHolder != _self
            && (Term > _votedTerm || HeardClaiming(peers, bestHolder)))
        {
            // A first vote in this term; or, having voted for another candidate of this term (which lost, or released),
            // following the holder heard claiming the term itself. Safe: a holder renews only with a majority of
            // acknowledgements, and the nodes that moved to the new holder no longer give the old one any.
            Holder = bestHolder;
            _votedTerm = Term;
        }
    }

    private bool HeardClaiming(IReadOnlyList<PeerObservation> peers, ushort holder)
    {
        foreach (var p in peers)
        {
            if (p.Peer == holder)
            {
                return p.Heard && p.PeerTerm == Term && p.PeerHolder == holder;
            }
        }

        return false;
    }

    /// <summary>A peer that does not acknowledge a live holder (or names none) may vote.</summary>
    private static bool IsFree(in PeerObservation p) => !p.AcksLease || p.PeerHolder == 0;

    /// <summary>This node's place among the free, eligible nodes it hears (itself included): higher priority, then lower id.</summary>
    private int Rank(IReadOnlyList<PeerObservation> peers)
    {
        var mine = _priorities[_self];
        int rank = 0;
        foreach (var p in peers)
        {
            if (p.Heard && IsFree(p) && p.PeerStatus == NodeStatus.Online && _priorities.TryGetValue(p.Peer, out var theirs)
                && (theirs > mine || (theirs == mine && p.Peer < _self)))
            {
                rank++;
            }
        }

        return rank;
    }

    private void Renew(TimeSpan evidence, TimeSpan? lastStall)
    {
        if (evidence > _lastEvidence && (lastStall is not { } stall || evidence - stall >= _options.Interval / 4))
        {
            _lastEvidence = evidence;
        }
    }

    private OwnershipDecision Release(string reason)
    {
        Holder = 0;
        _majorityAt = null;
        _startCleared = false;
        _noHolderSince = null;
        return new OwnershipDecision(false, Term, 0, reason);
    }
}
