using System.Globalization;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Api;

/// <summary>
/// FAULTS.md F22 against the real daemon: 1,000 misbehaving connections to n1's sbp API socket (never registering,
/// writing garbage, disconnecting mid-message, never reading, half-closed) while both links beat at 20/s
/// (interval 0.05 s, maxloss 5). The links must not flap, no heartbeat gap may reach 2 intervals, the daemon must stay up
/// and well-behaved clients must get every event of a udp cut and heal done during the abuse.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class ApiAbuseLabTests : IClassFixture<LabClusterFixture>
{
    private const int UdpLink = LabClusterOptions.UdpLink;
    private const int IcmpLink = LabClusterOptions.IcmpLink;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan QuietAbuse = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan AfterHeal = TimeSpan.FromSeconds(3);
    private static readonly string[] CutAndHeal = ["302/0", "202/0", "302/1", "202/1"];
    private static readonly int[] LinkEvents = [1100, 1101, 1102, 1103, 1104, 1105];

    private readonly LabCluster _cluster;
    private readonly ITestOutputHelper _output;

    public ApiAbuseLabTests(LabClusterFixture fixture, ITestOutputHelper output)
    {
        ApiLabSupport.EnsureThreadPoolHeadroom();
        _cluster = fixture.Cluster;
        _output = output;
    }

    [Fact]
    public async Task A_thousand_abusive_connections_to_n1s_api_cause_no_flap_no_heartbeat_gap_of_two_intervals_and_no_missed_event()
    {
        var before = await _cluster.SteadyAsync();
        var daemon = _cluster.Daemon("n1");
        var pid = daemon.Pid;
        var interval = TimeSpan.FromSeconds(_cluster.Options.Interval);
        var socket = _cluster.ApiSocket("n1");
        var subscribers = new List<IApiSubscriber>();
        HeartbeatGapMonitor? monitor = null;
        ApiAbuse? abuse = null;
        DateTimeOffset? cut = null;
        DateTimeOffset? healedAt = null;
        DateTimeOffset? healStarted = null;
        try
        {
            // a well-behaved .NET client, registered before the abuse
            var registeredSince = DateTimeOffset.Now.AddMilliseconds(-5);
            var early = DotnetSubscriber.Start("dotnet@n1 (before the abuse)", socket);
            subscribers.Add(early);
            await early.WaitConnectedAsync(TimeSpan.FromSeconds(10));
            await _cluster.WaitRegisteredAsync("n1", early.Pid, 1, registeredSince);

            monitor = HeartbeatGapMonitor.Start(_cluster, "n1", "n2");
            var abuseStart = DateTimeOffset.Now;
            abuse = ApiAbuse.Start(socket, LabClusterOptions.ClusterId);
            var up = await Polling.WaitUntilAsync(
                () => abuse.Connects.Values.Sum() >= 1000 && abuse.Open >= 800,
                TimeSpan.FromSeconds(30),
                "1,000 abusive connections were made and at least 800 are open at once");
            _output.WriteLine($"abuse up {up.TotalMilliseconds:F0} ms after it started: {abuse.Open} connections open");

            // a well-behaved Python client connecting in the middle of it
            await Task.Delay(QuietAbuse / 2);
            var late = PythonSubscriber.Start("python@n1 (during the abuse)", socket);
            subscribers.Add(late);
            await late.WaitConnectedAsync(TimeSpan.FromSeconds(10));
            await Task.Delay(QuietAbuse / 2);

            // phase A: nothing may have changed
            var quietEnd = DateTimeOffset.Now;
            var duringAbuse = await _cluster.StatusAllAsync();
            _output.WriteLine($"after {(quietEnd - abuseStart).TotalSeconds:F1} s of abuse: {abuse.Describe()}");
            foreach (var node in LabCluster.NodeNames)
            {
                foreach (var link in before[node].Links)
                {
                    var now = duringAbuse[node].Link(link.Id);
                    Assert.True(
                        now.State == "in_service" && (now.Since - link.Since).Duration() <= ApiLabSupport.SinceTolerance,
                        $"{node}: link {link.Id} flapped during the abuse: in service since {link.Since:HH:mm:ss.fff} before, now {now.State} since {now.Since:HH:mm:ss.fff}" +
                        $"{Environment.NewLine}{duringAbuse[node].Summary()}");
                }

                var flaps = _cluster.LogEvents(node, abuseStart, LinkEvents);
                Assert.True(flaps.Count == 0, $"{node} logged link events during the abuse:{Environment.NewLine}{string.Join(Environment.NewLine, flaps.Select(f => f.Text))}");
            }

            foreach (var s in subscribers)
            {
                Assert.True(s.Messages.Count == 0, $"nothing changed, yet:{Environment.NewLine}{s.Describe()}");
            }

            // phase B: a udp cut and heal during the abuse
            var readersAtCut = abuse.Readers.Select(r => r.Connection).ToArray();
            cut = await _cluster.CutUdpAsync();
            foreach (var s in subscribers)
            {
                await s.WaitForAsync(m => m.Type == 302 && m.State == 0, Wait, "302 state 0 during the abuse");
                await s.WaitForAsync(m => m.Type == 202 && m.State == 0, Wait, "202 state 0 during the abuse");
            }

            await _cluster.WaitForAsync(s => s.Values.All(x => x.Link(UdpLink).State == "out_of_service"), Wait, "the udp link is out of service on both nodes");
            await Task.Delay(500);
            healStarted = await _cluster.HealAsync();
            foreach (var s in subscribers)
            {
                await s.WaitForAsync(m => m.Type == 302 && m.State == 1, Wait, "302 state 1 during the abuse");
                await s.WaitForAsync(m => m.Type == 202 && m.State == 1, Wait, "202 state 1 during the abuse");
            }

            var healed = await _cluster.WaitForAsync(s => s.Values.All(x => x.AllInService), Wait, "everything is in service again");
            healedAt = DateTimeOffset.Now;
            await Task.Delay(AfterHeal);
            var abuseEnd = DateTimeOffset.Now;
            var atEnd = await _cluster.StatusAllAsync();
            monitor.Dispose();
            var readers = abuse.Readers.Select((r, i) => (Reader: r, Same: r.Connection == readersAtCut[i] && readersAtCut[i] > 0)).ToList();
            _output.WriteLine($"at the end of {(abuseEnd - abuseStart).TotalSeconds:F1} s of abuse: {abuse.Open} open; {abuse.Describe()}");
            await abuse.DisposeAsync();
            abuse = null;

            // the daemon stayed up, the same process
            _cluster.EnsureRunning();
            Assert.Equal(pid, daemon.Pid);
            Assert.Equal(pid, atEnd["n1"].Pid);
            Assert.Equal(before["n1"].Incarnation, atEnd["n1"].Incarnation);

            // well-behaved clients: every event of the cycle, once, on their first connection
            foreach (var s in subscribers)
            {
                var got = s.Messages.Select(m => m.Key).ToList();
                var link = s.Messages.First(m => m.Key == "302/0");
                _output.WriteLine($"{s.Name}: {string.Join(", ", got)}; 302 state 0 {(link.At - cut.Value).TotalMilliseconds:F1} ms after the cut; " +
                    $"302 state 1 {(s.Messages.First(m => m.Key == "302/1").At - healStarted.Value).TotalMilliseconds:F1} ms after the heal command started");
                Assert.True(got.SequenceEqual(CutAndHeal), $"{s.Name}: expected {string.Join(", ", CutAndHeal)}{Environment.NewLine}{s.Describe()}");
                Assert.True(s.Connections.Count == 1, $"{s.Name} was disconnected:{Environment.NewLine}{s.Describe()}");
            }

            // the half-closed connections are well-behaved readers too
            var steadyReaders = readers.Where(r => r.Same).ToList();
            var wrong = steadyReaders.Where(r => !r.Reader.Messages.SequenceEqual(CutAndHeal)).ToList();
            _output.WriteLine($"half-closed connections open through the whole cycle: {steadyReaders.Count} of {readers.Count}; {wrong.Count} of them missed or doubled an event");
            Assert.True(wrong.Count == 0, $"{wrong.Count} half-closed readers did not get exactly {string.Join(", ", CutAndHeal)}; e.g. {string.Join(", ", wrong.FirstOrDefault().Reader?.Messages ?? [])}");
            Assert.True(steadyReaders.Count >= readers.Count * 9 / 10, $"only {steadyReaders.Count} of {readers.Count} half-closed connections stayed open through the cycle");

            // what the daemons logged: the cut and heal, nothing else
            foreach (var node in LabCluster.NodeNames)
            {
                var logged = _cluster.LoggedMessages(node, abuseStart);
                Assert.True(logged.SequenceEqual(CutAndHeal), $"{node} logged {string.Join(", ", logged)} during the abuse; only the cut and heal were expected");
                var icmpBefore = before[node].Link(IcmpLink);
                var icmpAfter = atEnd[node].Link(IcmpLink);
                Assert.True(
                    icmpAfter.State == "in_service" && (icmpAfter.Since - icmpBefore.Since).Duration() <= ApiLabSupport.SinceTolerance,
                    $"{node}: the icmp link flapped: in service since {icmpBefore.Since:HH:mm:ss.fff} before, {icmpAfter.State} since {icmpAfter.Since:HH:mm:ss.fff} at the end");
                var udpHealed = healed[node].Link(UdpLink);
                var udpEnd = atEnd[node].Link(UdpLink);
                Assert.True(
                    udpEnd.State == "in_service" && (udpEnd.Since - udpHealed.Since).Duration() <= ApiLabSupport.SinceTolerance,
                    $"{node}: the udp link flapped after the heal: in service since {udpHealed.Since:HH:mm:ss.fff}, {udpEnd.State} since {udpEnd.Since:HH:mm:ss.fff} at the end");
            }

            // heartbeat gaps: last_received_ms polled every 20 ms; udp outside the cut, icmp throughout
            var udpWindows = new[] { (abuseStart, cut.Value), (healedAt.Value, abuseEnd) };
            var all = new[] { (abuseStart, abuseEnd) };
            var gaps = new List<(string What, double Max, int Count)>();
            foreach (var node in LabCluster.NodeNames)
            {
                var (udpMax, udpCount) = monitor.MaxGap(node, UdpLink, udpWindows);
                var (icmpMax, icmpCount) = monitor.MaxGap(node, IcmpLink, all);
                gaps.Add(($"{node} udp link (frames from {(node == "n1" ? "n2" : "n1")})", udpMax, udpCount));
                gaps.Add(($"{node} icmp link", icmpMax, icmpCount));
            }

            var queries = monitor.QueryMs;
            foreach (var (what, max, count) in gaps)
            {
                _output.WriteLine($"max last_received_ms, {what}: {max:F1} ms over {count} samples (bound: 2 intervals = {2 * interval.TotalMilliseconds:F0} ms)");
            }

            _output.WriteLine($"status queries during the abuse: {queries.Count}, p50 {ApiLabSupport.Percentile(queries, 50):F1} ms, max {queries.DefaultIfEmpty().Max():F1} ms; " +
                $"{monitor.Errors.Count} failed{(monitor.Errors.Count > 0 ? ": " + string.Join("; ", monitor.Errors.Take(5)) : "")}");
            foreach (var (what, max, count) in gaps)
            {
                Assert.True(count >= 100, $"{what}: only {count} status samples");
                Assert.True(max < 2 * interval.TotalMilliseconds, $"{what}: a gap of {max:F1} ms between heartbeats during the abuse (2 intervals = {2 * interval.TotalMilliseconds:F0} ms)");
            }

            // the abuse reached the daemon and it enforced its limits, naming the clients
            var n1Log = _cluster.ReadLog("n1").Where(e => e.Time >= abuseStart).ToList();
            var counts = new[] { 1312, 1313, 1315, 1316, 1318, 1314, 1319, 1321, 1322, 1323 }
                .ToDictionary(id => id, id => n1Log.Count(e => e.EventId == id));
            _output.WriteLine("n1 api log lines during the abuse: " + string.Join(", ", counts.Select(kv => $"{kv.Key} x{kv.Value}")));
            Assert.True(counts[1313] > 0, "no client was dropped for not registering (1313)");
            Assert.True(counts[1316] > 0, "no garbage writer was dropped (1316)");
            Assert.True(counts[1312] > 0, "no unknown-cluster registration was logged (1312)");
            foreach (var bug in new[] { 1321, 1322, 1323 })
            {
                Assert.True(counts[bug] == 0, $"n1 logged event {bug.ToString(CultureInfo.InvariantCulture)} during the abuse:{Environment.NewLine}" +
                    string.Join(Environment.NewLine, n1Log.Where(e => e.EventId == bug).Take(3).Select(e => e.Text)));
            }
        }
        finally
        {
            monitor?.Dispose();
            if (abuse is not null)
            {
                await abuse.DisposeAsync();
            }

            foreach (var s in subscribers)
            {
                await s.DisposeAsync();
            }

            await _cluster.HealAndWaitAsync();
        }

        // afterwards the API serves a new client normally: connected during a cut, it gets the alarms as its replay
        try
        {
            await _cluster.CutUdpAsync();
            await _cluster.WaitForAsync(s => s["n1"].Path("udp").State == "out_of_service", Wait, "n1's udp path is out of service");
            await using var after = DotnetSubscriber.Start("dotnet@n1 (after the abuse)", socket);
            await after.WaitConnectedAsync(TimeSpan.FromSeconds(10));
            await after.WaitForAsync(m => m.Key == "302/0", TimeSpan.FromSeconds(1), "the replayed 302 state 0");
            await after.WaitForAsync(m => m.Key == "202/0", TimeSpan.FromSeconds(1), "the replayed 202 state 0");
        }
        finally
        {
            await _cluster.HealAndWaitAsync();
        }
    }
}
