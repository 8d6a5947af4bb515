using System.Net;
using SplitGuard.Core.Config;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Links;

/// <summary>
/// The state machine of one link as seen from one end. Pure: it is told the time with every call.
/// A link is in service while frames arrive and acknowledge this node's own sequence numbers; it goes out of
/// service when no frame arrived for <c>maxloss</c> intervals (plus a small slack for timer jitter), or when
/// frames arrive but their acks stopped advancing (one-way).
/// </summary>
public sealed partial class LinkMonitor
{
    private static readonly TimeSpan Never = TimeSpan.MinValue;

    private readonly TimeSpan _started;
    private uint _sendSequence;
    private uint _rxHighest;
    private ulong _peerIncarnation;
    private uint _highestAck;
    private TimeSpan _lastRx = Never;
    private TimeSpan _rxStreakStart = Never;
    private TimeSpan _witnessLast = Never;
    private TimeSpan _witnessRunStart = Never;
    private TimeSpan _lastAckAdvance = Never;
    private int _arrivalsWithoutAck;
    private TimeSpan _nextSend;
    private bool _everInService;

    public LinkMonitor(ushort cluster, ushort local, LinkConfig config, TimeSpan now)
    {
        Config = config;
        Cluster = cluster;
        Local = local;
        var localEnd = config.EndpointOf(local) ?? throw new ArgumentException($"node {local} is not on link {config.Id}", nameof(local));
        var peerEnd = config.PeerOf(local)!;
        Peer = peerEnd.NodeId;
        LocalIp = localEnd.Ip;
        PeerIp = peerEnd.Ip;
        Witness = config.IcmpIp;
        _started = now;
        _nextSend = now;
        Since = now;
        HopSince = now;
        DetectionTime = (config.Interval * config.MaxLoss) + Slack(config.Interval);
        SelfTestWindow = DetectionTime * 2;
    }

    public LinkConfig Config { get; }

    public ushort Cluster { get; }

    public ushort Local { get; }

    public ushort Peer { get; }

    public ushort Id => Config.Id;

    public LinkType Type => Config.Type;

    public IPAddress LocalIp { get; }

    public IPAddress PeerIp { get; }

    /// <summary>The witness (sbp's ICMPIP) of an icmp link; null for udp.</summary>
    public IPAddress? Witness { get; }

    /// <summary>Time without a frame after which the link is out of service: interval x maxloss plus slack.</summary>
    public TimeSpan DetectionTime { get; }

    /// <summary>How long an icmp link may take at start before a never-working relay is called unavailable.</summary>
    public TimeSpan SelfTestWindow { get; }

    public LinkState State { get; private set; }

    /// <summary>True while frames arrive but do not acknowledge ours: the peer does not hear us.</summary>
    public bool OneWay { get; private set; }

    /// <summary>Monotonic time of the last change of <see cref="State"/>.</summary>
    public TimeSpan Since { get; private set; }

    public long Sent { get; private set; }

    public long Received { get; private set; }

    /// <summary>Frames the peer sent that never arrived (gaps in its sequence numbers).</summary>
    public long Lost { get; private set; }

    /// <summary>The peer's status from its last accepted frame.</summary>
    public NodeStatus? PeerStatus { get; private set; }

    /// <summary>The peer's flags from its last accepted frame.</summary>
    public byte PeerFlags { get; private set; }

    /// <summary>The lease term the peer announced in its last accepted frame.</summary>
    public uint PeerLeaseTerm { get; private set; }

    /// <summary>The lease holder the peer announced in its last accepted frame (0: none).</summary>
    public ushort PeerLeaseHolder { get; private set; }

    /// <summary>The peer's incarnation (boot id) from its last accepted frame.</summary>
    public ulong PeerIncarnation => _peerIncarnation;

    /// <summary>When the last frame was accepted, or null.</summary>
    public TimeSpan? LastReceived => _lastRx == Never ? null : _lastRx;

    /// <summary>The next time this link must send a frame.</summary>
    public TimeSpan NextSend => _nextSend;

    internal bool RxFresh(TimeSpan now) => _lastRx != Never && now - _lastRx <= DetectionTime;

