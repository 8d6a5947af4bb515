namespace SplitGuard.Daemon.Cgroups;

/// <summary>
/// cgroup v1 (hybrid hosts): every resource has a cgroup in the freezer hierarchy, to stop it forking while it is
/// killed, and in the pids hierarchy, as a second count of its processes. Kill: SIGKILL every pid in cgroup.procs and
/// read it again; a process cannot leave its cgroup, and one with SIGKILL pending cannot fork, so only children forked
/// between the read and the kill can be new, and they are killed in the next pass. When new processes still appear
/// after <see cref="KillPasses"/> passes (a fork storm), the freezer: freezer.state FROZEN, wait until the kernel
/// says FROZEN, SIGKILL every pid, THAWED (a frozen process dies once thawed). Freezing first every time would be
/// simpler, but the freeze write alone took 8 ms for 100 sleeping processes on the 2-core lab host (every process is
/// woken to freeze), more than the whole kill budget.
/// </summary>
/// <param name="freezerRoot">Where the freezer hierarchy is mounted, e.g. /sys/fs/cgroup/freezer.</param>
/// <param name="pidsRoot">Where the pids hierarchy is mounted, e.g. /sys/fs/cgroup/pids.</param>
/// <param name="kernel">The kernel (a fake in unit tests).</param>
public sealed class CgroupV1Backend(string freezerRoot, string pidsRoot, ICgroupKernel kernel) : CgroupBackend(kernel)
{
    /// <summary>How long the kill waits for the freezer before killing anyway (a process in D state holds it at FREEZING).</summary>
    public static readonly TimeSpan FreezeWait = TimeSpan.FromMilliseconds(50);

    /// <summary>Kill passes without the freezer before it is used.</summary>
    public const int KillPasses = 3;

    public override string Mode => "v1 (freezer+pids)";

    protected override IReadOnlyList<string> Directories(string cgroup) => [Path.Combine(freezerRoot, cgroup), Path.Combine(pidsRoot, cgroup)];

    public override bool IsEmpty(string cgroup) => Directories(cgroup).All(d => ReadPids(Path.Combine(d, "cgroup.procs")).Count == 0);

    public override CgroupKill Kill(string cgroup, TimeSpan wait)
    {
        var start = Kernel.Now;
        var freezer = Path.Combine(freezerRoot, cgroup);
        if (!Kernel.Exists(freezer))
        {
            return new CgroupKill(0, false, IsEmpty(cgroup), Pids(cgroup), null);
        }

        var signalled = new HashSet<int>();
        var settled = false;
        for (var pass = 0; pass < KillPasses && !settled; pass++)
        {
            var fresh = Pids(cgroup).Where(p => !signalled.Contains(p)).ToList();
            settled = fresh.Count == 0;
            foreach (var pid in fresh)
            {
                Kernel.Kill(pid);
                signalled.Add(pid);
            }
        }

        settled = settled || Pids(cgroup).All(signalled.Contains);
        var frozen = false;
        string? problem = null;
        if (!settled)
        {
            // New processes keep appearing: freeze so none can fork, kill all, thaw so they die.
            var state = Path.Combine(freezer, "freezer.state");
            problem = TryWrite(state, "FROZEN");
            frozen = problem is null && PollUntil(() => TryRead(state)?.Trim() == "FROZEN", start + FreezeWait);
            foreach (var pid in Pids(cgroup))
            {
                Kernel.Kill(pid);
                signalled.Add(pid);
            }

            problem ??= TryWrite(state, "THAWED");
        }

        var empty = WaitEmpty(cgroup, wait - (Kernel.Now - start));
        return new CgroupKill(signalled.Count, frozen, empty, empty ? [] : Pids(cgroup), problem);
    }
}
