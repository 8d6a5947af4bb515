using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Tickets;

/// <summary>Answer the client request <paramref name="RequestId"/> with an Rslt message; close its connection when
/// <paramref name="Final"/>.</summary>
public sealed record ClientReplyAction(long RequestId, BoothMessage Message, bool Final) : TicketAction;
