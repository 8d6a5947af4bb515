namespace SplitGuard.Core.Resources;

/// <summary>Defaults and limits of the keys of a resource (documented in docs/resources.md).</summary>
public static class ResourceDefaults
{
    /// <summary>Default <c>timeouts.start</c>, <c>timeouts.stop</c> and <c>timeouts.monitor</c>: 20 s.</summary>
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Default <c>monitor_interval</c>: 10 s.</summary>
    public static readonly TimeSpan MonitorInterval = TimeSpan.FromSeconds(10);

    /// <summary>Default <c>fail_count</c> (the migration threshold): 3 failures on this node, then the group moves.</summary>
    public const int MigrationThreshold = 3;

    /// <summary>Largest <c>fail_count</c>.</summary>
    public const int MaxMigrationThreshold = 1_000_000;

    /// <summary>Smallest timeout or interval in seconds (10 ms).</summary>
    public const decimal MinSeconds = 0.01m;

    /// <summary>Largest timeout or interval in seconds (one day).</summary>
    public const decimal MaxSeconds = 86_400m;

    /// <summary>Longest resource, group or ticket name.</summary>
    public const int MaxNameLength = 64;
}
