namespace SplitGuard.Core.Tickets;

/// <summary>
/// One ticket as this member sees it, for list output and tests. <see cref="ExpiresAtMs"/> is on the caller's
/// monotonic clock (null when no one holds it or for manual tickets); <see cref="Revoked"/> tells an admin revoke
/// ("none") from a loss or a never-granted ticket ("NONE").
/// </summary>
public sealed record TicketView(
    string Name,
    TicketRole Role,
    uint Leader,
    uint Term,
    long? ExpiresAtMs,
    bool Revoked,
    long? CommitPendingUntilMs,
    bool Manual);
