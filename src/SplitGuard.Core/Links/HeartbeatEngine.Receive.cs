using System.Net;
using SplitGuard.Core.Config;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Links;

public sealed partial class HeartbeatEngine
{
    /// <summary>
    /// Takes one received datagram (a UDP payload, or the payload of an ICMP echo reply). Every defect is
    /// counted in <see cref="Drops"/> and changes nothing else; this method never throws on input.
    /// </summary>
    /// <param name="transport"><see cref="Transport.Udp"/> for UDP; any ICMP transport for echo replies.</param>
    /// <param name="source">The datagram's source address (the witness for ICMP).</param>
    public FrameError OnDatagram(Transport transport, IPAddress source, ReadOnlySpan<byte> data, TimeSpan now, List<LinkEvent> events)
    {
        DetectStall(now, events);
        var result = Route(transport, source, data, now, events);
        Drops.Count(result);
        return result;
    }

    private FrameError Route(Transport transport, IPAddress source, ReadOnlySpan<byte> data, TimeSpan now, List<LinkEvent> events)
    {
        if (!HeartbeatFrame.TryPeekRouting(data, out ushort clusterId, out ushort sender, out ushort receiver, out ushort linkId))
        {
            var error = HeartbeatFrame.TryParse(data, _key, out _);
            return error == FrameError.None ? FrameError.BadMagic : error;
        }

        if (!_clusters.TryGetValue(clusterId, out var cluster))
        {
            return FrameError.ForeignCluster;
        }

        bool icmp = transport != Transport.Udp;
        if (sender == cluster.Local && receiver == cluster.Local)
        {
            return RouteHopReply(icmp, source, data, clusterId, linkId, now, events);
        }

        if (sender == cluster.Local || !cluster.IsMember(sender))
        {
            return FrameError.UnknownSender;
        }

        if (receiver != cluster.Local)
        {
            return FrameError.WrongReceiver;
        }

        if (!_links.TryGetValue((clusterId, linkId), out var link) || link.Peer != sender)
        {
            return FrameError.UnknownLink;
        }

        bool sourceOk = icmp
            ? link.Type == LinkType.Icmp && source.Equals(link.Witness)
            : link.Type == LinkType.Udp && source.Equals(link.PeerIp);
        if (!sourceOk)
        {
            return FrameError.WrongSource;
        }

        var parsed = HeartbeatFrame.TryParse(data, _key, out var frame);
        if (parsed != FrameError.None)
        {
            return parsed;
        }

        if (frame.Kind != FrameKind.Heartbeat)
        {
            return FrameError.BadKind;
        }

        var accepted = link.Accept(frame, now, events);
        if (accepted == FrameError.None)
        {
            cluster.Peers[sender].EvaluatePaths(now, events);
        }

        return accepted;
    }

    private FrameError RouteHopReply(bool icmp, IPAddress source, ReadOnlySpan<byte> data, ushort clusterId, ushort linkId, TimeSpan now, List<LinkEvent> events)
    {
        if (!icmp || !_links.TryGetValue((clusterId, linkId), out var link) || link.Type != LinkType.Icmp)
        {
            return FrameError.UnknownLink;
        }

        if (!source.Equals(link.Witness))
        {
            return FrameError.WrongSource;
        }

        var parsed = HeartbeatFrame.TryParse(data, _key, out var frame);
        if (parsed != FrameError.None)
        {
            return parsed;
        }

        return frame.Kind != FrameKind.HopProbe ? FrameError.BadKind : link.AcceptHopReply(frame, Incarnation, now, events);
    }
}
