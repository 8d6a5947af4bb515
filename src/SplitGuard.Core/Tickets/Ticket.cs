using SplitGuard.Core.Config;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Tickets;

/// <summary>
/// One booth ticket on one member: a Raft-like lease without a log (docs/booth.md section 7). Deterministic: every
/// input carries <c>now</c> (monotonic milliseconds) and every effect is a <see cref="TicketAction"/> added to the
/// caller's list. Split by concern: receiving peer messages, elections, the leader's renewals, timers, clients.
/// </summary>
internal sealed partial class Ticket
{
    private const uint NoOne = BoothMessage.NoOne;

    private readonly TicketContext _ctx;
    private readonly Dictionary<int, uint> _votes = [];

    public Ticket(TicketContext ctx, BoothTicketConfig config)
    {
        _ctx = ctx;
        Config = config;
    }

    public BoothTicketConfig Config { get; }

    public string Name => Config.Name;

    public TicketRole Role { get; private set; } = TicketRole.Init;

    /// <summary>The holder's site id, or NO_ONE.</summary>
    public uint Leader { get; private set; } = NoOne;

    public uint Term { get; private set; }

    /// <summary>When the current lease ends (monotonic ms); 0 when there is none.</summary>
    public long TermExpires { get; private set; }

    /// <summary>This member's vote in the current term.</summary>
    public uint? VotedFor { get; private set; }

    /// <summary>The term of the last valid copy of the ticket seen here (booth's last_valid_tk), used by the term
    /// increment rule.</summary>
    public uint? LastValidTerm { get; private set; }

    /// <summary>True after an admin revoke (list shows "none"), false after a loss or before any grant ("NONE").</summary>
    public bool Revoked { get; private set; }

    public long? DelayCommitUntil { get; private set; }

    private uint LocalId => _ctx.Local.Id;

    private bool IsSite => _ctx.Local.IsSite;

    private bool IsLeaderHere => Role == TicketRole.Leader && Leader == LocalId;

    public TicketView View(long now) => new(
        Name,
        Role,
        Leader,
        Term,
        Leader == NoOne || Config.IsManual ? null : TermExpires,
        Revoked,
        DelayCommitUntil is { } d && d > now ? d : null,
        Config.IsManual);

    /// <summary>Remaining validity in ms (0 when expired or unowned).</summary>
    public long Remaining(long now) => Leader == NoOne || TermExpires <= now ? 0 : TermExpires - now;

    /// <summary>The ticket is held by someone and has time left.</summary>
    public bool IsValid(long now) => Leader != NoOne && (Config.IsManual || TermExpires > now);

    /// <summary>A message about this ticket with this member's view: leader (else its vote), term, remaining validity.</summary>
    private BoothMessage Make(BoothCommand cmd, long now, BoothCommand request = BoothCommand.None, BoothReason reason = BoothReason.JustSo, BoothResult result = BoothResult.Success) =>
        new(LocalId, cmd, request, BoothClientOptions.None, reason, result, Name,
            Leader != NoOne ? Leader : VotedFor ?? NoOne,
            Term,
            _ctx.ToWire(Config.IsManual && Leader != NoOne ? Config.ExpireMs : Remaining(now)));

    private void Send(List<TicketAction> actions, int? to, BoothMessage message) => actions.Add(new SendAction(to, message));

    private void Log(List<TicketAction> actions, string text) => actions.Add(new TicketLogAction(Name, text));

    private void WriteCib(List<TicketAction> actions, bool granted, long owner, long now)
    {
        if (IsSite)
        {
            actions.Add(new CibWriteAction(Name, granted, owner, Remaining(now), Term));
        }
    }

    /// <summary>Adopts a valid lease held by <paramref name="leader"/>.</summary>
    private void Follow(uint leader, uint term, long validMs, long now)
    {
        ClearElection();
        Leader = leader;
        Term = term;
        TermExpires = now + Math.Min(validMs, Config.ExpireMs);
        Role = leader == LocalId ? TicketRole.Leader : leader == NoOne ? TicketRole.Init : TicketRole.Follower;
        Revoked = false;
        _nextElectionAt = null;
        if (leader != NoOne && TermExpires > now)
        {
            LastValidTerm = term;
        }
    }

    /// <summary>Back to Init without a holder (loss or revoke).</summary>
    private void Reset(bool revoked)
    {
        if (Leader != NoOne)
        {
            LastValidTerm = Term;
        }

        ClearElection();
        ClearAcks();
        Role = TicketRole.Init;
        Leader = NoOne;
        TermExpires = 0;
        VotedFor = null;
        Revoked = revoked;
        DelayCommitUntil = null;
    }
}
