namespace SplitGuard.Core.Links;

/// <summary>How a frame travels.</summary>
public enum Transport
{
    /// <summary>UDP datagram directly between the two link addresses.</summary>
    Udp,

    /// <summary>ICMP echo request to the witness with the peer's address as source; the witness's reply carries it to the peer.</summary>
    IcmpRelay,

    /// <summary>ICMP echo request to the witness with our own address as source (ICMP_HOP probe).</summary>
    IcmpHop,
}
