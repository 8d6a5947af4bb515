using System.Globalization;
using SplitGuard.Core.Config;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// The threads that carry heartbeats (the event loop, which is the daemon's main thread, and the udp and icmp receive
/// loops) run under SCHED_RR at Daemon.realtime_priority (default 50), so a CPU hog cannot delay a heartbeat; every
/// other thread keeps normal scheduling. Read from /proc/PID/task/TID/stat of the real daemons (root). They enter the
/// class only after the start-up warm-up (ConfigDefaults.RealtimeWarmup), so that the start-up's CPU is not taken from
/// the node's services.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class RealtimeSchedulingTests(LabClusterFixture fixture) : IClassFixture<LabClusterFixture>
{
    private const int SchedRoundRobin = 2;

    [Fact]
    public async Task Each_daemons_event_loop_and_receive_threads_run_under_sched_rr_at_priority_50_after_the_warm_up_and_the_rest_do_not()
    {
        foreach (var node in LabCluster.NodeNames)
        {
            var pid = fixture.Cluster.Daemon(node).Pid;
            List<(int Tid, string Name, int Priority, int Policy)> threads = [];
            await Polling.WaitUntilAsync(
                () =>
                {
                    threads = Directory.GetDirectories($"/proc/{pid}/task").Select(d => Stat(pid, int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture))).ToList();
                    return threads.Count(t => t.Policy == SchedRoundRobin) >= 3;
                },
                ConfigDefaults.RealtimeWarmup + TimeSpan.FromSeconds(10),
                $"{node}: the event loop and both receive threads under SCHED_RR");

            var main = Assert.Single(threads, t => t.Tid == pid);
            Assert.Equal((SchedRoundRobin, 50), (main.Policy, main.Priority));
            var rr = threads.Where(t => t.Policy == SchedRoundRobin).Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
            Assert.Contains(rr, n => n.StartsWith("udp-rx", StringComparison.Ordinal));
            Assert.Contains("icmp-rx", rr);
            Assert.True(rr.Count <= 4, $"{node}: only the heartbeat threads run real-time, found {rr.Count}: {string.Join(", ", rr)}");
            Assert.True(threads.Count > rr.Count, $"{node}: the other threads keep normal scheduling");
            var starting = Assert.Single(fixture.Cluster.LogEvents(node, DateTimeOffset.MinValue, 1000));
            var entered = Assert.Single(fixture.Cluster.LogEvents(node, DateTimeOffset.MinValue, 1005));
            Assert.True(entered.Time - starting.Time >= ConfigDefaults.RealtimeWarmup, $"{node}: SCHED_RR entered {(entered.Time - starting.Time).TotalMilliseconds:0} ms after the start, not before the warm-up");
        }
    }

    private static (int Tid, string Name, int Priority, int Policy) Stat(int pid, int tid)
    {
        var text = File.ReadAllText($"/proc/{pid}/task/{tid}/stat");
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        var name = text[(open + 1)..close];

        // After "(comm)": field 3 (state) is index 0, so field 40 (rt_priority) is index 37 and 41 (policy) 38.
        var fields = text[(close + 2)..].Split(' ');
        return (tid, name, int.Parse(fields[37], CultureInfo.InvariantCulture), int.Parse(fields[38], CultureInfo.InvariantCulture));
    }
}
