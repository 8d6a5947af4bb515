namespace SplitGuard.Daemon.Cgroups;

/// <summary>
/// cgroup v1 (hybrid hosts): every resource has a cgroup in the freezer hierarchy, to stop it forking while it is
/// killed, and in the pids hierarchy, as a second count of its processes. Kill: freezer.state FROZEN, wait until the
/// kernel says FROZEN, SIGKILL every pid in cgroup.procs, THAWED (a frozen process dies only once thawed).
/// </summary>
/// <param name="freezerRoot">Where the freezer hierarchy is mounted, e.g. /sys/fs/cgroup/freezer.</param>
/// <param name="pidsRoot">Where the pids hierarchy is mounted, e.g. /sys/fs/cgroup/pids.</param>
/// <param name="kernel">The kernel (a fake in unit tests).</param>
public sealed class CgroupV1Backend(string freezerRoot, string pidsRoot, ICgroupKernel kernel) : CgroupBackend(kernel)
{
    /// <summary>How long the kill waits for the freezer before killing anyway (a process in D state holds it at FREEZING).</summary>
    public static readonly TimeSpan FreezeWait = TimeSpan.FromMilliseconds(50);

    public override string Mode => "v1 (freezer+pids)";

    protected override IReadOnlyList<string> Directories(string cgroup) => [Path.Combine(freezerRoot, cgroup), Path.Combine(pidsRoot, cgroup)];

    public override bool IsEmpty(string cgroup) => Directories(cgroup).All(d => ReadPids(Path.Combine(d, "cgroup.procs")).Count == 0);

    public override CgroupKill Kill(string cgroup, TimeSpan wait)
    {
        var start = Kernel.Now;
        var freezer = Path.Combine(freezerRoot, cgroup);
        var state = Path.Combine(freezer, "freezer.state");
        if (!Kernel.Exists(freezer))
        {
            return new CgroupKill(0, false, IsEmpty(cgroup), Pids(cgroup), null);
        }

        var problem = TryWrite(state, "FROZEN");
        var frozen = problem is null && PollUntil(() => TryRead(state)?.Trim() == "FROZEN", start + FreezeWait);

        // Frozen or not (a process in uninterruptible sleep keeps it FREEZING), every process gets SIGKILL; the pids
        // hierarchy is read too in case a process is only there.
        var killed = KillAll(Pids(cgroup));
        var thaw = TryWrite(state, "THAWED");
        problem ??= thaw;
        var empty = WaitEmpty(cgroup, wait - (Kernel.Now - start));
        if (!empty && !frozen)
        {
            // Not frozen, so something may have forked between the read and the kill: once more.
            killed += KillAll(Pids(cgroup));
            empty = WaitEmpty(cgroup, wait - (Kernel.Now - start));
        }

        return new CgroupKill(killed, frozen, empty, empty ? [] : Pids(cgroup), problem);
    }
}
