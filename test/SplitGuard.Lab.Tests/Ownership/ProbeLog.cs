using System.Globalization;
using System.Text;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>One answer the client (lab/demo/probe.py) received: when, and which node's echo service sent it.</summary>
public readonly record struct ProbeAnswer(long Ns, string Node);

/// <summary>The client's record: "&lt;unix ns&gt; &lt;node&gt;" per answer from the virtual IP (probe.py asks every 10 ms).</summary>
public sealed class ProbeLog
{
    private ProbeLog(IReadOnlyList<ProbeAnswer> answers) => Answers = answers;

    public IReadOnlyList<ProbeAnswer> Answers { get; }

    /// <summary>Reads <paramref name="path"/>; a line still being written is skipped.</summary>
    public static ProbeLog Read(string path)
    {
        var answers = new List<ProbeAnswer>();
        if (File.Exists(path))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[1].Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ns))
                {
                    answers.Add(new ProbeAnswer(ns, parts[1]));
                }
            }
        }

        return new ProbeLog(answers);
    }

    /// <summary>
    /// probe.py's side record (PATH.trace) from <paramref name="fromNs"/> on: "stall MS" when the client itself did not
    /// run for over 20 ms (CPU starvation of the client, not the service's outage), "late SEQ MS" for an answer that
    /// came over 20 ms after its question; each line as "HH:mm:ss.ffffff what".
    /// </summary>
    public static IReadOnlyList<string> Trace(string path, long fromNs)
    {
        var lines = new List<string>();
        var trace = path + ".trace";
        if (File.Exists(trace))
        {
            using var stream = new FileStream(trace, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0 && long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var ns) && ns >= fromNs)
                {
                    lines.Add($"{DateTimeOffset.FromUnixTimeMilliseconds(ns / 1_000_000).AddTicks(ns / 100 % 10_000):HH:mm:ss.ffffff} {line[(space + 1)..]}");
                }
            }
        }

        return lines;
    }

    /// <summary>Answers received at or after <paramref name="fromNs"/> and before <paramref name="toNs"/>.</summary>
    public IReadOnlyList<ProbeAnswer> Between(long fromNs, long toNs = long.MaxValue) =>
        Answers.Where(a => a.Ns >= fromNs && a.Ns < toNs).ToList();

    /// <summary>The first answer from <paramref name="node"/> at or after <paramref name="fromNs"/>.</summary>
    public ProbeAnswer? FirstFrom(string node, long fromNs) =>
        Answers.Where(a => a.Node == node && a.Ns >= fromNs).Select(a => (ProbeAnswer?)a).FirstOrDefault();

    /// <summary>The last answer from <paramref name="node"/> before <paramref name="beforeNs"/>.</summary>
    public ProbeAnswer? LastFrom(string node, long beforeNs) =>
        Answers.Where(a => a.Node == node && a.Ns < beforeNs).Select(a => (ProbeAnswer?)a).LastOrDefault();

    /// <summary>How many times consecutive answers in [from, to) came from different nodes.</summary>
    public int Switches(long fromNs, long toNs = long.MaxValue)
    {
        var slice = Between(fromNs, toNs);
        return slice.Zip(slice.Skip(1)).Count(p => p.First.Node != p.Second.Node);
    }

    /// <summary>The longest time between consecutive answers in [from, to), in ms (0 with fewer than two answers).</summary>
    public double MaxGapMs(long fromNs, long toNs = long.MaxValue)
    {
        var slice = Between(fromNs, toNs);
        return slice.Zip(slice.Skip(1)).Select(p => UnixNs.ToMs(p.Second.Ns - p.First.Ns)).DefaultIfEmpty(0).Max();
    }

    /// <summary>Runs of the same node in [from, to), e.g. "n1 x120 (.. 12:00:01.234) | n2 x80 (12:00:01.900 ..)".</summary>
    public string Runs(long fromNs, long toNs = long.MaxValue)
    {
        var slice = Between(fromNs, toNs);
        if (slice.Count == 0)
        {
            return "no answers";
        }

        var text = new StringBuilder();
        var start = 0;
        for (var i = 1; i <= slice.Count; i++)
        {
            if (i == slice.Count || slice[i].Node != slice[start].Node)
            {
                if (text.Length > 0)
                {
                    text.Append(" | ");
                }

                text.Append(CultureInfo.InvariantCulture,
                    $"{slice[start].Node} x{i - start} ({UnixNs.Format(slice[start].Ns)} .. {UnixNs.Format(slice[i - 1].Ns)})");
                start = i;
            }
        }

        return text.ToString();
    }
}
