using SplitGuard.Core.Config;
using SplitGuard.Protocol.Sbp;

namespace SplitGuard.Core.Links;

public sealed partial class HeartbeatEngine
{
    /// <summary>
    /// Every active out-of-service alarm of <paramref name="cluster"/> as sbp messages (state 0): links out of service
    /// or unavailable, paths out of service, ICMP_HOP checks out of service, one-way links. sbp replays these to a
    /// client when it registers; in-service states are never replayed.
    /// </summary>
    public IReadOnlyList<SbpMessage> ActiveAlarms(ushort cluster)
    {
        var alarms = new List<SbpMessage>();
        if (!_clusters.TryGetValue(cluster, out var links))
        {
            return alarms;
        }

        foreach (var peer in links.Peers.Values.OrderBy(p => p.Member.Id))
        {
            foreach (var type in peer.PathTypes)
            {
                if (peer.PathOf(type) == PathState.OutOfService)
                {
                    alarms.Add(new SbpMessage(type == LinkType.Udp ? SbpMessageType.UdpPath : SbpMessageType.IcmpPath, 0, cluster, peer.Member.Id, 0));
                }
            }

            foreach (var link in peer.Links.OrderBy(l => l.Id))
            {
                bool udp = link.Type == LinkType.Udp;
                if (link.State is LinkState.OutOfService or LinkState.Unavailable)
                {
                    alarms.Add(new SbpMessage(udp ? SbpMessageType.UdpLink : SbpMessageType.IcmpLink, 0, cluster, peer.Member.Id, link.Id));
                }

                if (link.OneWay)
                {
                    alarms.Add(new SbpMessage(udp ? SbpMessageType.UdpOneWay : SbpMessageType.IcmpOneWay, 0, cluster, peer.Member.Id, link.Id));
                }

                if (link.Hop == HopState.OutOfService)
                {
                    alarms.Add(new SbpMessage(SbpMessageType.IcmpHopLink, 0, cluster, peer.Member.Id, link.Id));
                }
            }
        }

        return alarms;
    }
}
