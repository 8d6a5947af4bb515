namespace SplitGuard.Daemon.Cgroups;

/// <summary>
/// Which cgroup backend this host allows, from /proc/self/mountinfo: v2 when /sys/fs/cgroup itself is cgroup2 (the
/// unified hierarchy), v1 when the freezer and pids controllers are mounted as v1 hierarchies (hybrid hosts, where
/// the v2 mount at /sys/fs/cgroup/unified has no controllers and is not used), else none and why.
/// </summary>
public static class CgroupDetection
{
    /// <summary>Where the unified hierarchy is expected.</summary>
    public const string UnifiedRoot = "/sys/fs/cgroup";

    /// <summary>Chooses a backend from <paramref name="mountinfo"/> (the text of /proc/self/mountinfo); null and why when none fits.</summary>
    public static (ICgroupBackend? Backend, string Why) Choose(string mountinfo, bool privileged, ICgroupKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(mountinfo);
        if (!privileged)
        {
            return (null, "not root (creating cgroups needs it)");
        }

        string? freezer = null;
        string? pids = null;
        foreach (var line in mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || dash < 0 || dash + 3 >= fields.Length)
            {
                continue;
            }

            var mountPoint = fields[4];
            var type = fields[dash + 1];
            var options = fields[dash + 3].Split(',');
            if (type == "cgroup2" && mountPoint == UnifiedRoot)
            {
                return (new CgroupV2Backend(UnifiedRoot, kernel), "v2");
            }

            if (type == "cgroup")
            {
                if (options.Contains("freezer"))
                {
                    freezer ??= mountPoint;
                }

                if (options.Contains("pids"))
                {
                    pids ??= mountPoint;
                }
            }
        }

        if (freezer is not null && pids is not null)
        {
            return (new CgroupV1Backend(freezer, pids, kernel), "v1 (freezer+pids)");
        }

        return (null, $"{UnifiedRoot} is not cgroup2 and the v1 {(freezer is null ? "freezer" : "pids")} hierarchy is not mounted");
    }
}
