namespace SplitGuard.Daemon.Resources;

/// <summary>What <see cref="ResourceManager.HardKill(string, Action{HardKillReport})"/> did to one resource.</summary>
/// <param name="Resource">The resource's name.</param>
/// <param name="Killed">Processes sent SIGKILL in its cgroup (without cgroups: in its start sessions).</param>
/// <param name="Addresses">Addresses removed, as <c>ip/prefix dev nic</c>.</param>
/// <param name="Empty">Its cgroup was seen empty (in the first report: already at return; in the confirmed one: within the wait). False without cgroups.</param>
/// <param name="Remaining">Pids still in its cgroup when not empty (in the confirmed report: processes that would not die, D state).</param>
/// <param name="Graceful">How long its stop had run before the kill (zero when no stop was running).</param>
/// <param name="Problem">What went wrong, or null.</param>
public sealed record ResourceKill(string Resource, int Killed, IReadOnlyList<string> Addresses, bool Empty, IReadOnlyList<int> Remaining, TimeSpan Graceful, string? Problem);

/// <summary>The result of one hard kill.</summary>
/// <param name="Reason">Why the daemon called it.</param>
/// <param name="Resources">One entry per resource that may have been active (none: nothing to kill).</param>
/// <param name="Duration">
/// The first report: the synchronous part, until every process had SIGKILL and every address was deleted. The
/// confirmed report: until every cgroup was seen empty (or the wait ran out), the kernel's teardown of the processes included.
/// </param>
/// <param name="Confirmed">False in the report <c>HardKill</c> returns, true in the one given to its callback.</param>
public sealed record HardKillReport(string Reason, IReadOnlyList<ResourceKill> Resources, TimeSpan Duration, bool Confirmed)
{
    /// <summary>Every killed cgroup was (confirmed) empty: nothing of the resources runs here any more.</summary>
    public bool AllEmpty => Resources.All(r => r.Empty);
}
