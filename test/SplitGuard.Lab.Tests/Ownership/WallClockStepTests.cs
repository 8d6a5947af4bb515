using System.Globalization;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>FAULTS.md F13 on the owner: see <see cref="WallClockSteps"/>. Own lab (libfaketime on both daemons).</summary>
[Collection(LabDaemonCollection.Name)]
public sealed class WallClockStepTests : IClassFixture<FakeClockOwnershipLabFixture>
{
    private readonly FakeClockOwnershipLabFixture _fixture;
    private readonly ITestOutputHelper _output;

    public WallClockStepTests(FakeClockOwnershipLabFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public Task F13_wall_clock_steps_on_the_owner_cause_no_failover_and_no_lease_change() =>
        new WallClockSteps(_fixture.Lab, _fixture.Clock, _output).RunAsync(onOwner: true);
}

/// <summary>FAULTS.md F13 on the non-owner: see <see cref="WallClockSteps"/>. A lab of its own, so that what the steps
/// on the owner leave behind cannot affect it.</summary>
[Collection(LabDaemonCollection.Name)]
public sealed class WallClockStepOnNonOwnerTests : IClassFixture<FakeClockOwnershipLabFixture>
{
    private readonly FakeClockOwnershipLabFixture _fixture;
    private readonly ITestOutputHelper _output;

    public WallClockStepOnNonOwnerTests(FakeClockOwnershipLabFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public Task F13_wall_clock_steps_on_the_non_owner_cause_no_failover_and_no_lease_change() =>
        new WallClockSteps(_fixture.Lab, _fixture.Clock, _output).RunAsync(onOwner: false);
}

/// <summary>
/// FAULTS.md F13, wall-clock steps on one node with libfaketime (<see cref="FakeClock"/>, FAULTS.md's recipe): +1 h, back
/// (-1 h), -10 min, back (+10 min), 3 s apart, first on the owner, then on the non-owner. Promise (docs/reliability.md S6:
/// decisions use the monotonic clock only; wall time is only displayed): no failover, no lease change (owner, holder and
/// term as before in every status poll), no resource started or stopped, zero definite overlap, the VIP never on both
/// nodes, the client answered by the owner only, every link in service throughout. So that the test cannot pass
/// vacuously, every step must show in the stepped daemon: `splitguard status --json` reports daemon.started = wall clock
/// minus monotonic uptime, which moves by exactly the step on that node only (within 2 s). After the steps (clocks back
/// to the real time) the client must be answered by the owner again within 2 monitor intervals + 3 s (measured).
/// Reported per step: the guard's messages (it stops the resources when it believes the daemon stalled) and the
/// ownership log lines it caused.
/// </summary>
public sealed class WallClockSteps
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(2);

    /// <summary>The offsets from the real time, in order, and what each step is.</summary>
    private static readonly (long Offset, string Step)[] Steps =
    [
        (3600, "+1 h"),
        (0, "-1 h (back to the real time)"),
        (-600, "-10 min"),
        (0, "+10 min (back to the real time)"),
    ];

    private readonly OwnershipLab _lab;
    private readonly FakeClock _clock;
    private readonly ITestOutputHelper _output;

    public WallClockSteps(OwnershipLab lab, FakeClock clock, ITestOutputHelper output)
    {
        _lab = lab;
        _clock = clock;
        _output = output;
    }

    /// <summary>The lines the guard process of <paramref name="node"/>'s daemon wrote (to the daemon's output).</summary>
    public static IReadOnlyList<string> GuardLines(OwnershipLab lab, string node) =>
        lab.Daemon(node).Process.ReadOutput().Split('\n').Where(l => l.StartsWith("splitguard guard:", StringComparison.Ordinal)).ToList();

