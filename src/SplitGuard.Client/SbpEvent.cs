using SplitGuard.Protocol.Sbp;

namespace SplitGuard.Client;

/// <summary>
/// One message of the sbp socket API, as sbp's Python library reports it: <c>msg_type</c>, <c>state</c>,
/// <c>ClusterID</c>, <c>NodeID</c>, <c>linktype</c> and <c>lID</c> (link messages only).
/// </summary>
/// <param name="MessageType">201/202 path, 301/302/303 link, 311/312/313 one-way.</param>
/// <param name="State">0 out of service (an alarm), 1 in service.</param>
/// <param name="ClusterId">The cluster.</param>
/// <param name="NodeId">The opposite node.</param>
/// <param name="LinkType">0 icmp, 1 udp, 2 icmp_hop.</param>
/// <param name="LinkId">The link, for message types above 300; null for path messages.</param>
public sealed record SbpEvent(SbpMessageType MessageType, ushort State, ushort ClusterId, ushort NodeId, SbpLinkType LinkType, ushort? LinkId)
{
    /// <summary>True for state 1 (in service), false for an alarm (state 0).</summary>
    public bool InService => State != 0;

    /// <summary>True for path messages (201, 202): every link of one type to <see cref="NodeId"/>.</summary>
    public bool IsPath => (ushort)MessageType < 300;

    /// <summary>True for one-way messages (311-313): the peer's frames arrive, ours are not acknowledged.</summary>
    public bool IsOneWay => (ushort)MessageType > 310;

    /// <summary>The typed event of a decoded wire message.</summary>
    public static SbpEvent From(SbpMessage message) => new(
        message.Type, message.State, message.Cluster, message.Node, message.LinkType, message.HasLink ? message.Link : null);

    /// <summary>sbp's callback dictionary keys and values, for logging: <c>msg_type=302 state=0 ClusterID=1000 NodeID=2 linktype=1 lID=7</c>.</summary>
    public override string ToString() =>
        $"msg_type={(ushort)MessageType} state={State} ClusterID={ClusterId} NodeID={NodeId} linktype={(ushort)LinkType}" +
        (LinkId is { } link ? $" lID={link}" : "");
}
