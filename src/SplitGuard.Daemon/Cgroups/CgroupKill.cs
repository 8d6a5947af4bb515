namespace SplitGuard.Daemon.Cgroups;

/// <summary>What killing one cgroup did.</summary>
/// <param name="Killed">Processes sent SIGKILL (v2's cgroup.kill: the processes that were in it just before).</param>
/// <param name="Frozen">The freezer was used (v1: new processes kept appearing between passes; v2: cgroup.kill, which the kernel makes atomic).</param>
/// <param name="Empty">The cgroup was seen empty within the wait.</param>
/// <param name="Remaining">The pids still in it when the wait ended (uninterruptible sleep: D state), else empty.</param>
/// <param name="Problem">What went wrong (a control file that could not be written), or null.</param>
public sealed record CgroupKill(int Killed, bool Frozen, bool Empty, IReadOnlyList<int> Remaining, string? Problem);
