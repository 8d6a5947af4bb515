namespace SplitGuard.Daemon.Resources;

/// <summary>What <see cref="ResourceManager.HardKill(string)"/> did to one resource.</summary>
/// <param name="Resource">The resource's name.</param>
/// <param name="Killed">Processes killed in its cgroup (without cgroups: in its start sessions).</param>
/// <param name="Addresses">Addresses removed, as <c>ip/prefix dev nic</c>.</param>
/// <param name="Empty">Its cgroup was confirmed empty; false without cgroups, or with a process that would not die (D state).</param>
/// <param name="Remaining">Pids still in its cgroup when not empty.</param>
/// <param name="Graceful">How long its stop had run before the kill (zero when no stop was running).</param>
/// <param name="Problem">What went wrong, or null.</param>
public sealed record ResourceKill(string Resource, int Killed, IReadOnlyList<string> Addresses, bool Empty, IReadOnlyList<int> Remaining, TimeSpan Graceful, string? Problem);

/// <summary>The result of one hard kill.</summary>
/// <param name="Reason">Why the daemon called it.</param>
/// <param name="Resources">One entry per resource that may have been active (none: nothing to kill).</param>
/// <param name="Duration">The whole call: kill, address removal, confirmation.</param>
public sealed record HardKillReport(string Reason, IReadOnlyList<ResourceKill> Resources, TimeSpan Duration)
{
    /// <summary>Every killed cgroup was confirmed empty: nothing of the resources runs here any more.</summary>
    public bool AllEmpty => Resources.All(r => r.Empty);
}
