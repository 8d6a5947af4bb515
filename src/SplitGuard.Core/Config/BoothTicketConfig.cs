namespace SplitGuard.Core.Config;

/// <summary>
/// One <c>ticket</c> section of booth.conf. Times are milliseconds. Defaults are booth's: expire 600 s, timeout 5 s,
/// retries 10, renewal-freq expire/2, acquire-after 0.
/// </summary>
public sealed record BoothTicketConfig
{
    public const long DefaultExpireMs = 600_000;
    public const long DefaultTimeoutMs = 5_000;
    public const int DefaultRetries = 10;

    public required string Name { get; init; }

    /// <summary>The line of the <c>ticket =</c> line.</summary>
    public int Line { get; init; }

    /// <summary>Lease length (<c>expire</c>).</summary>
    public long ExpireMs { get; init; } = DefaultExpireMs;

    /// <summary>Resend interval and election duration (<c>timeout</c>).</summary>
    public long TimeoutMs { get; init; } = DefaultTimeoutMs;

    /// <summary>How often an unacknowledged message is resent (<c>retries</c>, 3..100).</summary>
    public int Retries { get; init; } = DefaultRetries;

    /// <summary>Renewal interval (<c>renewal-freq</c>); expire/2 when not set.</summary>
    public long RenewalFreqMs { get; init; } = DefaultExpireMs / 2;

    /// <summary>Extra wait before taking over a lost ticket (<c>acquire-after</c>).</summary>
    public long AcquireAfterMs { get; init; }

    /// <summary>The <c>before-acquire-handler</c> command line (path, then arguments), or null.</summary>
    public string? BeforeAcquireHandler { get; init; }

    /// <summary>The raw <c>attr-prereq</c> lines (parsed, not evaluated: geostore attributes are not served).</summary>
    public IReadOnlyList<string> AttrPrereqs { get; init; } = [];

    /// <summary>The <c>weights</c> value: parsed, unused, as in booth.</summary>
    public string? Weights { get; init; }

    public BoothTicketMode Mode { get; init; } = BoothTicketMode.Auto;

    /// <summary>True for a manual ticket.</summary>
    public bool IsManual => Mode == BoothTicketMode.Manual;
}
