namespace SplitGuard.Core.Tickets;

/// <summary>Run the ticket's before-acquire-handler, then report with <see cref="TicketEngine.HandlerDone"/>.
/// <paramref name="ExpiresInMs"/> is the remaining validity, for BOOTH_TICKET_EXPIRES.</summary>
public sealed record RunHandlerAction(string Ticket, string Command, HandlerPurpose Purpose, long ExpiresInMs) : TicketAction;
