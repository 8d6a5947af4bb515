using System.Globalization;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>One line of the shared ownership log: "&lt;unix ns&gt; &lt;node&gt; &lt;resource&gt; &lt;what&gt;" (FAULTS.md 2.16);
/// resource "-" with what "crash" marks a node whose processes the test killed.</summary>
public sealed record OwnershipEvent(long Ns, string Node, string Resource, string What)
{
    public override string ToString() => $"{Ns} ({UnixNs.Format(Ns)}) {Node} {Resource} {What}";
}

/// <summary>The shared ownership log as written by the daemons (SPLITGUARD_OWNERSHIP_LOG) and the tests' crash lines.</summary>
public sealed class OwnershipHistory
{
    private OwnershipHistory(IReadOnlyList<OwnershipEvent> events) => Events = events;

    /// <summary>Every complete line, in time order.</summary>
    public IReadOnlyList<OwnershipEvent> Events { get; }

    /// <summary>Reads <paramref name="path"/> (missing file: no events; a line still being written is skipped).</summary>
    public static OwnershipHistory Read(string path)
    {
        var events = new List<OwnershipEvent>();
        if (File.Exists(path))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 4 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ns))
                {
                    events.Add(new OwnershipEvent(ns, parts[1], parts[2], parts[3]));
                }
            }
        }

        return new OwnershipHistory(events.OrderBy(e => e.Ns).ToList());
    }

    /// <summary>Events at or after <paramref name="fromNs"/> (and before <paramref name="toNs"/> when given).</summary>
    public IReadOnlyList<OwnershipEvent> Between(long fromNs, long toNs = long.MaxValue) =>
        Events.Where(e => e.Ns >= fromNs && e.Ns < toNs).ToList();

    /// <summary>The first event of <paramref name="node"/> with <paramref name="what"/> at or after <paramref name="fromNs"/>, any resource.</summary>
    public OwnershipEvent? First(string node, string what, long fromNs) =>
        Events.FirstOrDefault(e => e.Node == node && e.What == what && e.Ns >= fromNs);

    /// <summary>
    /// True for the lines that end a node's ownership of a resource: stop_ok (a clean stop) and stop_killed (the hard kill
    /// at the hard deadline, by the daemon or its guard: its processes were killed and confirmed gone, not cleanly).
    /// </summary>
    public static bool IsStopped(string what) => what is "stop_ok" or "stop_killed";

    /// <summary>The first stop_ok or stop_killed of <paramref name="node"/> at or after <paramref name="fromNs"/>, any resource.</summary>
    public OwnershipEvent? FirstStopped(string node, long fromNs) =>
        Events.FirstOrDefault(e => e.Node == node && IsStopped(e.What) && e.Ns >= fromNs);

    /// <summary>
    /// When <paramref name="node"/> had every resource in <paramref name="resources"/> stopped after <paramref name="fromNs"/>:
    /// the latest of their first stop_ok or stop_killed at or after that time; null if one of them has none.
    /// </summary>
    public long? AllStopped(string node, IEnumerable<string> resources, long fromNs)
    {
        long latest = 0;
        foreach (var resource in resources)
        {
            var stop = Events.FirstOrDefault(e => e.Node == node && e.Resource == resource && IsStopped(e.What) && e.Ns >= fromNs);
            if (stop is null)
            {
                return null;
            }

            latest = Math.Max(latest, stop.Ns);
        }

        return latest;
    }

    /// <summary>The lines at or after <paramref name="fromNs"/>, one per line, for test output.</summary>
    public string Describe(long fromNs = 0) =>
        string.Join(Environment.NewLine, Between(fromNs).Select(e => "  " + e));
}

/// <summary>Unix nanoseconds (the clock of the ownership log, the probe and ip monitor: one host clock for every namespace).</summary>
public static class UnixNs
{
    /// <summary>Now, in unix nanoseconds.</summary>
    public static long Now() => From(DateTimeOffset.UtcNow);

    public static long From(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public static long FromMs(double ms) => (long)(ms * 1_000_000);

    public static double ToMs(long ns) => ns / 1e6;

    /// <summary>HH:mm:ss.ffffff (UTC).</summary>
    public static string Format(long ns) =>
        DateTimeOffset.UnixEpoch.AddTicks(ns / 100).ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}
