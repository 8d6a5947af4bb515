using System.Diagnostics;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// 10 % random loss on the input of both nodes (every udp frame and every relayed icmp frame crosses one lossy input)
/// for 60 s, with interval 0.05 s and maxloss 5: no link may flap, except by the loss itself. Counted twice: link
/// state changes logged (event ids 1100 OUT OF SERVICE / 1101 in service) after the loss started, and the links'
/// `since` before and after.
///
/// "Except by the loss itself": a link goes out of service, as sbp's rule says, when `maxloss` intervals pass without
/// a frame (or without our frames being acknowledged). Five frames in a row lost at 10 % has probability 1e-5, and a
/// minute has 1,200 frames per link and direction: with four link directions, and the acknowledgements crossing a
/// second lossy input, about 0.05 such outages are expected per run (one was seen in about twenty CI runs, lasting
/// 25 ms; the next run saw one of 25-30 ms from both sides). So the test allows one outage episode (both sides'
/// view of one run of lost frames) of at most two intervals (the next frames end it) and nothing else; two have a
/// probability of about 1e-3, and a link rule that flaps under loss for any other reason shows many.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class RandomLossTests : IClassFixture<LabClusterFixture>
{
    private const int LossPercent = 10;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SinceTolerance = TimeSpan.FromMilliseconds(20);

    private readonly LabCluster _cluster;
    private readonly ITestOutputHelper _output;

    public RandomLossTests(LabClusterFixture fixture, ITestOutputHelper output)
    {
        _cluster = fixture.Cluster;
        _output = output;
    }

    /// <summary>"cluster 1 node 2 link 1" of a 1100/1101 log line.</summary>
    private static string LinkOf(string line)
    {
        var at = line.IndexOf("cluster ", StringComparison.Ordinal);
        var text = at < 0 ? line : line[at..];
        return text.Split(" (", 2)[0];
    }

    [Fact]
    public async Task Ten_percent_loss_on_every_node_for_60_seconds_flaps_no_link()
    {
        var lab = _cluster.Lab;
        await _cluster.HealAndWaitAsync();
        await Task.Delay(500);
        var before = await _cluster.CliStatusAllAsync();
        Assert.True(before.Values.All(s => s.AllInService), string.Join(Environment.NewLine, before.Values.Select(s => s.Summary())));

        DateTimeOffset lossStart;
        IReadOnlyDictionary<string, StatusSnapshot> after;
        var flapped = new List<string>();
        try
        {
            lossStart = DateTimeOffset.Now;
            await lab.LossAsync("n1", LossPercent);
            await lab.LossAsync("n2", LossPercent);
            _output.WriteLine($"{LossPercent} % input loss on n1 and n2 from {lossStart:HH:mm:ss.fff} for {Duration.TotalSeconds} s " +
                $"(interval {_cluster.Options.Interval} s, maxloss {_cluster.Options.MaxLoss})");

            // look every 5 s (control socket, cheap) so a flap is noticed in the output when it happens
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < Duration)
            {
                await Task.Delay(TimeSpan.FromSeconds(5) < Duration - watch.Elapsed ? TimeSpan.FromSeconds(5) : Duration - watch.Elapsed);
                _cluster.EnsureRunning();
                var now = await _cluster.StatusAllAsync();
                foreach (var s in now.Values)
                {
                    foreach (var link in s.Links.Where(l => l.State != "in_service" || l.Since > lossStart))
                    {
                        var note = $"{watch.Elapsed.TotalSeconds:F0} s: {s.Node} {link.Describe()}";
                        flapped.Add(note);
                        _output.WriteLine("FLAP " + note);
                    }
                }
            }

            after = await _cluster.CliStatusAllAsync();
        }
        finally
        {
            await lab.HealAsync();
        }

        // the log file is written by a background sink: give it a moment
        await Task.Delay(1200);
        var totalChanges = 0;
        foreach (var node in LabCluster.NodeNames)
        {
            var changes = _cluster.LogEvents(node, lossStart, 1100, 1101);
            var others = _cluster.LogEvents(node, lossStart, 1102, 1103, 1104, 1105, 1106, 1107, 1108);
            totalChanges += changes.Count;
            _output.WriteLine($"{node}: {changes.Count} link state changes logged (1100/1101) during the loss; " +
                $"{others.Count} other link events (path, one-way, hop, slow tick)");
            foreach (var line in changes.Concat(others))
            {
                _output.WriteLine("  " + line.Text);
            }

            foreach (var link in after[node].Links)
            {
                var was = before[node].Link(link.Id);
                var sent = link.Sent - was.Sent;
                var received = link.Received - was.Received;
                var lost = link.Lost - was.Lost;
                var rate = received + lost == 0 ? 0 : 100.0 * lost / (received + lost);
                _output.WriteLine($"  link {link.Id} ({link.Type}): {link.State}, sent {sent}, received {received}, lost {lost} " +
                    $"({rate:F1} % of the peer's frames), one_way={link.OneWay}");
            }
        }

        // The outages (1100), each with how long until that link was in service again (1101). A run of lost frames
        // is seen from both sides (one misses the frames, the other the acknowledgements): outages that begin within
        // two detection times of each other are one episode.
        var outages = new List<(string Node, DateTimeOffset At, string Text, TimeSpan Length)>();
        foreach (var node in LabCluster.NodeNames)
        {
            var changes = _cluster.LogEvents(node, lossStart, 1100, 1101);
            foreach (var down in changes.Where(c => c.EventId == 1100))
            {
                var link = LinkOf(down.Text);
                var up = changes.FirstOrDefault(c => c.EventId == 1101 && c.Time >= down.Time && LinkOf(c.Text) == link);
                outages.Add((node, down.Time, link, up is null ? TimeSpan.MaxValue : up.Time - down.Time));
            }
        }

        var interval = TimeSpan.FromSeconds(_cluster.Options.Interval);
        var detection = interval * (_cluster.Options.MaxLoss + 0.5);
        var episodes = 0;
        DateTimeOffset? episode = null;
        foreach (var o in outages.OrderBy(o => o.At))
        {
            if (episode is not { } start || o.At - start > 2 * detection)
            {
                episodes++;
                episode = o.At;
            }
        }

        _output.WriteLine($"flaps: {totalChanges} link state changes in {Duration.TotalSeconds} s of {LossPercent} % loss; {episodes} outage episode(s): " +
            (outages.Count == 0 ? "none" : string.Join("; ", outages.Select(o => $"{o.Node} {o.At:HH:mm:ss.fff} {o.Text} for {o.Length.TotalMilliseconds:0} ms"))));
        Assert.True(episodes <= 1, $"{episodes} link outage episodes during {Duration.TotalSeconds} s of {LossPercent} % loss, where the loss explains at most one (see the output)");
        Assert.True(totalChanges == 2 * outages.Count, $"{totalChanges} link state changes logged for {outages.Count} outage(s) (see the output)");
        Assert.All(outages, o => Assert.True(o.Length <= 2 * interval, $"{o.Node}: an outage of {o.Length.TotalMilliseconds:0} ms, longer than two intervals: {o.Text}"));
        Assert.DoesNotContain(flapped, f => !f.Contains("in_service", StringComparison.Ordinal));
        foreach (var node in LabCluster.NodeNames)
        {
            var s = after[node];
            foreach (var link in s.Links)
            {
                var was = before[node].Link(link.Id);
                Assert.True(link.State == "in_service", $"{node}: {link.Describe()}");
                Assert.False(link.OneWay, $"{node}: {link.Describe()}");
                Assert.True((link.Since - was.Since).Duration() <= SinceTolerance || outages.Any(o => o.Node == node),
                    $"{node}: link {link.Id} changed state during the loss: since {was.Since:O} -> {link.Since:O}");

                // the loss really happened: about 10 % of the peer's frames are missing
                Assert.True(link.Lost - was.Lost > 0, $"{node}: link {link.Id} lost no frame: was the loss rule in place?");
            }

            Assert.True(s.Paths.All(p => p.State == "in_service"), s.Summary());
        }
    }
}
