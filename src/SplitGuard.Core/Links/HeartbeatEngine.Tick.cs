using SplitGuard.Core.Config;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Links;

public sealed partial class HeartbeatEngine
{
    /// <summary>
    /// Advances time: builds every frame and ICMP_HOP probe that is due, re-evaluates every link and path,
    /// and returns the next time the engine must be ticked even if nothing arrives.
    /// </summary>
    public TimeSpan Tick(TimeSpan now, List<OutgoingFrame> sends, List<LinkEvent> events)
    {
        DetectStall(now, events);
        foreach (var cluster in _clusters.Values)
        {
            byte flags = (byte)(cluster.LeaseFlags
                | (WitnessLost(cluster) ? HeartbeatFrame.FlagWitnessLost : 0));

            // The lease acknowledgement: this node supports the holder it names because it is the holder, or heard it
            // claim that term within the ack window. The holder counts it as renewal; other nodes see this node is not free to vote.
            var holder = cluster.LeaseHolder;
            byte ackFlag = holder != 0 && (holder == cluster.Local
                || (cluster.Peers.TryGetValue(holder, out var holderLinks) && holderLinks.ClaimsLease(cluster.LeaseTerm, now, cluster.AckWindow)))
                ? HeartbeatFrame.FlagLeaseAck : (byte)0;
            foreach (var peer in cluster.Peers.Values)
            {
                byte peerFlags = (byte)(flags | ackFlag);

                foreach (var link in peer.Links)
                {
                    link.Evaluate(now, events);
                    if (now >= link.NextSend)
                    {
                        sends.Add(Encode(link, link.NextFrame(now, Incarnation, Status, peerFlags, cluster.LeaseTerm, cluster.LeaseHolder), link.Type == LinkType.Udp ? Transport.Udp : Transport.IcmpRelay));
                    }

                    if (link.HopProbeDue(now))
                    {
                        sends.Add(Encode(link, link.NextHopProbe(now, Incarnation, Status), Transport.IcmpHop));
                    }
                }

                SelfTestRelays(peer, now, events);
                peer.EvaluatePaths(now, events);
            }
        }

        var next = now + TimeSpan.FromSeconds(1);
        foreach (var link in _links.Values)
        {
            var deadline = link.NextDeadline(now);
            next = deadline < next ? deadline : next;
        }

        _expectedWake = next;
        return next;
    }

    private static bool WitnessLost(ClusterLinks cluster)
    {
        foreach (var peer in cluster.Peers.Values)
        {
            if (peer.WitnessLost())
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The relay self-test: an icmp link that never came into service while the witness answers our direct pings
    /// and the peer is in service on another link has a filtered relay (for instance reverse-path filtering).
    /// </summary>
    private static void SelfTestRelays(PeerLinks peer, TimeSpan now, List<LinkEvent> events)
    {
        foreach (var link in peer.Links)
        {
            if (link.Type != LinkType.Icmp || link.EverInService || link.State == LinkState.Unavailable
                || now - link.Started < link.SelfTestWindow / 2 || link.Hop != HopState.InService)
            {
                continue;
            }

            if (peer.Links.Any(other => other != link && other.State == LinkState.InService))
            {
                link.MarkUnavailable(now, events);
            }
        }
    }

    private OutgoingFrame Encode(LinkMonitor link, HeartbeatFrame frame, Transport transport)
    {
        var bytes = new byte[frame.Size];
        frame.Format(bytes, _key);
        return transport switch
        {
            Transport.Udp => new OutgoingFrame(transport, link.LocalIp, link.PeerIp, 0, 0, bytes),
            Transport.IcmpRelay => new OutgoingFrame(transport, link.PeerIp, link.Witness!, link.Id, (ushort)frame.Sequence, bytes),
            _ => new OutgoingFrame(transport, link.LocalIp, link.Witness!, link.Id, (ushort)frame.Sequence, bytes),
        };
    }
}