    /// <summary>
    /// Our frames count as acknowledged until `maxloss` of the peer's frames in a row arrived without advancing the ack,
    /// and the detection time passed since it last advanced. Counting only frames that arrived: under loss in both
    /// directions a time rule alone also fires when the peer heard us early in the window and we heard it only later
    /// (each side losing fewer than `maxloss` in a row), several times more often than `maxloss` losses in a row; the
    /// lab's 10 % loss made links flap about once in three minutes that way. A peer that stopped hearing us keeps
    /// sending stale acks, so a one-way cut is still seen after `maxloss` of them.
    /// </summary>
    private bool AckFresh(TimeSpan now) =>
        _lastAckAdvance != Never && (now - _lastAckAdvance <= DetectionTime || _arrivalsWithoutAck < Config.MaxLoss);

    /// <summary>
    /// Jitter tolerated on top of interval x maxloss: half an interval. Losing maxloss - 1 frames in a row leaves a gap
    /// of maxloss intervals, which must not count; losing maxloss leaves maxloss + 1 intervals, which must. Half an
    /// interval sits between, so timer lateness (a few ms here) can neither cause a flap nor hide a loss.
    /// </summary>
    public static TimeSpan Slack(TimeSpan interval) => interval / 2;

    /// <summary>
    /// Takes an authenticated frame from the peer. Returns <see cref="FrameError.Replayed"/> (and changes nothing)
    /// for a sequence number already seen in the peer's current incarnation or an older incarnation.
    /// </summary>
    public FrameError Accept(in HeartbeatFrame frame, TimeSpan now, List<LinkEvent> events)
    {
        if (frame.Incarnation < _peerIncarnation || (frame.Incarnation == _peerIncarnation && frame.Sequence <= _rxHighest))
        {
            return FrameError.Replayed;
        }

        if (frame.Incarnation != _peerIncarnation)
        {
            _peerIncarnation = frame.Incarnation;
        }
        else if (_rxHighest != 0)
        {
            Lost += frame.Sequence - _rxHighest - 1;
        }

        _rxHighest = frame.Sequence;
        if (!RxFresh(now))
        {
            _rxStreakStart = now;
        }

        _lastRx = now;
        Received++;
        if (Type == LinkType.Icmp)
        {
            WitnessEvidence(now);
        }

        PeerStatus = frame.Status;
        PeerFlags = frame.Flags;
        PeerLeaseTerm = frame.LeaseTerm;
        PeerLeaseHolder = frame.LeaseHolder;
        if (frame.Ack > _highestAck && frame.Ack <= _sendSequence)
        {
            _highestAck = frame.Ack;
            _lastAckAdvance = now;
            _arrivalsWithoutAck = 0;
        }
        else
        {
            _arrivalsWithoutAck++;
        }

        Evaluate(now, events);
        return FrameError.None;
    }