    public async Task RunAsync(bool onOwner)
    {
        await _clock.ResetAsync();
        var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var other = OwnershipLab.Other(owner);
        var stepped = onOwner ? owner : other;
        var term = before[owner].Ownership!.Term;
        var baseline = await StartedAsync();
        var logLinesBefore = RawOwnershipLines(_lab).Count;
        _output.WriteLine($"owner {owner}, term {term}; stepping the wall clock of {stepped} ({(onOwner ? "owner" : "non-owner")}) under {_clock.Library}; " +
            $"daemon.started: {string.Join(", ", baseline.Select(kv => $"{kv.Key} {kv.Value:HH:mm:ss.fff}"))}");

        var guardAtStart = GuardLines(_lab, stepped).Count;
        var watch = OwnershipWatch.Begin(owner, term);
        var failures = new List<string>();
        long firstStepNs = 0;
        long endNs;
        try
        {
            foreach (var (offset, step) in Steps)
            {
                var guardBefore = GuardLines(_lab, stepped).Count;
                var linesBefore = RawOwnershipLines(_lab).Count;
                var stepNs = await _clock.SetAsync(stepped, offset);
                firstStepNs = firstStepNs == 0 ? stepNs : firstStepNs;
                await watch.ContinueAsync(_lab, Hold, TimeSpan.FromMilliseconds(100));
                var now = await StartedAsync();
                var shift = (now[stepped] - baseline[stepped]).TotalSeconds;
                var otherShift = (now[OwnershipLab.Other(stepped)] - baseline[OwnershipLab.Other(stepped)]).TotalSeconds;
                var seen = watch.FirstWhen(stepNs, s => s[stepped].Started is { } st && Math.Abs((st - baseline[stepped]).TotalSeconds - offset) < Tolerance.TotalSeconds);
                _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {step} on {stepped} at {UnixNs.Format(stepNs)}: `splitguard status --json` daemon.started moved {shift:+0.000;-0.000} s on {stepped} (expected {offset:+0;-0} s), " +
                    $"{otherShift:+0.000;-0.000} s on {OwnershipLab.Other(stepped)}; first status poll showing it {(seen is { } v ? $"{UnixNs.ToMs(v - stepNs):0} ms" : "never")} after the step"));
                foreach (var line in GuardLines(_lab, stepped).Skip(guardBefore))
                {
                    _output.WriteLine($"  {stepped}'s guard: {line}");
                }

                foreach (var line in RawOwnershipLines(_lab).Skip(linesBefore))
                {
                    _output.WriteLine($"  ownership log (as written; a stepped node stamps its own wall clock): {line}");
                }

                if (Math.Abs(shift - offset) > Tolerance.TotalSeconds)
                {
                    failures.Add(string.Create(CultureInfo.InvariantCulture,
                        $"step {step}: libfaketime did not take effect on {stepped}'s daemon as written: daemon.started moved {shift:+0.000;-0.000} s, expected {offset:+0;-0} s"));
                }

                if (Math.Abs(otherShift) > Tolerance.TotalSeconds)
                {
                    failures.Add(string.Create(CultureInfo.InvariantCulture,
                        $"step {step}: the wall clock of {OwnershipLab.Other(stepped)} (not stepped) moved too: daemon.started {otherShift:+0.000;-0.000} s"));
                }
            }

