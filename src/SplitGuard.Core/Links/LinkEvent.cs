using SplitGuard.Core.Config;
using SplitGuard.Protocol.Sbp;

namespace SplitGuard.Core.Links;

/// <summary>A change in what this node knows about a link, path or witness.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="Cluster">Cluster id.</param>
/// <param name="Peer">The opposite node.</param>
/// <param name="Link">Link id (0 for path events).</param>
/// <param name="Type">Link type of the link or path.</param>
/// <param name="InService">The new state: true in service, false out of service (for OneWay: false while one-way).</param>
/// <param name="At">Monotonic time of the change.</param>
/// <param name="Detail">A human explanation for the log.</param>
public sealed record LinkEvent(
    LinkEventKind Kind,
    ushort Cluster,
    ushort Peer,
    ushort Link,
    LinkType Type,
    bool InService,
    TimeSpan At,
    string Detail)
{
    /// <summary>The sbp socket API message for this event, or null for events sbp has no message for.</summary>
    public SbpMessage? ToSbp()
    {
        ushort state = InService ? (ushort)1 : (ushort)0;
        SbpMessageType? type = (Kind, Type) switch
        {
            (LinkEventKind.Path, LinkType.Icmp) => SbpMessageType.IcmpPath,
            (LinkEventKind.Path, LinkType.Udp) => SbpMessageType.UdpPath,
            (LinkEventKind.Link, LinkType.Icmp) => SbpMessageType.IcmpLink,
            (LinkEventKind.Link, LinkType.Udp) => SbpMessageType.UdpLink,
            (LinkEventKind.Hop, _) => SbpMessageType.IcmpHopLink,
            (LinkEventKind.OneWay, LinkType.Icmp) => SbpMessageType.IcmpOneWay,
            (LinkEventKind.OneWay, LinkType.Udp) => SbpMessageType.UdpOneWay,
            _ => null,
        };
        return type is { } t ? new SbpMessage(t, state, Cluster, Peer, Kind == LinkEventKind.Path ? (ushort)0 : Link) : null;
    }
}
