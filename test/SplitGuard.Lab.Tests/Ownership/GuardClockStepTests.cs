using System.Globalization;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// FAULTS.md F3 during F13: the owner's daemon stalls (SIGSTOP for twice its takeover_after_ms) and, 30 ms into the
/// stall, the owner's wall clock steps back 10 min (libfaketime, <see cref="FakeClock"/>; the guard process is the
/// daemon's child and shares its clock); just before SIGCONT the clock returns to the real time, so every line of the
/// ownership log written after the stall is stamped with the real time. docs/ownership.md, the guard process: "If no line comes within R (the
/// daemon stalled: SIGSTOP, a freeze) ... the guard runs every resource's stop itself ... before the daemon's lease
/// ends". S6 (docs/reliability.md): decisions use the monotonic clock only. So the stalled owner's resources must be
/// down before the peer, which takes over during the stall, starts them: the VIP never on both nodes and removed from the
/// stalled owner before the peer adds it (ip monitor, real clock), and for the control also zero definite overlap and a
/// positive S3 margin in the ownership log. (The guard's lines written during the step are stamped with its stepped
/// clock, so check.py cannot judge that phase; the real-clock address history does.) First the same stall without a
/// clock step, as a control (F3 as LongPauseTests). Reported for both: when the guard stopped the resources, when the
/// peer started, the margins, the overlaps.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class GuardClockStepTests : IClassFixture<FakeClockOwnershipLabFixture>
{
    private const long StepSeconds = -600;
    private readonly OwnershipLab _lab;
    private readonly FakeClock _clock;
    private readonly ITestOutputHelper _output;

    public GuardClockStepTests(FakeClockOwnershipLabFixture fixture, ITestOutputHelper output)
    {
        _lab = fixture.Lab;
        _clock = fixture.Clock;
        _output = output;
    }

    [Fact]
    public async Task F13_during_F3_a_backward_wall_clock_step_while_the_owner_stalls_does_not_delay_its_guard()
    {
        await _clock.ResetAsync();
        var failures = new List<string>();
        var control = await StallAsync(stepClock: false);
        failures.AddRange(control.Select(f => "control (no clock step): " + f));
        var stepped = await StallAsync(stepClock: true);
        failures.AddRange(stepped.Select(f => $"with the wall clock stepped {StepSeconds / 60} min during the stall: " + f));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private async Task<List<string>> StallAsync(bool stepClock)
    {
        var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(30));
        var survivor = OwnershipLab.Other(owner);
        var pause = TimeSpan.FromMilliseconds(2 * before[owner].Ownership!.TakeoverAfterMs);
        var guardBefore = WallClockSteps.GuardLines(_lab, owner).Count;
        await Task.Delay(300);

        var pausing = _lab.PauseDaemonAsync(owner, pause);
        long? stepNs = null;
        long? resetNs = null;
        try
        {
            if (stepClock)
            {
                await Task.Delay(30);
                stepNs = await _clock.SetAsync(owner, StepSeconds);
                await Task.Delay(pause - TimeSpan.FromMilliseconds(90));
            }
        }
        finally
        {
            if (stepClock)
            {
                resetNs = await _clock.SetAsync(owner, 0);
            }
        }

        var result = await pausing;
        var fault = result.StoppedNs;
        try
        {
            await Polling.WaitUntilAsync(() => _lab.Probe().FirstFrom(survivor, fault) is not null, TimeSpan.FromSeconds(5), $"the client gets answers from {survivor}");
        }
        catch (TimeoutException e)
        {
            _output.WriteLine(e.Message);
        }

        await Task.Delay(1000);
        var check = await _lab.CheckAsync(fault);
        var log = _lab.OwnershipLog();
        var ownerStopInvoke = log.First(owner, "stop_invoke", fault);
        var ownerStopped = log.AllStopped(owner, OwnershipLab.ResourceNames, fault);
        var survivorStart = log.First(survivor, "start_invoke", fault);
        var overlaps = _lab.VipHistory().Overlaps(UnixNs.Now()).Where(o => (o.A.To ?? long.MaxValue) >= fault && (o.B.To ?? long.MaxValue) >= fault).ToList();
        var guard = WallClockSteps.GuardLines(_lab, owner).Skip(guardBefore).ToList();
        var definite = check.Output.Split('\n').Where(l => l.StartsWith("DEFINITE OVERLAP", StringComparison.Ordinal)).ToList();

        _output.WriteLine($"{(stepClock ? "WITH" : "WITHOUT")} a wall-clock step: SIGSTOP of {owner}'s daemon (owner) at {UnixNs.Format(fault)} for {result.Length.TotalMilliseconds:0} ms" +
            (stepClock ? $"; its clock {StepSeconds:+0;-0} s at {Rel(stepNs, fault)}, back to the real time at {Rel(resetNs, fault)}" : string.Empty));
        _output.WriteLine($"  {owner}'s guard: {(guard.Count == 0 ? "(nothing)" : string.Join(" | ", guard))}");
        _output.WriteLine($"  {owner}: first stop_invoke {Rel(ownerStopInvoke?.Ns, fault)}, all stopped {Rel(ownerStopped, fault)}; {survivor}: first start_invoke {Rel(survivorStart?.Ns, fault)}" +
            (survivorStart is not null && ownerStopped is not null
                ? string.Create(CultureInfo.InvariantCulture, $"; S3 margin ({survivor} start_invoke - {owner} stop_ok) {UnixNs.ToMs(survivorStart.Ns - ownerStopped.Value):+0.0;-0.0} ms")
                : string.Empty));
        _output.WriteLine($"  VIP on both nodes (ip monitor): {overlaps.Count}{(overlaps.Count > 0 ? ": " + string.Join("; ", overlaps.Select(o => $"{o.A} / {o.B} ({o.Ms:0.0} ms)")) : string.Empty)}");
        _output.WriteLine($"  client: {_lab.Probe().Runs(fault - UnixNs.FromMs(200))}");
        _output.WriteLine("  check.py: " + check.Output.Replace("\n", Environment.NewLine + "    ", StringComparison.Ordinal));
        _output.WriteLine("  ownership log:" + Environment.NewLine + log.Describe(fault - UnixNs.FromMs(100)));

        // The real-time evidence: ip monitor in each node namespace (not under libfaketime). The ownership log is not: the
        // stepped daemon and its guard stamp their lines with their own wall clock (`date +%s%N`, DateTime.UtcNow), so
        // lines written during the step are 10 min early and check.py cannot order them.
        var vip = _lab.VipHistory();
        var vipRemoved = vip.Removed(owner, fault);
        var vipAdded = vip.Added(survivor, fault);
        _output.WriteLine($"  VIP (ip monitor, real clock): removed from {owner} {Rel(vipRemoved, fault)}, added on {survivor} {Rel(vipAdded, fault)}" +
            (vipRemoved is { } rm && vipAdded is { } ad ? string.Create(CultureInfo.InvariantCulture, $"; margin {UnixNs.ToMs(ad - rm):+0.0;-0.0} ms") : string.Empty));
        if (stepClock)
        {
            _output.WriteLine("  (ownership log lines the stepped node wrote during the step are stamped with its stepped clock: " +
                string.Join(", ", WallClockSteps.RawOwnershipLines(_lab).Where(l => long.TryParse(l.Split(' ')[0], CultureInfo.InvariantCulture, out var ns) && ns < fault - UnixNs.FromMs(60_000)).TakeLast(4)) + ")");
        }

        var failures = new List<string>();
        if (!stepClock && check.ExitCode != 0)
        {
            failures.Add("check.py: " + string.Join("; ", definite));
        }

        if (overlaps.Count > 0)
        {
            failures.Add("the VIP was configured on both nodes at once: " + string.Join("; ", overlaps.Select(o => $"{o.A} / {o.B} ({o.Ms:0.0} ms)")));
        }

        if (vipRemoved is null || vipAdded is null)
        {
            failures.Add($"expected the VIP removed from the stalled {owner} and added on {survivor} after the stall (ip monitor)");
        }
        else if (vipAdded.Value <= vipRemoved.Value)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"S3 violated: the VIP was added on {survivor} {UnixNs.ToMs(vipRemoved.Value - vipAdded.Value):0.0} ms before the stalled {owner} removed it " +
                $"({owner}'s guard: {(guard.Count == 0 ? "nothing" : string.Join(" | ", guard))})"));
        }
        else if (!stepClock && survivorStart is not null && ownerStopped is not null && survivorStart.Ns <= ownerStopped.Value)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"S3 violated: {survivor} invoked start {UnixNs.ToMs(ownerStopped.Value - survivorStart.Ns):0.0} ms before the stalled {owner}'s resources were stopped"));
        }

        return failures;
    }

    private static string Rel(long? ns, long from) =>
        ns is { } n ? string.Create(CultureInfo.InvariantCulture, $"{UnixNs.ToMs(n - from):+0;-0} ms after SIGSTOP") : "never";
}
