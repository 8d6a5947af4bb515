using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// FAULTS.md F4, a symmetric partition n1 &lt;-&gt; n2 while both see the witness: in the owner's namespace everything from
/// and to the peer's address is dropped (lab/net.sh `partition`, FAULTS.md's recipe), for 10 s. The direct udp link goes
/// down both ways; the icmp link is relayed by the witness (its packets never go node to node), so the nodes still hear
/// each other through it. What SplitGuard promises here (docs/ownership.md, docs/reliability.md S1): the owner keeps the
/// lease renewed by the peer's acknowledgements over the relay, the other node hears the holder and waits, so exactly one
/// owner throughout, no owner change, the term unchanged, no resource started or stopped, zero definite overlap, the VIP
/// never on both nodes, the client answered by the owner only. Reported: which paths went down and when (the time to
/// decision: the udp path reported out of service), the isolation verdicts, the owner after healing.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class SymmetricPartitionTests : IClassFixture<OwnershipLabFixture>
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(10);
    private readonly OwnershipLab _lab;
    private readonly ITestOutputHelper _output;

    public SymmetricPartitionTests(OwnershipLabFixture fixture, ITestOutputHelper output)
    {
        _lab = fixture.Lab;
        _output = output;
    }

    [Fact]
    public async Task F4_a_partition_between_the_nodes_that_both_see_the_witness_keeps_exactly_one_owner()
    {
        var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var other = OwnershipLab.Other(owner);
        var term = before[owner].Ownership!.Term;
        var fault = await _lab.Lab.PrepareFaultAsync("partition", owner, other);
        await Task.Delay(300);

        long faultNs;
        long healedNs;
        OwnershipWatch watch;
        CheckResult check;
        try
        {
            var (started, took) = await _lab.Lab.ApplyAsync(fault);
            faultNs = UnixNs.From(started + took);
            _output.WriteLine($"partition {owner} <-> {other} (nft in {owner}: drop from/to {_lab.Lab.IpOf(other)}) at {UnixNs.Format(faultNs)} " +
                $"(nft took {took.TotalMilliseconds:0} ms); owner {owner}, term {term}; for {Duration.TotalSeconds:0} s");
            watch = await OwnershipWatch.RunAsync(_lab, owner, term, Duration, TimeSpan.FromMilliseconds(50));
            check = await _lab.CheckAsync(faultNs);
        }
        finally
        {
            healedNs = UnixNs.Now();
            await _lab.Lab.HealAsync();
        }

        var endNs = healedNs;
        var udpDownBoth = watch.FirstWhen(faultNs, s => s.Values.All(x => x.Path("udp").State == "out_of_service"));
        var udpDown = OwnershipLab.Nodes.ToDictionary(n => n, n => watch.FirstWhen(faultNs, s => s[n].Path("udp").State == "out_of_service"));
        var icmpAlwaysUp = watch.Always(faultNs, endNs, s => s.Values.All(x => x.Path("icmp").State == "in_service"));
        var udpStayedDown = udpDownBoth is { } d && watch.Always(d, endNs, s => s.Values.All(x => x.Path("udp").State == "out_of_service"));
        var oneRunner = watch.Always(faultNs, endNs, s => s.Values.Count(x => x.Ownership!.Run) == 1 && s[owner].Ownership!.Run);
        var log = _lab.OwnershipLog().Between(faultNs);
        var probe = _lab.Probe();
        var answers = probe.Between(faultNs, endNs);
        var overlaps = _lab.VipHistory().Overlaps(UnixNs.Now());

        _output.WriteLine("during the partition: " + watch.Summary());
        foreach (var node in OwnershipLab.Nodes)
        {
            _output.WriteLine($"{node}: udp path out of service {Rel(udpDown[node], faultNs)}");
        }

        _output.WriteLine($"time to decision (udp path out of service on both, the owner kept): {Rel(udpDownBoth, faultNs)}; " +
            $"docs bound interval x (maxloss+1) = {_lab.Options.Interval * (_lab.Options.MaxLoss + 1) * 1000:0} ms; icmp path (relay via the witness) in service throughout: {icmpAlwaysUp}");
        _output.WriteLine("paths, links and isolation as the nodes reported them:" + Environment.NewLine + watch.PathHistory());
        _output.WriteLine($"which side won: {owner} (the owner before the fault) stayed owner in every poll: {oneRunner}");
        _output.WriteLine($"client during the partition: {answers.Count} answers, {probe.Switches(faultNs, endNs)} switches, longest gap {probe.MaxGapMs(faultNs, endNs):0} ms: {probe.Runs(faultNs, endNs)}");
        _output.WriteLine($"ownership log lines since the fault: {log.Count}; VIP overlaps (ip monitor): {overlaps.Count}; fencing actions: 0 (none exist)");
        _output.WriteLine("check.py:" + Environment.NewLine + check.Output);
        foreach (var deviation in watch.Deviations.Take(20))
        {
            _output.WriteLine("DEVIATION " + deviation);
        }

        var failures = new List<string>();
        if (udpDownBoth is null)
        {
            failures.Add("the fault did not take effect: the udp path was never reported out of service on both nodes");
        }
        else if (!udpStayedDown)
        {
            failures.Add("the udp path came back during the partition (the fault did not hold)");
        }

        if (check.ExitCode != 0)
        {
            failures.Add("check.py found a definite overlap in the ownership log");
        }

        if (overlaps.Count > 0)
        {
            failures.Add("the VIP was configured on both nodes at once: " + string.Join("; ", overlaps.Select(o => $"{o.A} / {o.B} ({o.Ms:0.0} ms)")));
        }

        if (!oneRunner || watch.OwnerChanges != 0 || watch.TermChanges != 0 || watch.Deviations.Count > 0)
        {
            failures.Add($"the lease changed during the partition ({watch.Summary()}): " + string.Join(Environment.NewLine, watch.Deviations.Take(20)));
        }

        if (log.Count > 0)
        {
            failures.Add("resources were started or stopped during the partition:" + Environment.NewLine + string.Join(Environment.NewLine, log));
        }

        if (answers.Count == 0 || answers.Any(a => a.Node != owner))
        {
            failures.Add($"the client should be answered by {owner} only: {probe.Runs(faultNs, endNs)}");
        }

        // After healing: the same owner, the same term, every link back.
        var (again, after) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        _output.WriteLine($"after healing: owner {again}, {after[again].Ownership!.Describe()}");
        if (again != owner || after[again].Ownership!.Term != term)
        {
            failures.Add($"after healing the owner is {again} ({after[again].Ownership!.Describe()}); expected {owner} keeping term {term}");
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures) + Environment.NewLine + _lab.Describe(faultNs));
    }

    private static string Rel(long? ns, long from) =>
        ns is { } n ? string.Create(CultureInfo.InvariantCulture, $"{UnixNs.ToMs(n - from):+0;-0} ms after the fault") : "never";
}
