using SplitGuard.Daemon.Cgroups;
using Xunit;

namespace SplitGuard.Core.Tests.Cgroups;

/// <summary>Which backend a host gets, from its mountinfo.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CgroupDetectionTests
{
    // Debian 12 in a container with the hybrid layout (this lab machine): v1 controllers, v2 at unified without any.
    private const string Hybrid = """
        30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """;

    private const string Unified = """
        25 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        26 25 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
        """;

    private readonly FakeCgroupKernel _kernel = new(v2: false);

    [Fact]
    public void A_unified_hierarchy_at_sys_fs_cgroup_is_v2()
    {
        var (backend, why) = CgroupDetection.Choose(Unified, privileged: true, _kernel);

        Assert.IsType<CgroupV2Backend>(backend);
        Assert.Equal("v2", why);
    }

    [Fact]
    public void A_hybrid_host_uses_the_v1_freezer_and_pids_hierarchies_not_the_empty_unified_one()
    {
        var (backend, _) = CgroupDetection.Choose(Hybrid, privileged: true, _kernel);

        var v1 = Assert.IsType<CgroupV1Backend>(backend);
        Assert.Equal(["/sys/fs/cgroup/freezer/a/cgroup.procs", "/sys/fs/cgroup/pids/a/cgroup.procs"], v1.JoinFiles("a"));
    }

    [Fact]
    public void Without_root_or_without_a_freezer_there_is_no_backend_and_the_reason_says_why()
    {
        var (notRoot, why) = CgroupDetection.Choose(Unified, privileged: false, _kernel);
        Assert.Null(notRoot);
        Assert.Equal("not root (creating cgroups needs it)", why);

        var noFreezer = Hybrid.Replace("rw,freezer", "rw,devices", StringComparison.Ordinal);
        var (none, reason) = CgroupDetection.Choose(noFreezer, privileged: true, _kernel);
        Assert.Null(none);
        Assert.Contains("freezer", reason, StringComparison.Ordinal);
    }
}
