using SplitGuard.Daemon.Cgroups;

namespace SplitGuard.Core.Tests.Cgroups;

/// <summary>
/// An in-memory cgroup filesystem that answers as the kernel would: directories get their control files, cgroup.procs
/// and cgroup.events follow the simulated processes, the v1 freezer says FREEZING for a few reads before FROZEN (never,
/// while a process is in D state), frozen processes die only once thawed, cgroup.kill kills everything at once. Time
/// is a counter that each <see cref="Pause"/> advances by 1 ms: nothing sleeps.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class FakeCgroupKernel(bool v2, bool hasKillFile = true) : ICgroupKernel
{
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirs = new(StringComparer.Ordinal);
    private readonly Dictionary<int, List<string>> _processes = [];
    private readonly HashSet<int> _dying = [];
    private readonly Dictionary<string, int> _freezeReads = new(StringComparer.Ordinal);

    /// <summary>Every write and kill, in order: "write DIR/FILE VALUE", "kill PID".</summary>
    public List<string> Operations { get; } = [];

    /// <summary>Processes in uninterruptible sleep: they neither freeze nor die.</summary>
    public HashSet<int> Stuck { get; } = [];

    /// <summary>Reads of freezer.state that still say FREEZING after FROZEN was written.</summary>
    public int FreezingReads { get; set; } = 3;

    /// <summary>Every process forks a child just before a SIGKILL reaches it, unless frozen (a fork storm).</summary>
    public bool ForkOnKill { get; set; }

    public TimeSpan Now { get; private set; } = TimeSpan.FromHours(5);

    private int _nextPid = 1000;

    /// <summary>Puts process <paramref name="pid"/> into the cgroup directories <paramref name="dirs"/>.</summary>
    public void AddProcess(int pid, params string[] dirs) => _processes[pid] = [.. dirs];

    public bool IsAlive(int pid) => _processes.ContainsKey(pid);

    public bool Exists(string path) => _dirs.Contains(path) || _files.ContainsKey(path);

    public void CreateDirectory(string path)
    {
        for (var p = path; !string.IsNullOrEmpty(p) && p != "/"; p = Path.GetDirectoryName(p)!)
        {
            if (!_dirs.Add(p))
            {
                break;
            }

            _files[Path.Combine(p, "cgroup.procs")] = string.Empty;
            if (v2)
            {
                _files[Path.Combine(p, "cgroup.events")] = string.Empty;
                _files[Path.Combine(p, "cgroup.freeze")] = "0";
                if (hasKillFile)
                {
                    _files[Path.Combine(p, "cgroup.kill")] = string.Empty;
                }
            }
            else if (p.Contains("/freezer", StringComparison.Ordinal))
            {
                _files[Path.Combine(p, "freezer.state")] = "THAWED";
            }
        }
    }

    public void RemoveDirectory(string path)
    {
        if (_processes.Values.Any(d => d.Contains(path)) || _dirs.Any(d => Path.GetDirectoryName(d) == path))
        {
            throw new IOException($"rmdir {path}: Device or resource busy");
        }

        _dirs.Remove(path);
        foreach (var file in _files.Keys.Where(f => Path.GetDirectoryName(f) == path).ToList())
        {
            _files.Remove(file);
        }
    }

    public string Read(string path)
    {
        if (!_files.TryGetValue(path, out var text))
        {
            throw new FileNotFoundException(path);
        }

        var dir = Path.GetDirectoryName(path)!;
        switch (Path.GetFileName(path))
        {
            case "cgroup.procs":
                return string.Concat(Members(dir).Select(p => p + "\n"));
            case "cgroup.events":
                return $"populated {(Members(dir).Any() ? 1 : 0)}\nfrozen {(_files[Path.Combine(dir, "cgroup.freeze")] == "1" ? 1 : 0)}\n";
            case "freezer.state" when text == "FROZEN":
                var reads = _freezeReads.GetValueOrDefault(dir) + 1;
                _freezeReads[dir] = reads;
                return reads <= FreezingReads || Members(dir).Any(Stuck.Contains) ? "FREEZING\n" : "FROZEN\n";
            default:
                return text + "\n";
        }
    }

    public void Write(string path, string text)
    {
        if (!_files.ContainsKey(path))
        {
            throw new FileNotFoundException(path);
        }

        var dir = Path.GetDirectoryName(path)!;
        var value = text.Trim();
        Operations.Add($"write {Path.GetFileName(path)} {value}");
        _files[path] = value;
        switch (Path.GetFileName(path))
        {
            case "freezer.state" when value == "FROZEN":
                _freezeReads[dir] = 0;
                break;
            case "freezer.state" when value == "THAWED":
                foreach (var pid in _dying.Where(p => Members(dir).Contains(p)).ToList())
                {
                    Die(pid);
                }

                break;
            case "cgroup.kill" when value == "1":
                foreach (var pid in Members(dir).Where(p => !Stuck.Contains(p)).ToList())
                {
                    Die(pid);
                }

                break;
            default:
                break;
        }
    }

    public bool Kill(int pid)
    {
        Operations.Add($"kill {pid}");
        if (!_processes.TryGetValue(pid, out var dirs))
        {
            return false;
        }

        if (Stuck.Contains(pid))
        {
            return true;
        }

        // A frozen process takes the signal but dies only once thawed; one that is not may have forked just before.
        if (dirs.Any(d => _files.TryGetValue(Path.Combine(d, "freezer.state"), out var s) && s == "FROZEN"))
        {
            _dying.Add(pid);
        }
        else
        {
            if (ForkOnKill)
            {
                _processes[_nextPid++] = [.. dirs];
            }

            Die(pid);
        }

        return true;
    }

    public void Pause() => Now += TimeSpan.FromMilliseconds(1);

    private IEnumerable<int> Members(string dir) => _processes.Where(p => p.Value.Contains(dir)).Select(p => p.Key).Order();

    private void Die(int pid)
    {
        _processes.Remove(pid);
        _dying.Remove(pid);
    }
}
