namespace SplitGuard.Protocol.Booth;

/// <summary>booth's result codes (the <c>result</c> field of client replies and of RJC! rejects).</summary>
public enum BoothResult : uint
{
    Success = 0,

    /// <summary><c>More</c>: request queued, more replies follow.</summary>
    More = 0x4D6F7265,

    /// <summary><c>Pend</c>: the CIB commit is delayed.</summary>
    CibPending = 0x50656E64,

    /// <summary><c>Redr</c>: not the leader; <c>ticket.leader</c> names it.</summary>
    Redirect = 0x52656472,

    /// <summary><c>IArg</c>: unknown ticket or command.</summary>
    InvalidArgument = 0x49417267,

    /// <summary><c>Over</c>: the ticket is already granted.</summary>
    Overgrant = 0x4F766572,

    /// <summary><c>Tidl</c>: revoke of a free ticket.</summary>
    TicketIdle = 0x5469646C,

    /// <summary><c>Auth</c>: client authentication failed.</summary>
    AuthFailed = 0x41757468,

    /// <summary><c>XPrg</c>: the before-acquire-handler failed.</summary>
    ExternalFailed = 0x58507267,

    /// <summary><c>APrq</c>: attr-prereq failed.</summary>
    AttributePrerequisite = 0x41507271,

    /// <summary><c>Fail</c>: failure.</summary>
    SyncFail = 0x4661696C,

    /// <summary><c>NAtr</c>: geostore attribute missing.</summary>
    NoSuchAttribute = 0x4E417472,

    /// <summary><c>TOdt</c>: peer reject, the sender's term is too low.</summary>
    TermOutdated = 0x544F6474,

    /// <summary><c>TVld</c>: peer reject, the ticket is still valid here.</summary>
    TermStillValid = 0x54566C64,

    /// <summary><c>Outd</c>: peer reject, the sender claims "lost" but the ticket was revoked.</summary>
    YouOutdated = 0x4F757464,
}
