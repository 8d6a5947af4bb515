namespace SplitGuard.Core.Tickets;

/// <summary>A ticket's state on one member, as booth logs it (Init, Fllw, Cndi, Lead); never on the wire.</summary>
public enum TicketRole
{
    Init,
    Follower,
    Candidate,
    Leader,
}
