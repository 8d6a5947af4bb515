using SplitGuard.Core.Config;

namespace SplitGuard.Core.Tickets;

/// <summary>
/// Pacemaker's ticket constraint, for SplitGuard's own resources: the resources bound to a ticket run only while this
/// site holds it, its grant is committed (no CIB commit delay pending), and more than <see cref="StopMarginMs"/> of
/// the lease is left, so a holder that cannot renew stops them before its lease ends, and therefore before any
/// other site may take the ticket (its expiry + acquire-after).
/// </summary>
public static class TicketBinding
{
    /// <summary>The stop margin: two resend intervals (<c>timeout</c>) before the lease ends.</summary>
    public static long StopMarginMs(BoothTicketConfig ticket) => 2 * ticket.TimeoutMs;

    /// <summary>True while the bound resources may run on <paramref name="local"/>.</summary>
    public static bool ShouldRun(TicketView view, BoothMember local, BoothTicketConfig ticket, long now) =>
        local.IsSite
        && view.Role == TicketRole.Leader
        && view.Leader == local.Id
        && view.CommitPendingUntilMs is null
        && (view.Manual || (view.ExpiresAtMs is { } at && at - now > StopMarginMs(ticket)));
}
