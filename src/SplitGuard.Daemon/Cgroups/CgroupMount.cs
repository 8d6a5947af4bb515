using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Cgroups;

/// <summary>
/// Mounts the cgroup hierarchies at /sys/fs/cgroup when nothing is mounted there, as in a process started by
/// <c>ip netns exec</c>: it gets a mount namespace of its own with a fresh sysfs on /sys, which hides the host's cgroup
/// mounts. The hierarchies are the host's all the same (a v1 hierarchy mounted again with the same controller is the
/// same hierarchy; cgroup2 is one), so daemons in namespaces and tools on the host see the same cgroups. The layout is
/// the host's: cgroup2 on /sys/fs/cgroup when the host is unified (its /proc/self/cgroup has only a "0::" line),
/// else a tmpfs with freezer and pids mounted in it.
/// </summary>
public static partial class CgroupMount
{
    private const ulong NoSuid = 2;
    private const ulong NoDev = 4;
    private const ulong NoExec = 8;

    /// <summary>Mounts at <see cref="CgroupDetection.UnifiedRoot"/>; null on success, else why not.</summary>
    public static string? MountHostLayout(string procSelfCgroup)
    {
        ArgumentNullException.ThrowIfNull(procSelfCgroup);
        var controllers = procSelfCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':'))
            .Where(f => f.Length >= 3)
            .SelectMany(f => f[1].Split(','))
            .ToHashSet(StringComparer.Ordinal);
        const ulong Flags = NoSuid | NoDev | NoExec;
        var root = CgroupDetection.UnifiedRoot;
        if (controllers.Contains("freezer") && controllers.Contains("pids"))
        {
            if (Mount("tmpfs", root, "tmpfs", Flags, "mode=755") is { } tmpfs)
            {
                return tmpfs;
            }

            foreach (var controller in new[] { "freezer", "pids" })
            {
                var dir = Path.Combine(root, controller);
                Directory.CreateDirectory(dir);
                if (Mount("cgroup", dir, "cgroup", Flags, controller) is { } problem)
                {
                    return problem;
                }
            }

            return null;
        }

        return controllers.Count == 1 && controllers.Contains(string.Empty)
            ? Mount("cgroup2", root, "cgroup2", Flags, null)
            : "the host's cgroups have no freezer and pids v1 controllers and are not unified (v2)";
    }

    private static string? Mount(string source, string target, string type, ulong flags, string? data) =>
        MountNative(source, target, type, flags, data) == 0 ? null : $"mount -t {type} {target}: errno {Marshal.GetLastPInvokeError()}";

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MountNative(string source, string target, string type, ulong flags, string? data);
}
