namespace SplitGuard.Core.Tickets;

/// <summary>A site's ticket as loaded from the CIB at start (crm_ticket -q): granted here, owner id, term, and the
/// remaining validity in ms derived from its wall-clock <c>expires</c>.</summary>
public sealed record CibTicketState(bool Granted, long Owner, uint Term, long RemainingMs);
