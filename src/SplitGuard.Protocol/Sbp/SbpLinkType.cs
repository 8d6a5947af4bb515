namespace SplitGuard.Protocol.Sbp;

/// <summary>sbp's link type numbers as the Python client reports them in <c>linktype</c>.</summary>
public enum SbpLinkType : ushort
{
    Icmp = 0,
    Udp = 1,
    IcmpHop = 2,
}
