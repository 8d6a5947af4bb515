using System.Net;

namespace SplitGuard.Core.Links;

/// <summary>A frame the shell must send.</summary>
/// <param name="Transport">How to send it.</param>
/// <param name="Source">Source address (for <see cref="Transport.IcmpRelay"/>, the peer's address: the witness answers to it).</param>
/// <param name="Destination">Peer address for UDP, witness address for ICMP.</param>
/// <param name="IcmpId">ICMP echo identifier (ICMP transports only).</param>
/// <param name="IcmpSequence">ICMP echo sequence (ICMP transports only).</param>
/// <param name="Bytes">The encoded, authenticated frame.</param>
public readonly record struct OutgoingFrame(
    Transport Transport,
    IPAddress Source,
    IPAddress Destination,
    ushort IcmpId,
    ushort IcmpSequence,
    byte[] Bytes);
