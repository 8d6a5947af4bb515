namespace SplitGuard.Daemon.Cgroups;

/// <summary>
/// One cgroup hierarchy flavour. Every method takes the cgroup's path relative to the daemon's subtree root (such as
/// <c>splitguard/n1/vip</c>).
/// </summary>
public interface ICgroupBackend
{
    /// <summary>"v2" or "v1 (freezer+pids)", for status.</summary>
    string Mode { get; }

    /// <summary>Creates the cgroup (and its parents) if missing.</summary>
    void Create(string cgroup);

    /// <summary>The cgroup.procs files a process writes its pid to so that it and all it forks later are in the cgroup.</summary>
    IReadOnlyList<string> JoinFiles(string cgroup);

    /// <summary>The processes in the cgroup (empty when it does not exist).</summary>
    IReadOnlyList<int> Pids(string cgroup);

    /// <summary>True when no process is in the cgroup (or it does not exist).</summary>
    bool IsEmpty(string cgroup);

    /// <summary>Kills every process in the cgroup so that none escapes by forking, then waits up to <paramref name="wait"/> for it to be empty.</summary>
    CgroupKill Kill(string cgroup, TimeSpan wait);

    /// <summary>Waits up to <paramref name="wait"/> for the cgroup to be empty; true when it is.</summary>
    bool WaitEmpty(string cgroup, TimeSpan wait);

    /// <summary>Removes the cgroup when empty, and its parents when they are empty too; false when it could not.</summary>
    bool Remove(string cgroup);
}
