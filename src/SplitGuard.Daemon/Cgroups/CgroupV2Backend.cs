namespace SplitGuard.Daemon.Cgroups;

/// <summary>
/// cgroup v2 (unified hierarchy at /sys/fs/cgroup): one cgroup per resource. Kill: write 1 to cgroup.kill (Linux 5.14+:
/// the kernel kills every process, forks included); on older kernels cgroup.freeze 1, SIGKILL each pid, freeze 0.
/// Empty: "populated 0" in cgroup.events.
/// </summary>
/// <param name="root">The daemon's subtree root in the unified hierarchy, e.g. /sys/fs/cgroup.</param>
/// <param name="kernel">The kernel (a fake in unit tests).</param>
public sealed class CgroupV2Backend(string root, ICgroupKernel kernel) : CgroupBackend(kernel)
{
    public override string Mode => "v2";

    protected override IReadOnlyList<string> Directories(string cgroup) => [Path.Combine(root, cgroup)];

    public override bool IsEmpty(string cgroup)
    {
        var events = TryRead(Path.Combine(root, cgroup, "cgroup.events"));
        return events is null || events.Split('\n').Any(l => l.Trim() == "populated 0");
    }

    public override CgroupKill Kill(string cgroup, TimeSpan wait)
    {
        var start = Kernel.Now;
        var dir = Path.Combine(root, cgroup);
        if (!Kernel.Exists(dir))
        {
            return new CgroupKill(0, false, true, [], null);
        }

        var before = Pids(cgroup);
        int killed;
        bool frozen;
        string? problem;
        if (Kernel.Exists(Path.Combine(dir, "cgroup.kill")))
        {
            problem = TryWrite(Path.Combine(dir, "cgroup.kill"), "1");
            killed = problem is null ? before.Count : KillAll(before);
            frozen = problem is null;
        }
        else
        {
            problem = TryWrite(Path.Combine(dir, "cgroup.freeze"), "1");
            frozen = problem is null && PollUntil(
                () => TryRead(Path.Combine(dir, "cgroup.events"))?.Split('\n').Any(l => l.Trim() == "frozen 1") == true,
                start + CgroupV1Backend.FreezeWait);
            killed = KillAll(Pids(cgroup));
            problem ??= TryWrite(Path.Combine(dir, "cgroup.freeze"), "0");
        }

        var empty = WaitEmpty(cgroup, wait - (Kernel.Now - start));
        return new CgroupKill(killed, frozen, empty, empty ? [] : Pids(cgroup), problem);
    }
}
