using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// Two real daemons (n1, n2) and a witness whose kernel alone answers ICMP; one udp link (id 1) and one icmp link
/// relayed by the witness (id 2), interval 0.05 s, maxloss 5. Each test starts from a healed lab with every link in
/// service, injects one fault with nftables (lab/net.sh), checks what both daemons report, then heals and checks
/// that everything is back in service within 2 s.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class LinkFaultTests : IClassFixture<LabClusterFixture>
{
    private const int Udp = LabClusterOptions.UdpLink;
    private const int Icmp = LabClusterOptions.IcmpLink;

    /// <summary>Faults are prepared beforehand and applied with one `ip netns exec NS nft -f FILE` (about 10 ms); the rule
    /// takes effect somewhere inside that command and times are taken just before it starts, so this much is allowed on
    /// top of every bound for the nft command's own latency.</summary>
    private static readonly TimeSpan NftAllowance = TimeSpan.FromMilliseconds(50);

    /// <summary>`since` is wall clock derived from the monotonic clock at each query: it moves by microseconds
    /// between queries. A state change would move it by at least the detection time (255 ms).</summary>
    private static readonly TimeSpan SinceTolerance = TimeSpan.FromMilliseconds(20);

    private static readonly TimeSpan RestoreBound = TimeSpan.FromSeconds(2);

    private readonly LabCluster _cluster;
    private readonly ITestOutputHelper _output;

    public LinkFaultTests(LabClusterFixture fixture, ITestOutputHelper output)
    {
        _cluster = fixture.Cluster;
        _output = output;
    }

    private LabNetwork Lab => _cluster.Lab;

    [Fact]
    public async Task Cutting_udp_puts_the_udp_link_and_path_out_of_service_on_both_nodes_within_interval_times_maxloss_plus_one_while_icmp_stays()
    {
        var before = await SteadyAsync();
        var bound = _cluster.DetectionBound;
        DateTimeOffset cut;
        TimeSpan command;
        DateTimeOffset? healed = null;
        try
        {
            (cut, command) = await Lab.ApplyAsync(await Lab.PrepareFaultAsync("udp-drop", "n1"));
            await _cluster.WaitForAsync(s => s.Values.All(x => x.Link(Udp).State == "out_of_service"), TimeSpan.FromSeconds(3), "the udp link is out of service on both nodes");

            // let the icmp link run on under the cut for a while: it must not move
            await Task.Delay(700);
            var after = await _cluster.CliStatusAllAsync();
            foreach (var node in LabCluster.NodeNames)
            {
                var s = after[node];
                var udp = s.Link(Udp);
                var path = s.Path("udp");
                var detection = udp.Since - cut;
                _output.WriteLine($"{node}: udp link out of service {detection.TotalMilliseconds:F1} ms after the nft rule was applied " +
                    $"(path {(path.Since - cut).TotalMilliseconds:F1} ms; the nft command took {command.TotalMilliseconds:F1} ms; bound {bound.TotalMilliseconds:F0} ms)");
                Assert.True(udp.State == "out_of_service", $"{node}: udp link {udp.State}{Environment.NewLine}{s.Summary()}");
                Assert.True(path.State == "out_of_service", $"{node}: udp path {path.State}{Environment.NewLine}{s.Summary()}");
                Assert.True(udp.Since >= cut, $"{node}: the udp link left service at {udp.Since:HH:mm:ss.fff}, before the cut at {cut:HH:mm:ss.fff}");
                Assert.True(
                    detection <= bound + NftAllowance,
                    $"{node}: the udp link went out of service {detection.TotalMilliseconds:F1} ms after the nft rule was applied; the bound is " +
                    $"interval x (maxloss+1) = {bound.TotalMilliseconds:F0} ms plus {NftAllowance.TotalMilliseconds:F0} ms allowed for the nft command's own latency " +
                    $"(the time is taken before the nft command started; it took {command.TotalMilliseconds:F1} ms)");
                Assert.True(
                    path.Since - cut <= bound + NftAllowance,
                    $"{node}: the udp path went out of service {(path.Since - cut).TotalMilliseconds:F1} ms after the nft rule was applied; bound " +
                    $"{bound.TotalMilliseconds:F0} ms + {NftAllowance.TotalMilliseconds:F0} ms for the nft command's own latency");

                AssertUnchanged(before[node], s, Icmp);
                var icmpPath = s.Path("icmp");
                Assert.Equal("in_service", icmpPath.State);
                AssertClose(before[node].Path("icmp").Since, icmpPath.Since, $"{node}: icmp path since");
                Assert.DoesNotContain(_cluster.LogEvents(node, cut, 1100, 1101, 1104), e => e.Text.Contains("link 2 (icmp)", StringComparison.Ordinal));
            }
        }
        finally
        {
            healed ??= await HealAsync();
        }

        await AssertRestoredAsync(healed.Value, "udp cut on n1");
    }

    [Fact]
    public async Task Dropping_icmp_at_the_witness_puts_the_icmp_link_out_and_icmp_hop_shows_both_sides_lost_the_witness_while_udp_stays()
    {
        var before = await SteadyAsync();
        var bound = _cluster.DetectionBound;
        DateTimeOffset cut;
        DateTimeOffset? healed = null;
        try
        {
            (cut, var command) = await Lab.ApplyAsync(await Lab.PrepareFaultAsync("icmp-drop-at-witness"));
            await _cluster.WaitForAsync(
                s => s.Values.All(x => x.Link(Icmp).State == "out_of_service" && x.Link(Icmp).Hop?.State == "out_of_service"),
                TimeSpan.FromSeconds(4),
                "the icmp link and its icmp_hop are out of service on both nodes");
            await Task.Delay(300);
            var after = await _cluster.CliStatusAllAsync();
            foreach (var node in LabCluster.NodeNames)
            {
                var s = after[node];
                var icmp = s.Link(Icmp);
                _output.WriteLine($"{node}: icmp link out of service {(icmp.Since - cut).TotalMilliseconds:F1} ms after the witness dropped ICMP, " +
                    $"icmp_hop out of service after {(icmp.Hop!.Since - cut).TotalMilliseconds:F1} ms (the nft command took {command.TotalMilliseconds:F1} ms)");
                Assert.True(icmp.State == "out_of_service", s.Summary());
                Assert.True(icmp.Hop.State == "out_of_service", $"{node}: hop.state {icmp.Hop.State}: this node must see it lost the witness{Environment.NewLine}{s.Summary()}");
                Assert.True(icmp.WitnessReachable == false, $"{node}: witness_reachable {icmp.WitnessReachable}");
                Assert.True(s.Path("icmp").State == "out_of_service", s.Summary());
                Assert.True(
                    icmp.Since - cut <= bound + NftAllowance,
                    $"{node}: the icmp link went out of service {(icmp.Since - cut).TotalMilliseconds:F1} ms after the nft rule; bound {bound.TotalMilliseconds:F0} ms " +
                    $"+ {NftAllowance.TotalMilliseconds:F0} ms for the nft command's own latency");

                // each node lost the witness itself, and hears over udp that its peer lost it too
                Assert.True(s.Isolation == "self", $"{node}: isolation {s.Isolation}{Environment.NewLine}{s.Summary()}");
                Assert.True(s.PeerReportsWitnessLost, $"{node}: the peer lost the witness too, but peer_reports_witness_lost is false{Environment.NewLine}{s.Summary()}");

                AssertUnchanged(before[node], s, Udp);
                Assert.Equal("in_service", s.Path("udp").State);
            }
        }
        finally
        {
            healed ??= await HealAsync();
        }

        await AssertRestoredAsync(healed.Value, "icmp dropped at the witness");
    }

    [Fact]
    public async Task Cutting_n1_off_the_witness_and_udp_shows_n1_it_is_isolated_and_n2_that_its_peer_is()
    {
        await SteadyAsync();
        DateTimeOffset? healed = null;
        try
        {
            var udpDrop = await Lab.PrepareFaultAsync("udp-drop", "n1");
            var isolate = await Lab.PrepareFaultAsync("isolate-from-witness", "n1");
            var (cut, udpCommand) = await Lab.ApplyAsync(udpDrop);
            var (isolated, isolateCommand) = await Lab.ApplyAsync(isolate);
            _output.WriteLine($"udp-drop n1 took {udpCommand.TotalMilliseconds:F0} ms, isolate-from-witness n1 started {(isolated - cut).TotalMilliseconds:F0} ms " +
                $"after it and took {isolateCommand.TotalMilliseconds:F0} ms");
            var seen = await _cluster.WaitForAsync(
                s => s["n1"].Isolation == "self" && s["n1"].Link(Icmp).Hop?.State == "out_of_service"
                    && s["n2"].Isolation == "peer" && s["n2"].Link(Icmp).Hop?.State == "in_service",
                TimeSpan.FromSeconds(4),
                "n1 reports isolation self (hop out of service) and n2 isolation peer (hop in service)");
            _output.WriteLine($"both sides decided {(seen["n1"].TakenAt - cut).TotalMilliseconds:F0} ms after the cut (polling time)");

            // still so a moment later, from the CLI
            await Task.Delay(300);
            var after = await _cluster.CliStatusAllAsync();
            var n1 = after["n1"];
            var n2 = after["n2"];
            _output.WriteLine(n1.Summary());
            _output.WriteLine(n2.Summary());
            Assert.True(n1.Isolation == "self", n1.Summary());
            Assert.True(n1.Link(Icmp).Hop?.State == "out_of_service", n1.Summary());
            Assert.True(n1.Link(Icmp).WitnessReachable == false, n1.Summary());
            Assert.True(n2.Isolation == "peer", n2.Summary());
            Assert.True(n2.Link(Icmp).Hop?.State == "in_service", n2.Summary());
            Assert.True(n2.Link(Icmp).WitnessReachable == true, n2.Summary());
            foreach (var s in after.Values)
            {
                Assert.True(s.Links.All(l => l.State == "out_of_service"), $"both paths to the peer are cut:{Environment.NewLine}{s.Summary()}");
                Assert.True(s.Paths.All(p => p.State == "out_of_service"), s.Summary());
                var icmp = s.Link(Icmp);
                _output.WriteLine($"{s.Node}: icmp link out of service {(icmp.Since - isolated).TotalMilliseconds:F1} ms after isolate-from-witness was applied, " +
                    $"udp link {(s.Link(Udp).Since - cut).TotalMilliseconds:F1} ms after udp-drop; hop {icmp.Hop!.State} {(icmp.Hop.Since - isolated).TotalMilliseconds:F1} ms");
                Assert.True(
                    icmp.Since - isolated <= _cluster.DetectionBound + NftAllowance,
                    $"{s.Node}: the icmp link went out of service {(icmp.Since - isolated).TotalMilliseconds:F1} ms after n1 was cut off the witness; bound " +
                    $"{_cluster.DetectionBound.TotalMilliseconds:F0} ms + {NftAllowance.TotalMilliseconds:F0} ms for the nft command's own latency{Environment.NewLine}{s.Summary()}");
            }
        }
        finally
        {
            healed ??= await HealAsync();
        }

        await AssertRestoredAsync(healed.Value, "n1 cut off the witness and udp");
    }

    /// <summary>`oneway DEAF UNHEARD`: DEAF's input drops everything from UNHEARD. UNHEARD's frames are lost, so UNHEARD is
    /// the side that sees frames arrive (DEAF's) whose acks no longer cover its own sequence: it reports one-way.</summary>
    [Theory]
    [InlineData("n2", "n1")]
    [InlineData("n1", "n2")]
    public async Task A_one_way_drop_reports_one_way_on_the_side_whose_frames_are_lost(string deaf, string unheard)
    {
        var before = await SteadyAsync();
        DateTimeOffset? healed = null;
        try
        {
            var (cut, _) = await Lab.ApplyAsync(await Lab.PrepareFaultAsync("oneway", deaf, unheard));
            var seen = await _cluster.WaitForAsync(
                s => s[unheard].Link(Udp).OneWay && s[deaf].Link(Udp).State == "out_of_service",
                TimeSpan.FromSeconds(4),
                $"{unheard} reports one_way on the udp link and {deaf} has the udp link out of service");
            _output.WriteLine($"{unheard} reported one-way within {(seen[unheard].TakenAt - cut).TotalMilliseconds:F0} ms of the cut (polling time)");

            // hold the fault a little and watch that the deaf side never claims one-way
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromMilliseconds(600))
            {
                var s = await _cluster.StatusAllAsync();
                Assert.False(s[deaf].Link(Udp).OneWay, $"{deaf} hears nothing from {unheard}; it must not report one-way{Environment.NewLine}{s[deaf].Summary()}");
                Assert.True(s[unheard].Link(Udp).OneWay, $"{unheard}'s frames are lost: it must keep reporting one-way{Environment.NewLine}{s[unheard].Summary()}");
                await Task.Delay(50);
            }

            var after = await _cluster.CliStatusAllAsync();
            _output.WriteLine(after[unheard].Summary());
            _output.WriteLine(after[deaf].Summary());
            Assert.True(after[unheard].Link(Udp).OneWay, after[unheard].Summary());
            Assert.False(after[deaf].Link(Udp).OneWay, after[deaf].Summary());

            // frames arrive at the unheard side but do not acknowledge its own: out of service there too
            Assert.True(after[unheard].Link(Udp).State == "out_of_service", after[unheard].Summary());
            Assert.True(after[deaf].Link(Udp).State == "out_of_service", after[deaf].Summary());

            // the relay via the witness never carries a packet from one node to the other directly: untouched
            foreach (var node in LabCluster.NodeNames)
            {
                AssertUnchanged(before[node], after[node], Icmp);
            }

            Assert.NotEmpty(_cluster.LogEvents(unheard, cut, 1104));
        }
        finally
        {
            healed ??= await HealAsync();
        }

        await AssertRestoredAsync(healed.Value, $"one-way {deaf} does not hear {unheard}");
    }

    [Fact]
    public async Task Healing_restores_every_link_and_path_on_both_nodes_within_two_seconds()
    {
        await SteadyAsync();
        DateTimeOffset? healed = null;
        try
        {
            await Lab.UdpDropAsync("n1");
            await Lab.IcmpDropAtWitnessAsync();
            await _cluster.WaitForAsync(
                s => s.Values.All(x => x.Links.All(l => l.State == "out_of_service") && x.Link(Icmp).Hop?.State == "out_of_service"),
                TimeSpan.FromSeconds(4),
                "every link and the icmp_hop are out of service on both nodes");

            // a while in the broken state, as after a real outage
            await Task.Delay(1000);
            healed = await HealAsync();
        }
        finally
        {
            healed ??= await HealAsync();
        }

        await AssertRestoredAsync(healed.Value, "udp cut on n1 and icmp dropped at the witness");
    }

    /// <summary>Removes every fault table; returns the time taken just before.</summary>
    private async Task<DateTimeOffset> HealAsync() => (await TimedAsync(() => Lab.HealAsync())).Started;

    /// <summary>Waits until both nodes report every link and path in service and asserts that
    /// the last of them came back within 2 s of the heal (by the `since` times, not by polling).</summary>
    private async Task AssertRestoredAsync(DateTimeOffset healed, string fault)
    {
        var restored = await _cluster.WaitForAsync(s => s.Values.All(x => x.AllInService), RestoreBound + TimeSpan.FromSeconds(3), $"everything is in service again after healing ({fault})");
        var last = restored.Values
            .SelectMany(s => s.Links.Select(l => l.Since).Concat(s.Paths.Select(p => p.Since)).Concat(s.Links.Where(l => l.Hop is not null).Select(l => l.Hop!.Since)))
            .Max();
        var took = last - healed;
        _output.WriteLine($"healed after '{fault}': every link and path in service on both nodes {took.TotalMilliseconds:F0} ms after the heal");
        Assert.True(took <= RestoreBound, $"after healing '{fault}' the last link or path came back {took.TotalMilliseconds:F0} ms later (bound {RestoreBound.TotalSeconds} s){Environment.NewLine}" +
            string.Join(Environment.NewLine, restored.Values.Select(s => s.Summary())));
    }

    /// <summary>Heals, waits for every link in service, then half a second more so `since` values are well before any fault.</summary>
    private async Task<IReadOnlyDictionary<string, StatusSnapshot>> SteadyAsync()
    {
        await _cluster.HealAndWaitAsync();
        await Task.Delay(500);
        return await _cluster.WaitForAsync(s => s.Values.All(x => x.AllInService), TimeSpan.FromSeconds(5), "every link in service before the fault");
    }

    private static async Task<(DateTimeOffset Started, TimeSpan Took)> TimedAsync(Func<Task> action)
    {
        var started = DateTimeOffset.Now;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await action();
        return (started, watch.Elapsed);
    }

    private static void AssertUnchanged(StatusSnapshot before, StatusSnapshot after, int linkId)
    {
        var was = before.Link(linkId);
        var now = after.Link(linkId);
        Assert.True(now.State == "in_service", $"{after.Node}: link {linkId} must stay in service: {now.Describe()}");
        Assert.False(now.OneWay, $"{after.Node}: link {linkId} one_way: {now.Describe()}");
        AssertClose(was.Since, now.Since, $"{after.Node}: link {linkId} changed state (since {was.Since:HH:mm:ss.ffffff} -> {now.Since:HH:mm:ss.ffffff})");
    }

    private static void AssertClose(DateTimeOffset expected, DateTimeOffset actual, string what) =>
        Assert.True((actual - expected).Duration() <= SinceTolerance, what);
}
