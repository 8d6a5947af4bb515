namespace SplitGuard.Core.Config;

/// <summary>
/// A parsed booth.conf (booth's own syntax, read as is; docs/booth.md). The member order matters: it gives every
/// member its index. <see cref="MillisecondUnits"/> is booth's global switch for <c>term_valid_for</c>: milliseconds
/// as soon as any time value of the file is not a whole number of seconds, else whole seconds.
/// </summary>
public sealed record BoothConfig
{
    public const int DefaultPort = 9929;
    public const int DefaultMaxTimeSkew = 600;
    public const int MaxMembers = 16;

    /// <summary><c>transport</c>: UDP (SCTP is accepted by booth as a stub and treated as UDP here).</summary>
    public string Transport { get; init; } = "UDP";

    /// <summary>The last <c>port</c> value (what booth's lock file shows); members carry their own.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary><c>name</c>, else the file name without directory and extension.</summary>
    public string Name { get; init; } = "booth";

    /// <summary><c>authfile</c>, or null for no authentication.</summary>
    public string? AuthFile { get; init; }

    /// <summary><c>maxtimeskew</c> in seconds: the replay window.</summary>
    public int MaxTimeSkew { get; init; } = DefaultMaxTimeSkew;

    /// <summary><c>debug</c> level.</summary>
    public int Debug { get; init; }

    public IReadOnlyList<BoothMember> Members { get; init; } = [];

    public IReadOnlyList<BoothTicketConfig> Tickets { get; init; } = [];

    /// <summary>term_valid_for is in milliseconds (some time value had sub-second precision), else in seconds.</summary>
    public bool MillisecondUnits { get; init; }

    /// <summary>JSON config only: the ticket that SplitGuard's <c>Resources</c> are bound to (Pacemaker's ticket
    /// constraint), or null.</summary>
    public string? ResourcesTicket { get; init; }

    /// <summary>JSON config only: the shared ownership log for the bound resources, or null.</summary>
    public string? OwnershipLog { get; init; }

    /// <summary>The member with site id <paramref name="id"/>, or null.</summary>
    public BoothMember? MemberById(uint id) => Members.FirstOrDefault(m => m.Id == id);

    /// <summary>The ticket named <paramref name="name"/>, or null.</summary>
    public BoothTicketConfig? Ticket(string name) => Tickets.FirstOrDefault(t => t.Name == name);
}
