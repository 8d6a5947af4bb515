namespace SplitGuard.Protocol.Sbp;

/// <summary>Message types of sbp's socket API (seed 000, sections 3 and 4).</summary>
public enum SbpMessageType : ushort
{
    /// <summary>State of the ICMP path (all icmp links) to a node.</summary>
    IcmpPath = 201,

    /// <summary>State of the UDP path (all udp links) to a node.</summary>
    UdpPath = 202,

    /// <summary>State of one ICMP link.</summary>
    IcmpLink = 301,

    /// <summary>State of one UDP link.</summary>
    UdpLink = 302,

    /// <summary>State of one ICMP_HOP check (the witness of a broken icmp link).</summary>
    IcmpHopLink = 303,

    /// <summary>ICMP link: frames arrive from the peer but do not acknowledge ours.</summary>
    IcmpOneWay = 311,

    /// <summary>UDP link: frames arrive from the peer but do not acknowledge ours.</summary>
    UdpOneWay = 312,

    /// <summary>ICMP_HOP one-way (sbp: cannot happen; kept for completeness).</summary>
    IcmpHopOneWay = 313,
}
