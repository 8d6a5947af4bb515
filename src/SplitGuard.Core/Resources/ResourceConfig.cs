namespace SplitGuard.Core.Resources;

/// <summary>One entry of the top-level <c>Resources</c> array: what to run, with which agent, and how to watch it.</summary>
public sealed record ResourceConfig
{
    private static readonly IReadOnlyDictionary<string, string> NoParams = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Unique name (<c>name</c>); OCF agents see it as <c>OCF_RESOURCE_INSTANCE</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The agent (<c>agent</c>).</summary>
    public required AgentSpec Agent { get; init; }

    /// <summary>Agent parameters (<c>params</c>), passed to OCF and script agents as <c>OCF_RESKEY_&lt;name&gt;</c>.</summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = NoParams;

    /// <summary>The group it belongs to (<c>group</c>), or null when it is a group of its own.</summary>
    public string? Group { get; init; }

    /// <summary>Per-action timeouts (<c>timeouts</c>).</summary>
    public ResourceTimeouts Timeouts { get; init; } = ResourceTimeouts.Default;

    /// <summary>Time between monitors while started (<c>monitor_interval</c>).</summary>
    public TimeSpan MonitorInterval { get; init; } = ResourceDefaults.MonitorInterval;

    /// <summary>Failures on this node before its group must move (<c>fail_count</c>).</summary>
    public int MigrationThreshold { get; init; } = ResourceDefaults.MigrationThreshold;

    /// <summary>The booth ticket the resource needs (<c>ticket</c>); parsed, not yet enforced.</summary>
    public string? Ticket { get; init; }

    /// <summary>The name of the group that places, starts and stops it: <see cref="Group"/>, or its own name.</summary>
    public string GroupName => Group ?? Name;
}
