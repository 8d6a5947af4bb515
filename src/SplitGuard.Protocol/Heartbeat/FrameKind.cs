namespace SplitGuard.Protocol.Heartbeat;

/// <summary>What a heartbeat frame is for.</summary>
public enum FrameKind : byte
{
    /// <summary>A regular heartbeat on a link, sent every <c>interval</c>.</summary>
    Heartbeat = 1,

    /// <summary>An ICMP_HOP probe: an echo sent to the witness with our own source address, answered to us.</summary>
    HopProbe = 2,
}
