namespace SplitGuard.Daemon.Cgroups;

/// <summary>
/// The kernel as the cgroup code sees it: files under a cgroup mount, SIGKILL, a monotonic clock and a short pause
/// between polls. <see cref="CgroupKernel"/> is the real one; unit tests pass a fake that answers as the kernel would
/// (a freezer that goes FREEZING then FROZEN, processes that leave cgroup.procs when killed) without sleeping.
/// </summary>
public interface ICgroupKernel
{
    /// <summary>True when the file or directory exists.</summary>
    bool Exists(string path);

    /// <summary>mkdir -p: creating a directory in a cgroup mount creates a cgroup (with its control files).</summary>
    void CreateDirectory(string path);

    /// <summary>rmdir: removes an empty cgroup; throws <see cref="IOException"/> when it still holds processes or children.</summary>
    void RemoveDirectory(string path);

    /// <summary>Reads a control file; throws <see cref="IOException"/> when it cannot.</summary>
    string Read(string path);

    /// <summary>Writes a control file in one write(2); throws <see cref="IOException"/> when the kernel refuses.</summary>
    void Write(string path, string text);

    /// <summary>SIGKILL to <paramref name="pid"/>; false when it was already gone or refused.</summary>
    bool Kill(int pid);

    /// <summary>A monotonic clock.</summary>
    TimeSpan Now { get; }

    /// <summary>Waits a little before the next poll of a control file.</summary>
    void Pause();
}
