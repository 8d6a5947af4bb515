using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// FAULTS.md F9 at 30 %: random loss of 30 % on the input of n1 and n2 (every udp frame and every relayed icmp frame
/// crosses one lossy input; so do the client's probes to the owner) for 60 s, with interval 0.02 s and maxloss 5. Zero
/// owner changes: the term and holder stay as they were on both nodes, no resource is started or stopped (ownership
/// log), and the client is answered by the same node throughout. Reported: owner changes, link state changes, loss.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class RandomLossOwnershipTests : IClassFixture<OwnershipLabFixture>
{
    private const int LossPercent = 30;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);
    private readonly OwnershipLab _lab;
    private readonly ITestOutputHelper _output;

    public RandomLossOwnershipTests(OwnershipLabFixture fixture, ITestOutputHelper output)
    {
        _lab = fixture.Lab;
        _output = output;
    }

    [Fact]
    public async Task F9_thirty_percent_loss_on_every_nodes_input_for_60_seconds_changes_no_owner()
    {
        var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var term = before[owner].Ownership!.Term;
        var holder = OwnershipLab.IdOf(owner);
        var seen = new List<string>();
        long maxTerm = term;
        long from;
        long to;
        try
        {
            from = UnixNs.Now();
            foreach (var node in OwnershipLab.Nodes)
            {
                await _lab.Lab.LossAsync(node, LossPercent);
            }

            _output.WriteLine($"{LossPercent} % input loss on n1 and n2 for {Duration.TotalSeconds:0} s; owner {owner}, term {term}");
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < Duration)
            {
                await Task.Delay(TimeSpan.FromSeconds(1) < Duration - watch.Elapsed ? TimeSpan.FromSeconds(1) : Duration - watch.Elapsed);
                foreach (var s in (await _lab.StatusAllAsync()).Values)
                {
                    var own = s.Ownership!;
                    maxTerm = Math.Max(maxTerm, own.Term);
                    if (own.Term != term || own.Holder != holder || own.Run != (s.Node == owner) || own.Resources != (s.Node == owner ? "started" : "stopped"))
                    {
                        var note = $"{watch.Elapsed.TotalSeconds:0} s: {s.Node}: {own.Describe()}";
                        seen.Add(note);
                        _output.WriteLine("CHANGE " + note);
                    }
                }
            }

            to = UnixNs.Now();
        }
        finally
        {
            await _lab.Lab.HealAsync();
        }

        await Task.Delay(1000);
        var after = await _lab.StatusAllAsync();
        foreach (var s in after.Values)
        {
            maxTerm = Math.Max(maxTerm, s.Ownership!.Term);
        }

        var log = _lab.OwnershipLog().Between(from);
        var starts = log.Count(e => e.What == "start_invoke");
        var probe = _lab.Probe();
        var answers = probe.Between(from, to);
        var ownerChanges = (int)(maxTerm - term);
        _output.WriteLine($"owner changes: {ownerChanges} (term {term} -> {maxTerm}); resource starts {starts}, ownership log lines {log.Count}; " +
            $"lease/resources differing in status polls: {seen.Count}");
        foreach (var node in OwnershipLab.Nodes)
        {
            var flaps = _lab.LogEvents(node, from, 1100, 1101);
            var b = before[node];
            var a = after[node];
            var lost = string.Join(", ", a.Links.Select(l =>
            {
                var was = b.Link(l.Id);
                var received = l.Received - was.Received;
                var missed = l.Lost - was.Lost;
                return $"link {l.Id} ({l.Type}) lost {missed} of {received + missed} ({(received + missed == 0 ? 0 : 100.0 * missed / (received + missed)):0.0} %)";
            }));
            _output.WriteLine($"{node}: {flaps.Count} link state changes (1100/1101) during the loss; {lost}; now {a.Ownership!.Describe()}");
        }

        _output.WriteLine($"client during the loss: {answers.Count} answers ({100.0 * answers.Count / (UnixNs.ToMs(to - from) / 10):0} % of probes), " +
            $"{probe.Switches(from, to)} switches, longest gap {probe.MaxGapMs(from, to):0} ms");
        foreach (var e in log)
        {
            _output.WriteLine("  " + e);
        }

        Assert.True(ownerChanges == 0, $"{ownerChanges} owner changes during {Duration.TotalSeconds:0} s of {LossPercent} % loss" + Environment.NewLine + _lab.Describe(from));
        Assert.True(seen.Count == 0, "the lease or the resources changed during the loss:" + Environment.NewLine + string.Join(Environment.NewLine, seen));
        Assert.True(log.Count == 0, "resources were started or stopped during the loss:" + Environment.NewLine + string.Join(Environment.NewLine, log));
        Assert.True(answers.Count > 0 && answers.All(a => a.Node == owner), $"the client should be answered by {owner} only: {probe.Runs(from, to)}");
        foreach (var s in after.Values)
        {
            Assert.True(s.Ownership!.Term == term && s.Ownership.Holder == holder, $"{s.Node} after the loss: {s.Ownership.Describe()}");
        }
    }
}
