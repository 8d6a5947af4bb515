namespace SplitGuard.Daemon.Cgroups;

/// <summary>What killing one cgroup did.</summary>
/// <param name="Killed">Processes sent SIGKILL (v2's cgroup.kill: the processes that were in it just before).</param>
/// <param name="Frozen">The cgroup was frozen before the kill, so nothing forked out of the way (v2 with cgroup.kill: true).</param>
/// <param name="Empty">The cgroup was seen empty within the wait.</param>
/// <param name="Remaining">The pids still in it when the wait ended (uninterruptible sleep: D state), else empty.</param>
/// <param name="Problem">What went wrong (a control file that could not be written), or null.</param>
public sealed record CgroupKill(int Killed, bool Frozen, bool Empty, IReadOnlyList<int> Remaining, string? Problem);
