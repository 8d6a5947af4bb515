namespace SplitGuard.Core.Config;

/// <summary>A ticket section while booth.conf is being read: the values set so far.</summary>
internal sealed class BoothTicketDraft(string name, int line)
{
    public string Name { get; } = name;

    public int Line { get; } = line;

    public long? ExpireMs { get; set; }

    public long? TimeoutMs { get; set; }

    public int? Retries { get; set; }

    public long? RenewalFreqMs { get; set; }

    public long? AcquireAfterMs { get; set; }

    public string? Handler { get; set; }

    public List<string> AttrPrereqs { get; } = [];

    public string? Weights { get; set; }

    public BoothTicketMode? Mode { get; set; }

    /// <summary>Line of the renewal-freq key (for the timing constraint's error), else the ticket line.</summary>
    public int TimingLine { get; set; }
}
