namespace SplitGuard.Core.Tickets;

/// <summary>
/// Record the ticket in Pacemaker's CIB (sites only), as booth does with crm_ticket: granted here or not, the owner
/// (a site id; <see cref="OwnerRevoked"/> after an admin revoke, <see cref="OwnerLost"/> after a loss), the remaining
/// validity in ms (the shell turns it into epoch seconds) and the term.
/// </summary>
public sealed record CibWriteAction(string Ticket, bool Granted, long Owner, long ExpiresInMs, uint Term) : TicketAction
{
    public const long OwnerRevoked = -1;
    public const long OwnerLost = 0;
}
