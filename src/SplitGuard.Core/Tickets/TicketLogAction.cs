namespace SplitGuard.Core.Tickets;

/// <summary>A decision worth a log line (elections, grants, losses, rejects).</summary>
public sealed record TicketLogAction(string Ticket, string Text) : TicketAction;
