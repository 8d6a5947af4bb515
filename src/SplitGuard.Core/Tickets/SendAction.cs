using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Tickets;

/// <summary>
/// Send <paramref name="Message"/> over UDP to the member with index <paramref name="To"/> (at its configured address),
/// or to every other member when <paramref name="To"/> is null. The shell adds the timestamp and the HMAC trailer.
/// </summary>
public sealed record SendAction(int? To, BoothMessage Message) : TicketAction
{
    /// <summary>A resend to a member that did not acknowledge (counted as "resends" in booth peers).</summary>
    public bool Resend { get; init; }
}
