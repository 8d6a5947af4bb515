namespace SplitGuard.Core.Links;

/// <summary>What a <see cref="LinkEvent"/> reports.</summary>
public enum LinkEventKind
{
    /// <summary>A link went in or out of service (sbp 301/302).</summary>
    Link,

    /// <summary>A path (all links of one type to a peer) went in or out of service (sbp 201/202).</summary>
    Path,

    /// <summary>The ICMP_HOP check of an icmp link changed (sbp 303).</summary>
    Hop,

    /// <summary>One-way detection started (InService=false) or ended (sbp 311/312/313).</summary>
    OneWay,

    /// <summary>The engine was ticked late: a stall (GC, SIGSTOP, starvation) was charged as one interval.</summary>
    SlowTick,
}
