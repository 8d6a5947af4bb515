namespace SplitGuard.Protocol.Booth;

/// <summary>booth's reason codes (the <c>reason</c> field): why a message, mostly RVot, was sent.</summary>
public enum BoothReason : uint
{
    /// <summary>0: default, and every resent message.</summary>
    JustSo = 0,

    /// <summary><c>Admn</c>: admin grant (RVot) or admin revoke (Revk).</summary>
    Admin = 0x41646D6E,

    /// <summary><c>TLst</c>: election because the ticket expired.</summary>
    TicketLost = 0x544C7374,

    /// <summary><c>Racq</c>: reacquire after a restart, or after the leader lost its majority.</summary>
    Reacquire = 0x52616371,

    /// <summary><c>Spdn</c>: election after the leader stepped down.</summary>
    StepDown = 0x5370646E,

    /// <summary><c>LocF</c>: the before-acquire-handler failed (VtFr step-down broadcast).</summary>
    LocalFail = 0x4C6F6346,
}
