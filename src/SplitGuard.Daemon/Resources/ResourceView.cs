namespace SplitGuard.Daemon.Resources;

/// <summary>One resource as <c>splitguard status</c> shows it.</summary>
/// <param name="Name">The resource's name.</param>
/// <param name="Group">Its group's name.</param>
/// <param name="Status">unknown, stopped, starting, started, stopping or failed.</param>
/// <param name="FailCount">Failures on this node since the last cleanup.</param>
/// <param name="FailLimit">The migration threshold (<c>fail_count</c>).</param>
/// <param name="StopFailed">Its stop failed and escalation has not confirmed it stopped.</param>
/// <param name="Disabled">Kept stopped by <c>splitguard resource stop</c>.</param>
/// <param name="Pending">The agent action running now, if any.</param>
/// <param name="LastError">The last failure, if any.</param>
public sealed record ResourceView(string Name, string Group, string Status, int FailCount, int FailLimit, bool StopFailed, bool Disabled, string? Pending, string? LastError)
{
    /// <summary>How long its last stop took, in ms (graceful: until the agent said stopped and its cgroup was empty; with a hard kill: until the kill); null before the first.</summary>
    public double? LastStopMs { get; init; }

    /// <summary>Its longest stop since the daemon started, in ms; null before the first.</summary>
    public double? LongestStopMs { get; init; }

    /// <summary>The last stop needed the hard kill.</summary>
    public bool LastStopKilled { get; init; }
}
