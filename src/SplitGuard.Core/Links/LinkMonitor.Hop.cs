using SplitGuard.Core.Config;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Links;

/// <summary>The ICMP_HOP check: while an icmp link is not in service, ping the witness directly to learn who is cut off.</summary>
public sealed partial class LinkMonitor
{
    private uint _hopSequence;
    private uint _hopRxHighest;
    private TimeSpan _hopLastReply = Never;
    private TimeSpan _hopActiveSince;
    private TimeSpan _hopNextSend;

    public HopState Hop { get; private set; }

    /// <summary>When the witness last answered one of this node's own ICMP_HOP probes (a proven round trip), or null.</summary>
    public TimeSpan? LastHopReply => _hopLastReply == Never ? null : _hopLastReply;

    public TimeSpan HopSince { get; private set; }

    public long HopSent { get; private set; }

    public long HopReceived { get; private set; }

    /// <summary>
    /// True when an ICMP_HOP probe is due. icmp links probe the witness every interval even while in service, so the
    /// owner's lease has fresh round-trip evidence the moment the relay breaks; the hop state (and sbp's 303 messages)
    /// only changes while the link is not in service.
    /// </summary>
    public bool HopProbeDue(TimeSpan now) => Type == LinkType.Icmp && Witness is not null && now >= _hopNextSend;

    /// <summary>Builds the next ICMP_HOP probe: a frame addressed to ourselves that the witness echoes back to us.</summary>
    public HeartbeatFrame NextHopProbe(TimeSpan now, ulong incarnation, NodeStatus status)
    {
        _hopSequence++;
        HopSent++;
        _hopNextSend += Config.Interval;
        if (_hopNextSend <= now)
        {
            _hopNextSend = now + Config.Interval;
        }

        return new HeartbeatFrame(
            FrameKind.HopProbe, status, 0, Cluster, Local, Local, Id,
            _hopSequence, 0, incarnation, (ulong)Math.Max(0, (long)now.TotalMilliseconds), 0, 0, ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>Takes the witness's answer to one of our probes; replays and answers to probes never sent are refused.</summary>
    public FrameError AcceptHopReply(in HeartbeatFrame frame, ulong ownIncarnation, TimeSpan now, List<LinkEvent> events)
    {
        if (frame.Incarnation != ownIncarnation || frame.Sequence <= _hopRxHighest || frame.Sequence > _hopSequence)
        {
            return FrameError.Replayed;
        }

        _hopRxHighest = frame.Sequence;
        _hopLastReply = now;
        HopReceived++;
        WitnessEvidence(now);
        EvaluateHop(now, events);
        return FrameError.None;
    }

    private void EvaluateHop(TimeSpan now, List<LinkEvent> events)
    {
        if (Type != LinkType.Icmp)
        {
            return;
        }

        if (State == LinkState.InService)
        {
            if (Hop != HopState.Inactive)
            {
                if (Hop == HopState.OutOfService)
                {
                    events.Add(new LinkEvent(LinkEventKind.Hop, Cluster, Peer, Id, Type, true, now, "icmp link back in service: witness reachable"));
                }

                Hop = HopState.Inactive;
                HopSince = now;
            }

            return;
        }

        if (Hop == HopState.Inactive)
        {
            Hop = HopState.Probing;
            HopSince = now;
            _hopActiveSince = now;
            return;
        }

        bool fresh = _hopLastReply != Never && _hopLastReply >= _hopActiveSince && now - _hopLastReply <= DetectionTime;
        if (fresh && Hop != HopState.InService)
        {
            // Like every sbp in-service message, only a return from out of service is reported.
            bool returning = Hop == HopState.OutOfService;
            Hop = HopState.InService;
            HopSince = now;
            if (returning)
            {
                events.Add(new LinkEvent(LinkEventKind.Hop, Cluster, Peer, Id, Type, true, now, $"witness {Witness} answers this node directly"));
            }
        }
        else if (!fresh && Hop != HopState.OutOfService && now - Max(_hopActiveSince, _hopLastReply) > DetectionTime)
        {
            Hop = HopState.OutOfService;
            HopSince = now;
            events.Add(new LinkEvent(LinkEventKind.Hop, Cluster, Peer, Id, Type, false, now, $"witness {Witness} does not answer this node: this node is cut off from it"));
        }
    }

    private TimeSpan HopDeadline()
    {
        if (Type != LinkType.Icmp)
        {
            return Never;
        }

        var deadline = _hopNextSend;
        if (Hop == HopState.Inactive)
        {
            return deadline;
        }

        var expiry = Max(_hopActiveSince, _hopLastReply == Never ? _hopActiveSince : _hopLastReply) + DetectionTime + TimeSpan.FromTicks(1);
        return expiry < deadline ? expiry : deadline;
    }

    private void ChargeHopStall(TimeSpan excess, TimeSpan now)
    {
        if (_hopLastReply != Never)
        {
            _hopLastReply = Min(_hopLastReply + excess, now);
        }

        if (Hop != HopState.Inactive)
        {
            _hopActiveSince = Min(_hopActiveSince + excess, now);
        }
    }
}
