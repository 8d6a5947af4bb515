using System.Globalization;

namespace SplitGuard.Daemon.Cgroups;

/// <summary>What the v1 and v2 backends share: pid lists, polling until empty, removing a cgroup and its empty parents.</summary>
public abstract class CgroupBackend(ICgroupKernel kernel) : ICgroupBackend
{
    protected ICgroupKernel Kernel { get; } = kernel;

    public abstract string Mode { get; }

    /// <summary>The directories that make up <paramref name="cgroup"/> (v1: one per hierarchy; v2: one).</summary>
    protected abstract IReadOnlyList<string> Directories(string cgroup);

    public void Create(string cgroup)
    {
        foreach (var dir in Directories(cgroup))
        {
            Kernel.CreateDirectory(dir);
        }
    }

    public IReadOnlyList<string> JoinFiles(string cgroup) => [.. Directories(cgroup).Select(d => Path.Combine(d, "cgroup.procs"))];

    public IReadOnlyList<int> Pids(string cgroup)
    {
        var pids = new HashSet<int>();
        foreach (var dir in Directories(cgroup))
        {
            foreach (var pid in ReadPids(Path.Combine(dir, "cgroup.procs")))
            {
                pids.Add(pid);
            }
        }

        return [.. pids.Order()];
    }

    public abstract bool IsEmpty(string cgroup);

    public abstract CgroupKill Kill(string cgroup, TimeSpan wait);

    public bool WaitEmpty(string cgroup, TimeSpan wait)
    {
        var until = Kernel.Now + wait;
        while (!IsEmpty(cgroup))
        {
            if (Kernel.Now >= until)
            {
                return false;
            }

            Kernel.Pause();
        }

        return true;
    }

    public bool Remove(string cgroup)
    {
        var removed = true;
        foreach (var dir in Directories(cgroup))
        {
            // The resource's cgroup, then its node's and the splitguard directory when nothing else is left in them.
            var path = dir;
            var depth = cgroup.Count(c => c == '/') + 1;
            for (var i = 0; i < depth && Kernel.Exists(path); i++)
            {
                try
                {
                    Kernel.RemoveDirectory(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    removed &= i > 0; // a parent still in use (another node's cgroups) is fine
                    break;
                }

                path = Path.GetDirectoryName(path)!;
            }
        }

        return removed;
    }

    /// <summary>The pids in a cgroup.procs file; none when it does not exist (the cgroup is gone).</summary>
    protected IReadOnlyList<int> ReadPids(string procs)
    {
        string text;
        try
        {
            text = Kernel.Read(procs);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var pids = new List<int>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary>SIGKILL to each pid; how many were signalled.</summary>
    protected int KillAll(IEnumerable<int> pids) => pids.Count(Kernel.Kill);

    /// <summary>Reads a control file, or null when it cannot be read.</summary>
    protected string? TryRead(string path)
    {
        try
        {
            return Kernel.Read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes a control file; the problem, or null.</summary>
    protected string? TryWrite(string path, string text)
    {
        try
        {
            Kernel.Write(path, text);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot write {text.Trim()} to {path}: {e.Message}";
        }
    }

    /// <summary>Polls until <paramref name="done"/> or the time is up; true when done.</summary>
    protected bool PollUntil(Func<bool> done, TimeSpan until)
    {
        while (!done())
        {
            if (Kernel.Now >= until)
            {
                return false;
            }

            Kernel.Pause();
        }

        return true;
    }
}
