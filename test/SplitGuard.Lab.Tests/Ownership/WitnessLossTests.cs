using System.Globalization;
using SplitGuard.Lab.Tests.Api;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// FAULTS.md F7, the witness is lost while the peers are healthy (booth's grant_noarb): for 8 s, either the witness
/// drops every ICMP packet (lab/net.sh `icmp-drop-at-witness`: the icmp relay and the nodes' own probes both die) or
/// both nodes drop everything from and to the witness's address (`isolate-from-witness` on n1 and n2). The udp link
/// between the nodes stays up. Promise (docs/ownership.md: the holder renews on the peer's acknowledgement; a node that
/// hears the holder never claims): no failover, the owner and the term unchanged, no resource started or stopped, zero
/// definite overlap, the client answered by the owner only. And the loss is reported, measured from the fault: each node's
/// status says the witness is lost (icmp link out of service, its hop check out of service, witness_reachable false,
/// isolation "self"), the sbp API sends the icmp_hop alarm (303, state 0) and the log has event 1106. Bound from the docs:
/// the icmp link goes out within interval x (maxloss+1), then the hop check within its detection time (interval x maxloss
/// + interval/2), so about 2 x interval x (maxloss+1); allowed with 500 ms slack for a loaded machine.
/// After healing, the witness is reported reachable again (measured), with the same owner and term.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class WitnessLossTests : IClassFixture<OwnershipLabFixture>
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(500);
    private readonly OwnershipLab _lab;
    private readonly ITestOutputHelper _output;

    public WitnessLossTests(OwnershipLabFixture fixture, ITestOutputHelper output)
    {
        _lab = fixture.Lab;
        _output = output;
    }

    [Fact]
    public Task F7_the_witness_dropping_icmp_causes_no_failover_and_is_reported_as_witness_lost() => RunAsync(dropAtWitness: true);

    [Fact]
    public Task F7_both_nodes_cut_from_the_witness_cause_no_failover_and_report_the_witness_lost() => RunAsync(dropAtWitness: false);

    private async Task RunAsync(bool dropAtWitness)
    {
        var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var term = before[owner].Ownership!.Term;
        var bound = TimeSpan.FromSeconds(2 * _lab.Options.Interval * (_lab.Options.MaxLoss + 1)) + Slack;
        List<PreparedFault> faults = dropAtWitness
            ? [await _lab.Lab.PrepareFaultAsync("icmp-drop-at-witness")]
            : [await _lab.Lab.PrepareFaultAsync("isolate-from-witness", "n1"), await _lab.Lab.PrepareFaultAsync("isolate-from-witness", "n2")];
        var what = dropAtWitness ? "the witness drops every ICMP packet" : "n1 and n2 drop everything from and to the witness";

        var subscribers = OwnershipLab.Nodes.ToDictionary(
            n => n, n => DotnetSubscriber.Start($"dotnet@{n}", Path.Combine(_lab.Lab.WorkDir, $"{n}-api.sock")), StringComparer.Ordinal);
        try
        {
            foreach (var s in subscribers.Values)
            {
                await s.WaitConnectedAsync(TimeSpan.FromSeconds(10));
            }

            await Task.Delay(500);
            long faultNs;
            long healedNs;
            OwnershipWatch watch;
            CheckResult check;
            var tookMs = new List<double>();
            try
            {
                var applied = await Task.WhenAll(faults.Select(f => _lab.Lab.ApplyAsync(f)));
                faultNs = applied.Max(a => UnixNs.From(a.Started + a.Took));
                tookMs.AddRange(applied.Select(a => a.Took.TotalMilliseconds));
                _output.WriteLine($"F7: {what} at {UnixNs.Format(faultNs)} (nft took {string.Join(", ", tookMs.Select(t => $"{t:0} ms"))}); owner {owner}, term {term}; " +
                    $"for {Duration.TotalSeconds:0} s; report bound {bound.TotalMilliseconds:0} ms");
                watch = await OwnershipWatch.RunAsync(_lab, owner, term, Duration, TimeSpan.FromMilliseconds(50));
                check = await _lab.CheckAsync(faultNs);
            }
            finally
            {
                healedNs = UnixNs.Now();
                await _lab.Lab.HealAsync();
            }

            // After healing: the witness answers again, same owner and term.
            var (again, after) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
            var back = UnixNs.From(after.Values.Max(s => s.TakenAt));
            await Task.Delay(300);

            static bool WitnessLost(StatusSnapshot s) =>
                s.Links.Any(l => l.Type == "icmp" && l.State == "out_of_service" && l.Hop?.State == "out_of_service" && l.WitnessReachable == false)
                && s.Isolation == "self";

            var failures = new List<string>();
            var endNs = healedNs;
            _output.WriteLine("during the witness loss: " + watch.Summary());
            foreach (var node in OwnershipLab.Nodes)
            {
                var icmpDown = watch.FirstWhen(faultNs, s => s[node].Path("icmp").State == "out_of_service");
                var reported = watch.FirstWhen(faultNs, s => WitnessLost(s[node]));
                var kept = reported is { } r && watch.Always(r, endNs, s => WitnessLost(s[node]));
                var udpUp = watch.Always(faultNs, endNs, s => s[node].Path("udp").State == "in_service");
                var alarm = subscribers[node].Messages.FirstOrDefault(m => m.Type == 303 && m.State == 0 && UnixNs.From(m.At) >= faultNs);
                var cleared = subscribers[node].Messages.FirstOrDefault(m => m.Type == 303 && m.State == 1 && UnixNs.From(m.At) >= healedNs);
                var logged = _lab.LogEvents(node, faultNs, 1106);
                var alarmNs = alarm is null ? (long?)null : UnixNs.From(alarm.At);
                _output.WriteLine($"{node}: icmp path out of service {Rel(icmpDown, faultNs)}; status reports the witness lost (hop out_of_service, witness_reachable false, isolation self) {Rel(reported, faultNs)}, " +
                    $"kept until healed: {kept}; sbp alarm 303/0 {Rel(alarmNs, faultNs)}; log 1106 lines: {logged.Count}; udp path in service throughout: {udpUp}; " +
                    $"after healing sbp 303/1 {Rel(cleared is null ? null : UnixNs.From(cleared.At), healedNs, "healing")}");
                if (reported is null || UnixNs.ToMs(reported.Value - faultNs) > bound.TotalMilliseconds)
                {
                    failures.Add($"{node}: the status did not report the witness lost within {bound.TotalMilliseconds:0} ms ({Rel(reported, faultNs)})");
                }
                else if (!kept)
                {
                    failures.Add($"{node}: the status stopped reporting the witness lost while it was still cut off");
                }

                if (alarmNs is null || UnixNs.ToMs(alarmNs.Value - faultNs) > bound.TotalMilliseconds)
                {
                    failures.Add($"{node}: no sbp icmp_hop alarm (303, state 0) within {bound.TotalMilliseconds:0} ms ({Rel(alarmNs, faultNs)}){Environment.NewLine}{subscribers[node].Describe()}");
                }

                if (logged.Count == 0)
                {
                    failures.Add($"{node}: no log event 1106 (icmp_hop: witness lost) after the fault");
                }

                if (!udpUp)
                {
                    failures.Add($"{node}: the udp path went out of service although only the witness was cut (the lab fault is wrong)");
                }
            }

            var log = _lab.OwnershipLog().Between(faultNs);
            var probe = _lab.Probe();
            var answers = probe.Between(faultNs, endNs);
            var overlaps = _lab.VipHistory().Overlaps(UnixNs.Now());
            _output.WriteLine("paths, links and isolation as the nodes reported them:" + Environment.NewLine + watch.PathHistory());
            _output.WriteLine($"client during the fault: {answers.Count} answers, {probe.Switches(faultNs, endNs)} switches, longest gap {probe.MaxGapMs(faultNs, endNs):0} ms: {probe.Runs(faultNs, endNs)}");
            _output.WriteLine($"false failovers: {watch.OwnerChanges}; ownership log lines since the fault: {log.Count}; VIP overlaps (ip monitor): {overlaps.Count}");
            _output.WriteLine($"after healing: owner {again}, {after[again].Ownership!.Describe()}; every link in service again {Rel(back, healedNs, "healing")}");
            _output.WriteLine("check.py:" + Environment.NewLine + check.Output);
            foreach (var deviation in watch.Deviations.Take(20))
            {
                _output.WriteLine("DEVIATION " + deviation);
            }

            if (check.ExitCode != 0)
            {
                failures.Add("check.py found a definite overlap in the ownership log");
            }

            if (overlaps.Count > 0)
            {
                failures.Add("the VIP was configured on both nodes at once: " + string.Join("; ", overlaps.Select(o => $"{o.A} / {o.B} ({o.Ms:0.0} ms)")));
            }

            if (watch.OwnerChanges != 0 || watch.TermChanges != 0 || watch.Deviations.Count > 0)
            {
                failures.Add($"failover or lease change while only the witness was lost ({watch.Summary()}): " + string.Join(Environment.NewLine, watch.Deviations.Take(20)));
            }

            if (log.Count > 0)
            {
                failures.Add("resources were started or stopped while only the witness was lost:" + Environment.NewLine + string.Join(Environment.NewLine, log));
            }

            if (answers.Count == 0 || answers.Any(a => a.Node != owner))
            {
                failures.Add($"the client should be answered by {owner} only: {probe.Runs(faultNs, endNs)}");
            }

            if (again != owner || after[again].Ownership!.Term != term)
            {
                failures.Add($"after healing the owner is {again} ({after[again].Ownership!.Describe()}); expected {owner} keeping term {term}");
            }

            Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures) + Environment.NewLine + _lab.Describe(faultNs));
        }
        finally
        {
            foreach (var s in subscribers.Values)
            {
                await s.DisposeAsync();
            }
        }
    }

    private static string Rel(long? ns, long from, string after = "the fault") =>
        ns is { } n ? string.Create(CultureInfo.InvariantCulture, $"{UnixNs.ToMs(n - from):+0;-0} ms after {after}") : "never";
}
