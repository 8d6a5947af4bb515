using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// FAULTS.md F6, a one-way partition for 25 s: one node's input drops everything from the other's address (lab/net.sh
/// `oneway`, FAULTS.md's recipe: "nft input-only drop on one side"), so the other hears it but it does not hear the other
/// directly. Both directions relative to the owner: the non-owner deaf to the owner (the dangerous one: a node that stops
/// hearing the holder might take over), and the owner deaf to the non-owner.
///
/// The promise, from docs/ownership.md: the icmp link is relayed by the witness, and the relayed packets come from the
/// witness's address, so the direction cut on the udp link still arrives over the relay. The holder keeps getting
/// "a frame from the peer that hears it and acknowledges (term, holder)" (the peer's icmp frames say it hears us), and the
/// non-holder hears the holder, so nobody claims: zero owner changes (no flapping: a flap rate of 0 per minute), the term
/// unchanged, no resource started or stopped, zero definite overlap, the VIP never on both nodes, the client answered by
/// the owner only. The fault must show (so the test cannot pass vacuously): the deaf node reports its udp path out of
/// service and the heard node reports its udp link one-way.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class OneWayPartitionTests : IClassFixture<OwnershipLabFixture>
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(25);
    private readonly OwnershipLab _lab;
    private readonly ITestOutputHelper _output;

    public OneWayPartitionTests(OwnershipLabFixture fixture, ITestOutputHelper output)
    {
        _lab = fixture.Lab;
        _output = output;
    }

    [Fact]
    public Task F6_the_non_owner_not_hearing_the_owner_for_25_seconds_changes_no_owner() => RunAsync(deafIsOwner: false);

    [Fact]
    public Task F6_the_owner_not_hearing_the_non_owner_for_25_seconds_changes_no_owner() => RunAsync(deafIsOwner: true);

    private async Task RunAsync(bool deafIsOwner)
    {
        var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var other = OwnershipLab.Other(owner);
        var term = before[owner].Ownership!.Term;
        var deaf = deafIsOwner ? owner : other;
        var heard = OwnershipLab.Other(deaf);
        var fault = await _lab.Lab.PrepareFaultAsync("oneway", deaf, heard);
        await Task.Delay(300);

        long faultNs;
        long healedNs;
        OwnershipWatch watch;
        CheckResult check;
        try
        {
            var (started, took) = await _lab.Lab.ApplyAsync(fault);
            faultNs = UnixNs.From(started + took);
            _output.WriteLine($"one-way: {deaf} ({(deafIsOwner ? "owner" : "non-owner")}) drops everything from {heard} ({_lab.Lab.IpOf(heard)}); {heard} still hears {deaf}; " +
                $"at {UnixNs.Format(faultNs)} (nft took {took.TotalMilliseconds:0} ms); owner {owner}, term {term}; for {Duration.TotalSeconds:0} s");
            watch = await OwnershipWatch.RunAsync(_lab, owner, term, Duration, TimeSpan.FromMilliseconds(100));
            check = await _lab.CheckAsync(faultNs);
        }
        finally
        {
            healedNs = UnixNs.Now();
            await _lab.Lab.HealAsync();
        }

        var endNs = healedNs;
        var deafUdpDown = watch.FirstWhen(faultNs, s => s[deaf].Path("udp").State == "out_of_service");
        var heardOneWay = watch.FirstWhen(faultNs, s => s[heard].Links.Any(l => l.Type == "udp" && l.OneWay));
        var icmpAlwaysUp = watch.Always(faultNs, endNs, s => s.Values.All(x => x.Path("icmp").State == "in_service"));
        var oneRunner = watch.Always(faultNs, endNs, s => s.Values.Count(x => x.Ownership!.Run) == 1 && s[owner].Ownership!.Run);
        var log = _lab.OwnershipLog().Between(faultNs);
        var probe = _lab.Probe();
        var answers = probe.Between(faultNs, endNs);
        var overlaps = _lab.VipHistory().Overlaps(UnixNs.Now());
        var minutes = UnixNs.ToMs(endNs - faultNs) / 60_000;

        _output.WriteLine("during the one-way partition: " + watch.Summary());
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"flap rate: {watch.OwnerChanges / minutes:0.00} owner changes per minute; {deaf}'s udp path out of service {Rel(deafUdpDown, faultNs)}; {heard}'s udp link one-way {Rel(heardOneWay, faultNs)}; " +
            $"icmp path (relay via the witness) in service on both throughout: {icmpAlwaysUp}"));
        _output.WriteLine("paths, links and isolation as the nodes reported them:" + Environment.NewLine + watch.PathHistory());
        _output.WriteLine($"{owner} (owner before the fault) the only node saying run in every poll: {oneRunner}");
        _output.WriteLine($"client during the fault: {answers.Count} answers, {probe.Switches(faultNs, endNs)} switches, longest gap {probe.MaxGapMs(faultNs, endNs):0} ms: {probe.Runs(faultNs, endNs)}");
        _output.WriteLine($"ownership log lines since the fault: {log.Count}; VIP overlaps (ip monitor): {overlaps.Count}");
        _output.WriteLine("check.py:" + Environment.NewLine + check.Output);
        foreach (var deviation in watch.Deviations.Take(20))
        {
            _output.WriteLine("DEVIATION " + deviation);
        }

        var failures = new List<string>();
        if (deafUdpDown is null || heardOneWay is null)
        {
            failures.Add($"the fault did not show: {deaf}'s udp path out of service {Rel(deafUdpDown, faultNs)}, {heard}'s udp link one-way {Rel(heardOneWay, faultNs)}");
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
            failures.Add($"the lease changed during the one-way partition ({watch.Summary()}): " + string.Join(Environment.NewLine, watch.Deviations.Take(20)));
        }

        if (log.Count > 0)
        {
            failures.Add("resources were started or stopped during the one-way partition:" + Environment.NewLine + string.Join(Environment.NewLine, log));
        }

        if (answers.Count == 0 || answers.Any(a => a.Node != owner))
        {
            failures.Add($"the client should be answered by {owner} only: {probe.Runs(faultNs, endNs)}");
        }

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
