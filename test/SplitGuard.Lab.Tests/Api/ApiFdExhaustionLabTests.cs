using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Api;

/// <summary>
/// FAULTS.md F22 with its `prlimit --nofile` injection: n1's daemon may open only 100 more descriptors than it has, then
/// 1,000 misbehaving connections arrive at its sbp API socket. Accepting fails (EMFILE) for most of them, and for the
/// control socket too while it lasts; heartbeats (sockets already open) must not notice, the daemon must stay up, a client
/// registered before must get every event of a udp cut and heal, and once the connections go everything works again.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class ApiFdExhaustionLabTests : IClassFixture<LabClusterFixture>
{
    private const int UdpLink = LabClusterOptions.UdpLink;
    private const int IcmpLink = LabClusterOptions.IcmpLink;
    private const int Headroom = 100;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly string[] CutAndHeal = ["302/0", "202/0", "302/1", "202/1"];
    private static readonly int[] LinkEvents = [1100, 1101, 1102, 1103, 1104, 1105];

    private readonly LabCluster _cluster;
    private readonly ITestOutputHelper _output;

    public ApiFdExhaustionLabTests(LabClusterFixture fixture, ITestOutputHelper output)
    {
        ApiLabSupport.EnsureThreadPoolHeadroom();
        _cluster = fixture.Cluster;
        _output = output;
    }

    [Fact]
    public async Task With_its_descriptors_exhausted_by_a_thousand_connections_n1_keeps_heartbeating_and_serves_its_registered_client()
    {
        var before = await _cluster.SteadyAsync();
        var daemon = _cluster.Daemon("n1");
        var pid = daemon.Pid;
        var interval = TimeSpan.FromSeconds(_cluster.Options.Interval);
        var socket = _cluster.ApiSocket("n1");
        var since = DateTimeOffset.Now.AddMilliseconds(-5);
        await using var early = DotnetSubscriber.Start("dotnet@n1 (registered before)", socket);
        await early.WaitConnectedAsync(TimeSpan.FromSeconds(10));
        await _cluster.WaitRegisteredAsync("n1", early.Pid, 1, since);

        var open = FileLimit.OpenDescriptors(pid);
        var limit = (ulong)(open + Headroom);

        // the soft limit only: lowering the hard limit could not be undone (no CAP_SYS_RESOURCE over the daemon here)
        var old = FileLimit.Current(pid);
        FileLimit.Set(pid, limit, old.Hard);
        _output.WriteLine($"n1's daemon (pid {pid}) has {open} descriptors open; its soft RLIMIT_NOFILE set to {limit} (was {old.Soft}, hard {old.Hard})");
        HeartbeatGapMonitor? monitor = null;
        ApiAbuse? abuse = null;
        try
        {
            monitor = HeartbeatGapMonitor.Start(_cluster, "n2");
            var abuseStart = DateTimeOffset.Now;
            abuse = ApiAbuse.Start(socket, LabClusterOptions.ClusterId);
            await Task.Delay(TimeSpan.FromSeconds(8));

            // the daemon must still be there (had its descriptors run out, .NET could not start a thread: it reports "Out of memory." and dies)
            _cluster.EnsureRunning();
            var fds = FileLimit.OpenDescriptors(pid);
            _output.WriteLine($"after 8 s: n1 has {fds} descriptors open (limit {limit}); {abuse.Describe()}");
            // The daemon keeps a reserve of descriptors (FileDescriptors.Reserve) and refuses API clients beyond it,
            // so the abuse must have been refused (many drops) without the daemon ever reaching its limit.
            Assert.True(fds < (int)limit, $"n1 reached its descriptor limit: {fds} open, limit {limit}");
            Assert.True(abuse.Describe().Contains("dropped by the daemon", StringComparison.Ordinal), $"the daemon refused nobody: {abuse.Describe()}");

            // nothing changed: n2 saw no flap (n1's control socket cannot accept now), n1 logged none
            var n2During = await _cluster.StatusAsync("n2");
            foreach (var link in before["n2"].Links)
            {
                var now = n2During.Link(link.Id);
                Assert.True(
                    now.State == "in_service" && (now.Since - link.Since).Duration() <= ApiLabSupport.SinceTolerance,
                    $"n2: link {link.Id} flapped: in service since {link.Since:HH:mm:ss.fff}, now {now.State} since {now.Since:HH:mm:ss.fff}");
            }

            foreach (var node in LabCluster.NodeNames)
            {
                var flaps = _cluster.LogEvents(node, abuseStart, LinkEvents);
                Assert.True(flaps.Count == 0, $"{node} logged link events during the abuse:{Environment.NewLine}{string.Join(Environment.NewLine, flaps.Select(f => f.Text))}");
            }

            // a udp cut and heal while n1 has no descriptor left
            var cut = await _cluster.CutUdpAsync();
            await early.WaitForAsync(m => m.Key == "302/0", Wait, "302 state 0 with n1's descriptors exhausted");
            await early.WaitForAsync(m => m.Key == "202/0", Wait, "202 state 0 with n1's descriptors exhausted");
            await Polling.WaitUntilAsync(async () => (await _cluster.StatusAsync("n2")).Link(UdpLink).State == "out_of_service", Wait, "n2's udp link is out of service");
            await Task.Delay(500);
            var healStarted = await _cluster.HealAsync();
            await early.WaitForAsync(m => m.Key == "302/1", Wait, "302 state 1 with n1's descriptors exhausted");
            await early.WaitForAsync(m => m.Key == "202/1", Wait, "202 state 1 with n1's descriptors exhausted");
            await Polling.WaitUntilAsync(async () => (await _cluster.StatusAsync("n2")).AllInService, Wait, "n2 has everything in service");
            var healedAt = DateTimeOffset.Now;
            var n2Healed = await _cluster.StatusAsync("n2");
            await Task.Delay(TimeSpan.FromSeconds(2));
            var abuseEnd = DateTimeOffset.Now;
            var n2End = await _cluster.StatusAsync("n2");
            monitor.Dispose();
            _output.WriteLine($"at the end: n1 has {FileLimit.OpenDescriptors(pid)} descriptors open; {abuse.Describe()}");
            await abuse.DisposeAsync();
            abuse = null;

            _cluster.EnsureRunning();
            Assert.Equal(pid, daemon.Pid);
            var got = early.Messages.Select(m => m.Key).ToList();
            _output.WriteLine($"{early.Name}: {string.Join(", ", got)}; 302 state 0 {(early.Messages[0].At - cut).TotalMilliseconds:F1} ms after the cut, " +
                $"302 state 1 {(early.Messages.First(m => m.Key == "302/1").At - healStarted).TotalMilliseconds:F1} ms after the heal command started");
            Assert.True(got.SequenceEqual(CutAndHeal), $"expected {string.Join(", ", CutAndHeal)}{Environment.NewLine}{early.Describe()}");
            Assert.Single(early.Connections);
            foreach (var node in LabCluster.NodeNames)
            {
                var logged = _cluster.LoggedMessages(node, abuseStart);
                Assert.True(logged.SequenceEqual(CutAndHeal), $"{node} logged {string.Join(", ", logged)}; only the cut and heal were expected");
            }

            Assert.True(
                (n2End.Link(IcmpLink).Since - before["n2"].Link(IcmpLink).Since).Duration() <= ApiLabSupport.SinceTolerance
                && (n2End.Link(UdpLink).Since - n2Healed.Link(UdpLink).Since).Duration() <= ApiLabSupport.SinceTolerance,
                $"n2 saw a flap:{Environment.NewLine}{n2End.Summary()}");

            var (udpMax, udpCount) = monitor.MaxGap("n2", UdpLink, (abuseStart, cut), (healedAt, abuseEnd));
            var (icmpMax, icmpCount) = monitor.MaxGap("n2", IcmpLink, (abuseStart, abuseEnd));
            _output.WriteLine($"max last_received_ms at n2: udp link (frames from n1) {udpMax:F1} ms over {udpCount} samples, icmp link {icmpMax:F1} ms over {icmpCount} samples " +
                $"(bound: 2 intervals = {2 * interval.TotalMilliseconds:F0} ms)");
            Assert.True(udpCount >= 100 && icmpCount >= 100, $"too few status samples of n2: {udpCount}, {icmpCount}");
            Assert.True(udpMax < 2 * interval.TotalMilliseconds, $"a gap of {udpMax:F1} ms between udp heartbeats from n1");
            Assert.True(icmpMax < 2 * interval.TotalMilliseconds, $"a gap of {icmpMax:F1} ms between icmp heartbeats");

            var n1Log = _cluster.ReadLog("n1").Where(e => e.Time >= abuseStart && e.Time <= abuseEnd).ToList();
            var acceptFailed = n1Log.Count(e => e.EventId == 1319);
            _output.WriteLine($"n1 logged {acceptFailed} 'accept failed' lines (1319) in {(abuseEnd - abuseStart).TotalSeconds:F1} s; " +
                $"api log lines: {string.Join(", ", n1Log.Where(e => e.EventId is >= 1310 and < 1330).GroupBy(e => e.EventId).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"))}; " +
                $"other warnings: {string.Join(", ", n1Log.Where(e => e.EventId is < 1310 or >= 1330).GroupBy(e => e.EventId).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"))}");
        }
        finally
        {
            monitor?.Dispose();
            if (abuse is not null)
            {
                await abuse.DisposeAsync();
            }

            try
            {
                FileLimit.Set(pid, old.Soft, old.Hard);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                _output.WriteLine($"could not restore n1's RLIMIT_NOFILE: {e.Message}");
            }
            await _cluster.HealAsync();
        }

        // the connections are gone: n1 answers status again, its links never moved but for the cut, and a new client is served
        await _cluster.HealAndWaitAsync(TimeSpan.FromSeconds(20));
        var after = await _cluster.StatusAsync("n1");
        Assert.True(
            (after.Link(IcmpLink).Since - before["n1"].Link(IcmpLink).Since).Duration() <= ApiLabSupport.SinceTolerance,
            $"n1's icmp link flapped:{Environment.NewLine}{after.Summary()}");
        _output.WriteLine($"afterwards n1 has {FileLimit.OpenDescriptors(pid)} descriptors open");
        try
        {
            await _cluster.CutUdpAsync();
            await _cluster.WaitForAsync(s => s["n1"].Path("udp").State == "out_of_service", Wait, "n1's udp path is out of service");
            await using var late = DotnetSubscriber.Start("dotnet@n1 (after)", socket);
            await late.WaitConnectedAsync(TimeSpan.FromSeconds(10));
            await late.WaitForAsync(m => m.Key == "302/0", TimeSpan.FromSeconds(2), "the replayed 302 state 0");
            await late.WaitForAsync(m => m.Key == "202/0", TimeSpan.FromSeconds(2), "the replayed 202 state 0");
        }
        finally
        {
            await _cluster.HealAndWaitAsync();
        }
    }
}
