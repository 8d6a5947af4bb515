namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// <c>Daemon.state_dir</c> (default <c>/var/lib/splitguard</c>): what must outlive the process and a reboot, the lease
/// term (<see cref="TermPath"/>: a node that forgot it could vote twice in one term) and the incarnation
/// (<see cref="IncarnationPath"/>). Created when missing (0750); held with an exclusive lock on <c>lock</c> while the
/// daemon runs, so two daemons can never share one term (two lab nodes on one host sharing a directory is refused at
/// start instead of corrupting each other's votes).
/// </summary>
public sealed class StateDirectory : IDisposable
{
    private readonly FileStream _lock;

    private StateDirectory(string path, FileStream held)
    {
        Path = path;
        _lock = held;
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>The stored lease term (<see cref="TermFile"/>) in the state directory <paramref name="dir"/>.</summary>
    public static string TermPath(string dir) => System.IO.Path.Combine(dir, "term");

    /// <summary>The last incarnation (<see cref="Incarnation"/>) in the state directory <paramref name="dir"/>.</summary>
    public static string IncarnationPath(string dir) => System.IO.Path.Combine(dir, "incarnation");

    /// <summary>Creates the directory when missing and takes its lock.</summary>
    /// <exception cref="DaemonStartException">It cannot be created or written, or another daemon holds it.</exception>
    public static StateDirectory Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            if (!Directory.Exists(path))
            {
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartException($"cannot create the state directory {path} (Daemon.state_dir): {e.Message}", e);
        }

        var lockPath = System.IO.Path.Combine(path, "lock");
        try
        {
            // FileShare.None is an exclusive flock(2) on Linux: released by the kernel when the process ends, however it ends.
            return new StateDirectory(path, new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (File.Exists(lockPath) && e is not (DirectoryNotFoundException or PathTooLongException))
        {
            throw new DaemonStartException(
                $"another splitguard daemon uses the state directory {path} (Daemon.state_dir; {lockPath} is locked): give every daemon on this host its own, e.g. with {{node}} in the path", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartException($"cannot write in the state directory {path} (Daemon.state_dir): {e.Message}", e);
        }
    }

    public void Dispose() => _lock.Dispose();
}
