using System.Globalization;
using System.Text.Json.Nodes;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// Robustness: lab/forge_frames.py sends 13,000 malformed, forged, replayed and foreign frames at n1's udp port,
/// from inside n2's namespace with n2's own source address (and 500 from the witness), while the real n2 keeps
/// heartbeating. Replays are correctly MAC'd frames of an older incarnation of n2 or with sequence numbers n1 has
/// long seen, and byte-for-byte copies of real frames of n2 captured on the wire. n1 must stay up with every link in service and unchanged, and count every frame under exactly
/// the reason it was built for: the real n2 sends only valid frames, so the counters must match to the frame.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class ForgedFrameTests : IClassFixture<LabClusterFixture>
{
    private const int PerClass = 1000;
    private const int FromWitness = 500;

    /// <summary>Real frames of n2 captured on the wire and re-sent byte for byte, each <see cref="Copies"/> times.</summary>
    private const int Captured = 50;
    private const int Copies = 10;

    private static readonly string[] Classes =
    [
        "truncated", "bad_magic", "bad_version", "bad_length", "bad_mac", "bad_kind", "foreign_cluster",
        "unknown_sender", "wrong_receiver", "unknown_link", "wrong_source", "replayed",
    ];

    private static readonly TimeSpan SinceTolerance = TimeSpan.FromMilliseconds(20);

    private readonly LabCluster _cluster;
    private readonly ITestOutputHelper _output;

    public ForgedFrameTests(LabClusterFixture fixture, ITestOutputHelper output)
    {
        _cluster = fixture.Cluster;
        _output = output;
    }

    private static string Forger => Path.Combine(LabPaths.LabDir, "forge_frames.py");

    [Fact]
    public async Task Over_ten_thousand_forged_frames_change_no_state_and_are_counted_by_reason()
    {
        var lab = _cluster.Lab;
        await _cluster.HealAndWaitAsync();

        // "replayed" re-sends sequence numbers 1..50 of n2's current incarnation: n1 must have seen them
        await _cluster.WaitForAsync(s => s["n1"].Link(LabClusterOptions.UdpLink).Received >= 100, TimeSpan.FromSeconds(20), "n1 received 100 udp frames from n2");
        var before = await _cluster.CliStatusAllAsync();
        Assert.True(before.Values.All(s => s.AllInService), string.Join(Environment.NewLine, before.Values.Select(s => s.Summary())));
        var kernelBefore = await UdpCountersAsync("n1");
        var started = DateTimeOffset.Now;

        var fromPeer = await ForgeAsync("n2", Classes, PerClass, before["n2"].Incarnation, sourceIsPeer: true, captureReplays: Captured);
        var fromWitness = await ForgeAsync("w", ["wrong_source"], FromWitness, before["n2"].Incarnation, sourceIsPeer: false);
        Assert.Equal(Captured, fromPeer["captured_real_frames"]!.GetValue<int>());
        var expected = Classes.ToDictionary(c => c, c => Sent(fromPeer, c) + Sent(fromWitness, c), StringComparer.Ordinal);
        var total = expected.Values.Sum();
        _output.WriteLine($"sent {total} forged frames to n1 in {fromPeer["seconds"]} s + {fromWitness["seconds"]} s " +
            $"(from {fromPeer["source"]} and {fromWitness["source"]}; seeds {fromPeer["seed"]}, {fromWitness["seed"]})");
        Assert.True(total >= 10_000, $"only {total} frames sent");
        Assert.Equal((Classes.Length * PerClass) + FromWitness + (Captured * Copies), total);

        // the counters catch up as soon as n1's event loop has drained its queue
        try
        {
            await _cluster.WaitForAsync(s => s["n1"].DroppedTotal - before["n1"].DroppedTotal >= total, TimeSpan.FromSeconds(15), $"n1 counted {total} more dropped frames");
        }
        catch (TimeoutException)
        {
            // fall through: the exact comparison below says which reason is short
        }

        await Task.Delay(700);
        var after = await _cluster.CliStatusAllAsync();
        var kernelAfter = await UdpCountersAsync("n1");
        var n1Before = before["n1"];
        var n1After = after["n1"];

        var report = Classes.Select(c => $"  {c,-16} sent {expected[c],5}  counted {n1After.DroppedFor(c) - n1Before.DroppedFor(c),5}");
        _output.WriteLine("n1 frames.dropped increase by reason:" + Environment.NewLine + string.Join(Environment.NewLine, report));
        _output.WriteLine($"n1 accepted {n1After.Accepted - n1Before.Accepted} real frames meanwhile; kernel udp RcvbufErrors +{kernelAfter["RcvbufErrors"] - kernelBefore["RcvbufErrors"]}");

        // the daemon stayed up
        _cluster.EnsureRunning();
        Assert.Equal(n1Before.Pid, n1After.Pid);
        Assert.Equal(_cluster.Daemon("n1").Pid, n1After.Pid);

        // every reason counted exactly what was sent for it, and nothing else was dropped
        Assert.Equal(0, kernelAfter["RcvbufErrors"] - kernelBefore["RcvbufErrors"]);
        foreach (var reason in n1After.Dropped.Keys.Union(Classes))
        {
            var counted = n1After.DroppedFor(reason) - n1Before.DroppedFor(reason);
            Assert.True(
                counted == expected.GetValueOrDefault(reason),
                $"frames.dropped.{reason} on n1 increased by {counted}, expected {expected.GetValueOrDefault(reason)}{Environment.NewLine}{string.Join(Environment.NewLine, report)}");
        }

        Assert.Equal(total, n1After.DroppedTotal - n1Before.DroppedTotal);
        Assert.True(n1After.Accepted > n1Before.Accepted, "n1 kept accepting the real n2's frames");

        // no state changed on either node: every link and path in service since before the flood
        foreach (var node in LabCluster.NodeNames)
        {
            var s = after[node];
            Assert.True(s.AllInService, s.Summary());
            foreach (var link in s.Links)
            {
                var was = before[node].Link(link.Id);
                Assert.True((link.Since - was.Since).Duration() <= SinceTolerance, $"{node}: link {link.Id} changed state: since {was.Since:O} -> {link.Since:O}");
            }

            foreach (var path in s.Paths)
            {
                Assert.True((path.Since - before[node].Path(path.Type).Since).Duration() <= SinceTolerance, $"{node}: {path.Type} path changed state");
            }

            Assert.Equal(before[node].Incarnation, s.Incarnation);
        }

        // n2 itself received nothing forged
        Assert.Equal(before["n2"].DroppedTotal, after["n2"].DroppedTotal);

        await Task.Delay(1200);
        foreach (var node in LabCluster.NodeNames)
        {
            Assert.Empty(_cluster.LogEvents(node, started, 1100, 1101, 1102, 1103, 1104, 1105, 1106, 1107, 1108));
        }
    }

    private async Task<JsonObject> ForgeAsync(string from, IReadOnlyList<string> classes, int count, ulong peerIncarnation, bool sourceIsPeer, int captureReplays = 0)
    {
        var lab = _cluster.Lab;
        var result = await lab.ExecAsync(
            from,
            [
                "/usr/bin/python3", Forger,
                "--key", _cluster.KeyPath,
                "--target", lab.IpOf("n1"),
                "--port", _cluster.Options.UdpPort.ToString(CultureInfo.InvariantCulture),
                "--bind", lab.IpOf(from),
                "--classes", string.Join(',', classes),
                "--count", count.ToString(CultureInfo.InvariantCulture),
                "--cluster", LabClusterOptions.ClusterId.ToString(CultureInfo.InvariantCulture),
                "--local", "1", "--peer", "2",
                "--udp-link", LabClusterOptions.UdpLink.ToString(CultureInfo.InvariantCulture),
                "--icmp-link", LabClusterOptions.IcmpLink.ToString(CultureInfo.InvariantCulture),
                "--peer-incarnation", peerIncarnation.ToString(CultureInfo.InvariantCulture),
                "--source-is-peer", sourceIsPeer ? "1" : "0",
                "--rate", "4000",
                "--capture-replays", captureReplays.ToString(CultureInfo.InvariantCulture),
                "--copies", Copies.ToString(CultureInfo.InvariantCulture),
            ],
            TimeSpan.FromSeconds(120));
        result.EnsureSuccess();
        var json = JsonNode.Parse(result.Stdout) as JsonObject ?? throw new InvalidOperationException(result.Describe());
        var errors = json["send_errors"]!.AsObject().Sum(kv => kv.Value!.GetValue<int>());
        Assert.True(errors == 0, $"the forger could not send {errors} datagrams: {result.Stdout}");
        Assert.Equal(lab.IpOf(from), json["source"]!.GetValue<string>());
        return json;
    }

    private static long Sent(JsonObject forgerResult, string reason) =>
        forgerResult["sent"]![reason]?.GetValue<long>() ?? 0;

    /// <summary>The Udp line of /proc/net/snmp inside <paramref name="node"/>'s namespace (RcvbufErrors: datagrams the kernel dropped).</summary>
    private async Task<Dictionary<string, long>> UdpCountersAsync(string node)
    {
        var result = await _cluster.Lab.ExecAsync(node, ["cat", "/proc/net/snmp"]);
        var lines = result.EnsureSuccess().Stdout.Split('\n').Where(l => l.StartsWith("Udp:", StringComparison.Ordinal)).ToList();
        var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1);
        var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture));
        return names.Zip(values).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
    }
}
