namespace SplitGuard.Core.Tickets;

/// <summary>Something the shell must do for the ticket engine: send, answer a client, run a handler, write the CIB, log.</summary>
public abstract record TicketAction;
