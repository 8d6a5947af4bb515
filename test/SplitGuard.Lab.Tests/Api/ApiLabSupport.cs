using System.Globalization;
using System.Text.RegularExpressions;
using SplitGuard.Lab.Tests.Infrastructure;

namespace SplitGuard.Lab.Tests.Api;

/// <summary>Shared steps of the API lab tests: a steady lab, timed faults, the daemon's own record of its events.</summary>
public static partial class ApiLabSupport
{
    /// <summary>Faults are applied with one `ip netns exec NS nft -f FILE` (about 10 ms) and times are taken just before
    /// it starts; the issue allows 50 ms on top of the detection bound for this and for the delivery to the client.</summary>
    public static readonly TimeSpan Allowance = TimeSpan.FromMilliseconds(50);

    /// <summary>`since` is derived from the monotonic clock at each query and moves by microseconds between queries;
    /// a state change would move it by at least the detection time.</summary>
    public static readonly TimeSpan SinceTolerance = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The .NET client measured in this process receives through the thread pool (async socket continuations, also in its
    /// Start mode). Seen here: a 620 ms stall of this process's pool (4 threads, all busy) right when the events arrived,
    /// which delayed the .NET client's callbacks while the Python client, another process, was on time. More threads from
    /// the start take that out of the measurement.
    /// </summary>
    public static void EnsureThreadPoolHeadroom()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        if (workers < 32)
        {
            ThreadPool.SetMinThreads(32, Math.Max(io, 32));
        }
    }

    /// <summary>Heals, waits until every link is in service on both nodes, then half a second more; returns that status.</summary>
    public static async Task<IReadOnlyDictionary<string, StatusSnapshot>> SteadyAsync(this LabCluster cluster)
    {
        await cluster.HealAndWaitAsync();
        await Task.Delay(500);
        return await cluster.WaitForAsync(s => s.Values.All(x => x.AllInService), TimeSpan.FromSeconds(5), "every link in service before the fault");
    }

    /// <summary>Cuts udp on n1 (in and out) with one prepared nft command; returns the time just before it started.</summary>
    public static async Task<DateTimeOffset> CutUdpAsync(this LabCluster cluster)
    {
        var fault = await cluster.Lab.PrepareFaultAsync("udp-drop", "n1");
        var (started, _) = await cluster.Lab.ApplyAsync(fault);
        return started;
    }

    /// <summary>Removes every fault (lab/net.sh heal); returns the time just before.</summary>
    public static async Task<DateTimeOffset> HealAsync(this LabCluster cluster)
    {
        var started = DateTimeOffset.Now;
        await cluster.Lab.HealAsync();
        return started;
    }

    /// <summary>
    /// The sbp messages the daemon of <paramref name="node"/> logged since <paramref name="from"/> as "type/state"
    /// (1100/1101 link, 1102/1103 path, 1104/1105 one-way): what every client of that daemon must have received.
    /// </summary>
    public static IReadOnlyList<string> LoggedMessages(this LabCluster cluster, string node, DateTimeOffset from, DateTimeOffset? to = null) =>
        cluster.LogEvents(node, from, 1100, 1101, 1102, 1103, 1104, 1105)
            .Where(e => to is null || e.Time <= to)
            .Select(ToSbpKey)
            .ToList();

    /// <summary>One log line (1100-1105) as the sbp "type/state" it corresponds to.</summary>
    public static string ToSbpKey(LogEntry e)
    {
        bool path = e.EventId is 1102 or 1103;
        var type = path ? PathType().Match(e.Text) : LinkType().Match(e.Text);
        if (!type.Success)
        {
            throw new InvalidOperationException($"cannot read the link type of log line {e.Text}");
        }

        int typeOffset = type.Groups[1].Value == "udp" ? 2 : 1;
        int msgType = e.EventId switch
        {
            1100 or 1101 => 300 + typeOffset,
            1102 or 1103 => 200 + typeOffset,
            _ => 310 + typeOffset,
        };
        int state = e.EventId % 2 == 0 ? 0 : 1;
        return string.Create(CultureInfo.InvariantCulture, $"{msgType}/{state}");
    }

    /// <summary>Percentile (nearest rank) of <paramref name="values"/>.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        int rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    [GeneratedRegex(@"link \d+ \((udp|icmp)\)")]
    private static partial Regex LinkType();

    [GeneratedRegex(@"node \d+ (udp|icmp) path")]
    private static partial Regex PathType();
}
