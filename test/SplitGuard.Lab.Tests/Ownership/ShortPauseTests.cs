using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// FAULTS.md F2, a pause shorter than the dead time: the owner's daemon is stopped with SIGSTOP for half its detection
/// time (interval x maxloss + interval / 2, docs/ownership.md), then SIGCONT, ten times. No failover: both nodes keep
/// the same term and holder, the ownership log gets no new line, and the client keeps getting answers from the same
/// node only.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class ShortPauseTests : IClassFixture<OwnershipLabFixture>
{
    private const int Pauses = 10;
    private readonly OwnershipLab _lab;
    private readonly ITestOutputHelper _output;

    public ShortPauseTests(OwnershipLabFixture fixture, ITestOutputHelper output)
    {
        _lab = fixture.Lab;
        _output = output;
    }

    [Fact]
    public async Task F2_pausing_the_owners_daemon_for_half_its_detection_time_causes_no_failover()
    {
        var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var survivor = OwnershipLab.Other(owner);
        var term = before[owner].Ownership!.Term;
        var pause = _lab.Detection / 2;
        await Task.Delay(300);

        var from = UnixNs.Now();
        var lengths = new List<double>();
        var changes = new List<string>();
        for (var i = 1; i <= Pauses; i++)
        {
            var result = await _lab.PauseDaemonAsync(owner, pause);
            lengths.Add(result.Length.TotalMilliseconds);
            await Task.Delay(300);
            foreach (var s in (await _lab.StatusAllAsync()).Values)
            {
                var own = s.Ownership!;
                if (own.Term != term || own.Holder != OwnershipLab.IdOf(owner) || own.Run != (s.Node == owner))
                {
                    changes.Add($"after pause {i}: {s.Node}: {own.Describe()}");
                }
            }
        }

        await Task.Delay(500);
        var after = await _lab.StatusAllAsync();
        var log = _lab.OwnershipLog().Between(from);
        var probe = _lab.Probe();
        var answers = probe.Between(from);

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Pauses} pauses of {owner}'s daemon (owner, term {term}), each {pause.TotalMilliseconds:0} ms = 0.5 x detection {_lab.Detection.TotalMilliseconds:0} ms; measured {lengths.Min():0.0} .. {lengths.Max():0.0} ms"));
        _output.WriteLine($"after: {string.Join("; ", after.Values.Select(s => $"{s.Node}: {s.Ownership!.Describe()}"))}");
        _output.WriteLine($"client: {answers.Count} answers, {probe.Switches(from)} switches, longest gap {probe.MaxGapMs(from):0} ms: {probe.Runs(from)}");
        _output.WriteLine($"ownership log lines since the first pause: {log.Count}");
        foreach (var e in log)
        {
            _output.WriteLine("  " + e);
        }

        foreach (var change in changes)
        {
            _output.WriteLine("CHANGE " + change);
        }

        Assert.True(lengths.Max() < _lab.Detection.TotalMilliseconds * 0.75,
            $"a pause lasted {lengths.Max():0.0} ms, not the intended {pause.TotalMilliseconds:0} ms (the machine is too loaded for this measurement)");
        Assert.True(changes.Count == 0, "the lease changed: " + string.Join(Environment.NewLine, changes) + Environment.NewLine + _lab.Describe(from));
        foreach (var s in after.Values)
        {
            Assert.True(s.Ownership!.Term == term && s.Ownership.Holder == OwnershipLab.IdOf(owner), $"{s.Node}: {s.Ownership.Describe()} (term was {term}, holder {owner})");
        }

        Assert.True(after[owner].Ownership!.Run && after[owner].Ownership!.Resources == "started", $"{owner}: {after[owner].Ownership!.Describe()}");
        Assert.True(!after[survivor].Ownership!.Run && after[survivor].Ownership!.Resources == "stopped", $"{survivor}: {after[survivor].Ownership!.Describe()}");
        Assert.True(log.Count == 0, "resources were started or stopped during the pauses:" + Environment.NewLine + string.Join(Environment.NewLine, log));
        Assert.True(answers.Count > 0 && answers.All(a => a.Node == owner), $"the client should get answers from {owner} only: {probe.Runs(from)}");
    }
}
