using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// Watches the echo service's processes themselves, not any log: a thread scans /proc every 2 ms for new processes
/// whose command line is the echo service of the lab's VIP (lab/demo/echo-service: <c>python3 - VIP PORT NODE ...</c>)
/// and checks every known one each pass (gone, or a zombie). For each process it keeps when it was first seen, the scan
/// before that (it was born after it), and when it was last seen alive and first seen gone. Times are Stopwatch ticks.
/// </summary>
public sealed class ServiceWatch : IDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(2);
    private readonly string _marker;
    private readonly Thread _thread;
    private readonly object _gate = new();
    private readonly Dictionary<int, ServiceProcess> _known = [];
    private readonly HashSet<int> _other = [];
    private volatile bool _stop;
    private long _lastScan;

    public ServiceWatch(string vip, int port)
    {
        _marker = $"-\0{vip}\0{port.ToString(CultureInfo.InvariantCulture)}\0";
        _lastScan = Stopwatch.GetTimestamp();
        _thread = new Thread(Loop) { IsBackground = true, Name = "service-watch", Priority = ThreadPriority.Highest };
        _thread.Start();
    }

    /// <summary>Every echo process seen so far.</summary>
    public IReadOnlyList<ServiceProcess> Processes()
    {
        lock (_gate)
        {
            return [.. _known.Values.Select(p => p with { })];
        }
    }

    /// <summary>The processes of <paramref name="node"/> alive at the last scan.</summary>
    public IReadOnlyList<ServiceProcess> Alive(string node) => Processes().Where(p => p.Node == node && p.GoneAt is null).ToList();

    /// <summary>
    /// Pairs of processes of different nodes whose lives may have overlapped: the one's last sighting alive is after the
    /// other's birth bound (the scan before it was first seen).
    /// </summary>
    public IReadOnlyList<string> Overlaps()
    {
        var all = Processes();
        var found = new List<string>();
        foreach (var a in all)
        {
            foreach (var b in all.Where(b => b.Node != a.Node && b.BornAfter >= a.BornAfter))
            {
                var aEnd = a.GoneAt ?? long.MaxValue;
                if (aEnd > b.BornAfter)
                {
                    found.Add($"{a.Node} pid {a.Pid} (gone {Ms(a.GoneAt, b.BornAfter)}) and {b.Node} pid {b.Pid} (born after {Ms(b.BornAfter, b.BornAfter)})");
                }
            }
        }

        return found;
    }

    /// <summary>A line per process, times relative to <paramref name="origin"/> (Stopwatch ticks).</summary>
    public string Describe(long origin)
    {
        var text = new StringBuilder();
        foreach (var p in Processes().OrderBy(p => p.BornAfter))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {p.Node} pid {p.Pid}: born after {Ms(p.BornAfter, origin)}, seen {Ms(p.SeenAt, origin)}, last alive {Ms(p.LastAlive, origin)}, gone {Ms(p.GoneAt, origin)}\n");
        }

        return text.ToString();
    }

    /// <summary>Milliseconds from <paramref name="origin"/> to <paramref name="at"/>, or "never".</summary>
    public static string Ms(long? at, long origin) =>
        at is { } t ? ((t - origin) * 1000.0 / Stopwatch.Frequency).ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " ms" : "never";

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private void Loop()
    {
        while (!_stop)
        {
            var scanStart = Stopwatch.GetTimestamp();
            Check(scanStart);
            Scan(scanStart);
            _lastScan = scanStart;
            var rest = Every - Stopwatch.GetElapsedTime(scanStart);
            if (rest > TimeSpan.Zero)
            {
                Thread.Sleep(rest);
            }
        }
    }

    private void Check(long now)
    {
        lock (_gate)
        {
            foreach (var (pid, p) in _known.Where(k => k.Value.GoneAt is null).ToList())
            {
                if (Living(pid))
                {
                    _known[pid] = p with { LastAlive = now };
                }
                else
                {
                    _known[pid] = p with { GoneAt = now };
                }
            }
        }
    }

    private void Scan(long now)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || _other.Contains(pid))
            {
                continue;
            }

            lock (_gate)
            {
                if (_known.ContainsKey(pid))
                {
                    continue;
                }
            }

            string cmdline;
            try
            {
                cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var at = cmdline.IndexOf(_marker, StringComparison.Ordinal);
            if (at < 0 || !cmdline.Contains("python3", StringComparison.Ordinal))
            {
                // A process whose command line is not yet the service may still exec it: look again later only if it is
                // young (a shell of the agent); the pid set of everything else is remembered.
                if (cmdline.Length > 0 && !cmdline.Contains("echo-service", StringComparison.Ordinal) && !cmdline.StartsWith("setsid", StringComparison.Ordinal)
                    && !cmdline.StartsWith("/bin/bash", StringComparison.Ordinal))
                {
                    _other.Add(pid);
                }

                continue;
            }

            var node = cmdline[(at + _marker.Length)..].Split('\0')[0];
            lock (_gate)
            {
                _known[pid] = new ServiceProcess(pid, node, _lastScan, now, now, null);
            }
        }
    }

    private static bool Living(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>One echo-service process: born after <see cref="BornAfter"/>, first seen, last seen alive, first seen gone (Stopwatch ticks).</summary>
public sealed record ServiceProcess(int Pid, string Node, long BornAfter, long SeenAt, long LastAlive, long? GoneAt);
