namespace SplitGuard.Daemon.Booth;

/// <summary>One member's packet counters, as <c>booth peers</c> shows them.</summary>
public sealed class BoothPeerCounters
{
    public long SentPackets { get; set; }

    public long SentErrors { get; set; }

    public long Resends { get; set; }

    public long ReceivedPackets { get; set; }

    /// <summary>Bad magic, version or length.</summary>
    public long ReceiveErrors { get; set; }

    /// <summary>Bad MAC, or a timestamp outside the replay window.</summary>
    public long AuthFailures { get; set; }

    /// <summary>Unknown ticket or leader.</summary>
    public long Invalid { get; set; }

    /// <summary>Authenticated packets not newer than the previous one (replayed or reordered), dropped. Not in booth's
    /// peers text; logged.</summary>
    public long Reordered { get; set; }

    public DateTimeOffset? LastReceived { get; set; }
}
