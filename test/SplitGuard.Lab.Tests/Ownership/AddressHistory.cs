using System.Globalization;
using System.Text.RegularExpressions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>The virtual IP appearing on or leaving a node, as `ip -ts monitor address` in that node's namespace printed it.</summary>
public readonly record struct AddressEvent(long Ns, string Node, bool Added);

/// <summary>A time the virtual IP was configured on a node: [From, To), To = null while it still is.</summary>
public readonly record struct AddressInterval(string Node, long From, long? To)
{
    public override string ToString() =>
        $"{Node} {UnixNs.Format(From)} .. {(To is { } t ? UnixNs.Format(t) : "still configured")}";
}

/// <summary>
/// Where the virtual IP was configured, independent of the daemons' own log: one `ip -ts monitor address` per node
/// namespace, started before the daemons. The kernel's view of the IPaddr2 resource: two nodes holding the address at
/// once is the split brain a client can see (ARP flips between them).
/// </summary>
public sealed partial class AddressHistory
{
    private AddressHistory(IReadOnlyList<AddressEvent> events) => Events = events;

    public IReadOnlyList<AddressEvent> Events { get; }

    /// <summary>Parses the monitor outputs (node -> file) for <paramref name="address"/>.</summary>
    public static AddressHistory Read(IReadOnlyDictionary<string, string> outputs, string address)
    {
        var events = new List<AddressEvent>();
        foreach (var (node, path) in outputs)
        {
            if (!File.Exists(path))
            {
                continue;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                var m = EventLine().Match(line);
                if (!m.Success || m.Groups["addr"].Value != address)
                {
                    continue;
                }

                // ip prints local time with microseconds
                var local = DateTime.ParseExact(m.Groups["ts"].Value, "yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal);
                events.Add(new AddressEvent(UnixNs.From(new DateTimeOffset(local)), node, !m.Groups["deleted"].Success));
            }
        }

        return new AddressHistory(events.OrderBy(e => e.Ns).ToList());
    }

    /// <summary>The intervals during which each node held the address.</summary>
    public IReadOnlyList<AddressInterval> Intervals()
    {
        var result = new List<AddressInterval>();
        foreach (var byNode in Events.GroupBy(e => e.Node))
        {
            long? since = null;
            foreach (var e in byNode)
            {
                if (e.Added && since is null)
                {
                    since = e.Ns;
                }
                else if (!e.Added && since is { } s)
                {
                    result.Add(new AddressInterval(byNode.Key, s, e.Ns));
                    since = null;
                }
            }

            if (since is { } open)
            {
                result.Add(new AddressInterval(byNode.Key, open, null));
            }
        }

        return result.OrderBy(i => i.From).ToList();
    }

    /// <summary>Every pair of intervals on different nodes that overlap, with the overlap in ms (an open interval ends at <paramref name="endNs"/>).</summary>
    public IReadOnlyList<(AddressInterval A, AddressInterval B, double Ms)> Overlaps(long endNs)
    {
        var intervals = Intervals();
        var overlaps = new List<(AddressInterval, AddressInterval, double)>();
        for (var i = 0; i < intervals.Count; i++)
        {
            for (var j = i + 1; j < intervals.Count; j++)
            {
                var (a, b) = (intervals[i], intervals[j]);
                if (a.Node == b.Node)
                {
                    continue;
                }

                var from = Math.Max(a.From, b.From);
                var to = Math.Min(a.To ?? endNs, b.To ?? endNs);
                if (from < to)
                {
                    overlaps.Add((a, b, UnixNs.ToMs(to - from)));
                }
            }
        }

        return overlaps;
    }

    /// <summary>The first time at or after <paramref name="fromNs"/> the address left <paramref name="node"/>.</summary>
    public long? Removed(string node, long fromNs) =>
        Events.Where(e => e.Node == node && !e.Added && e.Ns >= fromNs).Select(e => (long?)e.Ns).FirstOrDefault();

    /// <summary>The first time at or after <paramref name="fromNs"/> the address appeared on <paramref name="node"/>.</summary>
    public long? Added(string node, long fromNs) =>
        Events.Where(e => e.Node == node && e.Added && e.Ns >= fromNs).Select(e => (long?)e.Ns).FirstOrDefault();

    /// <summary>One line per interval, for test output.</summary>
    public string Describe() => string.Join(Environment.NewLine, Intervals().Select(i => "  " + i));

    // "[2026-11-22T03:20:20.417345] 3: a0    inet 10.9.9.100/24 scope global secondary a0" or "[...] Deleted 3: ..."
    [GeneratedRegex(@"^\[(?<ts>[0-9T:.\-]+)\]\s+(?<deleted>Deleted\s+)?\d+:\s+\S+\s+inet\s+(?<addr>[0-9.]+)/")]
    private static partial Regex EventLine();
}