            await watch.ContinueAsync(_lab, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100));
            endNs = UnixNs.Now();
        }
        finally
        {
            await _clock.ResetAsync();
        }

        // With the clocks back at the real time, the owner must serve again (a resource stopped behind the daemon's back
        // is found by its monitor within a monitor interval, 2 s here).
        var resetNs = UnixNs.Now();
        var restoreLimit = TimeSpan.FromSeconds(2 * 2 + 3);
        long? servedAgain = null;
        try
        {
            await Polling.WaitUntilAsync(() => _lab.Probe().FirstFrom(owner, resetNs + UnixNs.FromMs(100)) is not null, restoreLimit, $"the client gets answers from {owner}");
            servedAgain = _lab.Probe().FirstFrom(owner, resetNs + UnixNs.FromMs(100))!.Value.Ns;
        }
        catch (TimeoutException)
        {
        }

        var lastAnswer = _lab.Probe().LastFrom(owner, UnixNs.Now());
        var statusNow = await _lab.StatusAllAsync();
        _output.WriteLine($"after the steps (clocks reset at {UnixNs.Format(resetNs)}): client answered by {owner} again {(servedAgain is { } sa ? $"{UnixNs.ToMs(sa - resetNs):0} ms after the reset" : $"NOT within {restoreLimit.TotalSeconds:0} s")}; " +
            $"last answer from {owner} at {(lastAnswer is { } la ? UnixNs.Format(la.Ns) : "never")}; status of {owner} now: {statusNow[owner].Ownership!.Describe()}");
        if (servedAgain is null)
        {
            failures.Add($"{owner} did not serve the client within {restoreLimit.TotalSeconds:0} s after the clocks were back at the real time " +
                $"(last answer {(lastAnswer is { } l ? UnixNs.Format(l.Ns) : "never")}) while its status says: {statusNow[owner].Ownership!.Describe()}");
        }

        var check = await _lab.CheckAsync(firstStepNs);
        var newLines = RawOwnershipLines(_lab).Skip(logLinesBefore).ToList();
        var probe = _lab.Probe();
        var answers = probe.Between(firstStepNs, endNs);
        var overlaps = _lab.VipHistory().Overlaps(UnixNs.Now());
        var linksUp = watch.Always(firstStepNs, endNs, s => s.Values.All(x => x.AllInService));
        var after = await _lab.StatusAllAsync();

        _output.WriteLine("during the steps: " + watch.Summary());
        _output.WriteLine($"failovers: {watch.OwnerChanges}; term {term} -> {watch.MaxTerm}; every link and path in service in every poll: {linksUp}; " +
            $"slow ticks now: {string.Join(", ", after.Values.Select(s => $"{s.Node} {s.SlowTicks}"))}; takeover_after_ms now: {string.Join(", ", after.Values.Select(s => $"{s.Node} {s.Ownership!.TakeoverAfterMs:0}"))}");
        _output.WriteLine($"client during the steps: {answers.Count} answers, {probe.Switches(firstStepNs, endNs)} switches, longest gap {probe.MaxGapMs(firstStepNs, endNs):0} ms: {probe.Runs(firstStepNs, endNs)}");
        _output.WriteLine($"ownership log lines written since the first step: {newLines.Count} (a stepped daemon stamps its lines with its own wall clock); VIP overlaps (ip monitor): {overlaps.Count}");
        _output.WriteLine("check.py:" + Environment.NewLine + check.Output);
        if (!linksUp)
        {
            _output.WriteLine("paths, links and isolation as the nodes reported them:" + Environment.NewLine + watch.PathHistory());
        }

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
            failures.Add($"the lease changed after wall-clock steps on {stepped} ({watch.Summary()}): " + string.Join(Environment.NewLine, watch.Deviations.Take(20)));
        }

        var guardActed = GuardLines(_lab, stepped).Skip(guardAtStart).Where(l => l.Contains("stopping its resources", StringComparison.Ordinal)).ToList();
        if (guardActed.Count > 0)
        {
            failures.Add($"{stepped}'s guard process stopped the resources {guardActed.Count} time(s) although the daemon never stalled " +
                "(the guard's `read -t` deadline follows the wall clock: bash's read timer uses gettimeofday, so a forward step ends the wait at once): " + string.Join(" | ", guardActed));
        }

        if (newLines.Count > 0)
        {
            failures.Add("resources were started or stopped after wall-clock steps:" + Environment.NewLine + string.Join(Environment.NewLine, newLines));
        }

        if (!linksUp)
        {
            failures.Add("a link or path went out of service after a wall-clock step (S6: heartbeats use the monotonic clock)");
        }

        if (answers.Count == 0 || answers.Any(a => a.Node != owner))
        {
            failures.Add($"the client should be answered by {owner} only: {probe.Runs(firstStepNs, endNs)}");
        }

        foreach (var s in after.Values)
        {
            if (s.Ownership!.Term != term || s.Ownership.Holder != OwnershipLab.IdOf(owner))
            {
                failures.Add($"{s.Node} after the steps: {s.Ownership.Describe()} (term was {term}, holder {owner})");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures) + Environment.NewLine + _lab.Describe(firstStepNs));
    }

    /// <summary>The ownership log's lines in the order they were written (a daemon under a stepped clock stamps them with it).</summary>
    public static IReadOnlyList<string> RawOwnershipLines(OwnershipLab lab)
    {
        using var stream = new FileStream(lab.OwnershipLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>daemon.started of both nodes from `splitguard status --json` run in their namespaces.</summary>
    private async Task<Dictionary<string, DateTimeOffset>> StartedAsync()
    {
        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var node in OwnershipLab.Nodes)
        {
            var status = await _lab.CliStatusAsync(node);
            result[node] = status.Started ?? throw new InvalidOperationException($"{node}: `splitguard status --json` has no daemon.started{Environment.NewLine}{status.Text}");
        }

        return result;
    }
}
