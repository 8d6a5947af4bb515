namespace SplitGuard.Protocol.Heartbeat;

/// <summary>
/// One heartbeat frame (docs/protocol.md). The same bytes ride UDP, the ICMP echo payload and
/// (later) a disk slot. All integers are big-endian. Layout of version 1:
/// <code>
///  0 magic u32 'SGHB'   4 version u8   5 kind u8   6 status u8   7 flags u8
///  8 cluster u16       10 sender u16  12 receiver u16            14 link u16
/// 16 sequence u32      20 ack u32     24 incarnation u64
/// 32 sender time u64 (sender's monotonic milliseconds, for logs and RTT only)
/// 40 lease term u32    44 lease holder u16   46 reserved u16
/// 48 payload length u16                      50 reserved u16
/// 52 payload (0..1024 bytes)   then a 16-byte MAC: HMAC-SHA256 over everything before it, truncated
/// </code>
/// </summary>
public readonly partial record struct HeartbeatFrame(
    FrameKind Kind,
    NodeStatus Status,
    byte Flags,
    ushort Cluster,
    ushort Sender,
    ushort Receiver,
    ushort Link,
    uint Sequence,
    uint Ack,
    ulong Incarnation,
    ulong SenderTime,
    uint LeaseTerm,
    ushort LeaseHolder,
    ReadOnlyMemory<byte> Payload)
{
    public const uint Magic = 0x53474842; // "SGHB"
    public const byte CurrentVersion = 1;
    public const int HeaderSize = 52;
    public const int MacSize = 16;
    public const int MaxPayload = 1024;
    public const int MinSize = HeaderSize + MacSize;
    public const int MaxSize = HeaderSize + MaxPayload + MacSize;

    /// <summary>Flag bit: the sender has heard this link's peer recently (its ack is meaningful).</summary>
    public const byte FlagPeerHeard = 0x01;

    /// <summary>Flag bit: the sender cannot reach the witness of one of its icmp links to the receiver (ICMP_HOP out of service).</summary>
    public const byte FlagWitnessLost = 0x02;

    /// <summary>Flag bit: the sender runs (or is starting or stopping) the cluster's exclusive resources.</summary>
    public const byte FlagRunning = 0x04;

    /// <summary>
    /// Flag bit: the sender supports the lease it names (term, holder): it is the holder, or it heard the holder within
    /// its acknowledgement window. To the holder this is a renewal; to other nodes it says the sender will not vote.
    /// </summary>
    public const byte FlagLeaseAck = 0x08;

    /// <summary>Flag bit: the sender lost every one of its gateways (pha's gateway ping); a peer that still reaches them takes over.</summary>
    public const byte FlagGatewayLost = 0x10;

    /// <summary>
    /// Flag bit: the sender's daemon is leaving in maintenance (<c>splitguard stop --leave-running</c>): its resources
    /// stay running without it, and peers must not take them over while it is silent.
    /// </summary>
    public const byte FlagMaintenance = 0x20;

    /// <summary>Total size of this frame on the wire.</summary>
    public int Size => HeaderSize + Payload.Length + MacSize;
}