    /// <summary>Builds the next heartbeat (sequence, ack) and schedules the one after.</summary>
    public HeartbeatFrame NextFrame(TimeSpan now, ulong incarnation, NodeStatus status, byte extraFlags, uint leaseTerm = 0, ushort leaseHolder = 0)
    {
        _sendSequence++;
        Sent++;
        _nextSend += Config.Interval;
        if (_nextSend <= now)
        {
            _nextSend = now + Config.Interval;
        }

        byte flags = (byte)(extraFlags | (RxFresh(now) ? HeartbeatFrame.FlagPeerHeard : 0));
        return new HeartbeatFrame(
            FrameKind.Heartbeat, status, flags, Cluster, Local, Peer, Id,
            _sendSequence, _rxHighest, incarnation, (ulong)Math.Max(0, (long)now.TotalMilliseconds), leaseTerm, leaseHolder, ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>
    /// Charges a stall: moves the receive and ack clocks forward by <paramref name="stall"/> minus one interval,
    /// so a late tick costs at most one interval of missed heartbeats (the stalled node doubts itself).
    /// </summary>
    public void ChargeStall(TimeSpan stall, TimeSpan now)
    {
        var excess = stall - Config.Interval;
        if (excess <= TimeSpan.Zero)
        {
            return;
        }

        if (_lastRx != Never)
        {
            _lastRx = Min(_lastRx + excess, now);
        }

        if (_lastAckAdvance != Never)
        {
            _lastAckAdvance = Min(_lastAckAdvance + excess, now);
        }

        if (_rxStreakStart != Never)
        {
            _rxStreakStart = Min(_rxStreakStart + excess, now);
        }

        ChargeHopStall(excess, now);
    }

    /// <summary>Re-evaluates the state at <paramref name="now"/>; appends events for every change.</summary>
    public void Evaluate(TimeSpan now, List<LinkEvent> events)
    {
        bool rx = RxFresh(now);
        bool ack = AckFresh(now);
        LinkState next;
        if (rx && ack)
        {
            next = LinkState.InService;
            _everInService = true;
        }
        else if (State == LinkState.Unknown && now - _started <= (Type == LinkType.Icmp ? SelfTestWindow : DetectionTime))
        {
            next = LinkState.Unknown;
        }
        else if (State == LinkState.Unavailable)
        {
            next = LinkState.Unavailable;
        }
        else
        {
            next = LinkState.OutOfService;
        }

        // One-way: frames went on arriving for longer than the detection time after our sequence numbers were last
        // acknowledged (a peer that just started has not heard us yet: that is not one-way). Measured to the last
        // frame, not to now: after a cut in both directions the last frames may carry an older ack than the one
        // before them, and a link whose frames stopped too is out of service, not one-way.
        bool oneWay = rx && !ack && _lastRx - Max(Max(_started, _rxStreakStart), _lastAckAdvance) > DetectionTime;
        if (oneWay != OneWay)
        {
            OneWay = oneWay;
            events.Add(new LinkEvent(LinkEventKind.OneWay, Cluster, Peer, Id, Type, !oneWay, now,
                oneWay ? $"frames from node {Peer} arrive but do not acknowledge ours (peer does not hear us)" : "acknowledgements arrive again"));
        }

        SetState(next, now, events, rx ? "acknowledgements stopped" : $"no frame for {DetectionTime.TotalMilliseconds:0.#} ms");
        EvaluateHop(now, events);
    }

    /// <summary>Marks an icmp link whose relay never worked as unavailable (the relay is filtered), see the engine's self-test.</summary>
    internal void MarkUnavailable(TimeSpan now, List<LinkEvent> events)
    {
        if (State is LinkState.Unknown or LinkState.OutOfService && !_everInService && !RxFresh(now))
        {
            SetState(LinkState.Unavailable, now, events, "relay self-test: the witness answers and the peer is alive on another path, but no relayed frame arrived");
        }
    }

    internal bool EverInService => _everInService;

    internal TimeSpan Started => _started;

    /// <summary>The earliest future time at which this link must send or could change state without any frame arriving.</summary>
    public TimeSpan NextDeadline(TimeSpan now)
    {
        var deadline = _nextSend;
        var epsilon = TimeSpan.FromTicks(1);
        Consider(ref deadline, _lastRx == Never ? Never : _lastRx + DetectionTime + epsilon, now);
        Consider(ref deadline, _lastAckAdvance == Never ? Never : _lastAckAdvance + DetectionTime + epsilon, now);
        Consider(ref deadline, _rxStreakStart == Never ? Never : _rxStreakStart + DetectionTime + epsilon, now);
        Consider(ref deadline, _started + DetectionTime + epsilon, now);
        Consider(ref deadline, _started + SelfTestWindow + epsilon, now);
        Consider(ref deadline, HopDeadline(), now);
        return deadline;
    }

    private static void Consider(ref TimeSpan deadline, TimeSpan candidate, TimeSpan now)
    {
        if (candidate != Never && candidate > now && candidate < deadline)
        {
            deadline = candidate;
        }
    }

    /// <summary>Records proof that the witness relays or answers this node at <paramref name="now"/>.</summary>
    internal void WitnessEvidence(TimeSpan now)
    {
        if (_witnessLast == Never || now - _witnessLast > DetectionTime + Config.Interval)
        {
            _witnessRunStart = now;
        }

        _witnessLast = now;
    }

    /// <summary>
    /// Since when the witness has answered this node without a gap longer than the detection time plus one interval
    /// (relayed frames from the peer and ICMP_HOP replies both count), or null when it does not answer now.
    /// </summary>
    public TimeSpan? WitnessReachableSince(TimeSpan now) =>
        _witnessLast != Never && now - _witnessLast <= DetectionTime + Config.Interval ? _witnessRunStart : null;

    private void SetState(LinkState next, TimeSpan now, List<LinkEvent> events, string why)
    {
        if (next == State)
        {
            return;
        }

        var previous = State;
        State = next;
        Since = now;
        bool reportable = next == LinkState.InService || previous is LinkState.Unknown or LinkState.InService;
        if (reportable && next != LinkState.Unknown)
        {
            events.Add(new LinkEvent(LinkEventKind.Link, Cluster, Peer, Id, Type, next == LinkState.InService, now,
                next == LinkState.InService ? "frames arrive and acknowledge ours" : next == LinkState.Unavailable ? "relay unavailable" : why));
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
