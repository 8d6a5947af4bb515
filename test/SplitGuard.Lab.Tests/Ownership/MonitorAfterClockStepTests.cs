using System.Globalization;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// FAULTS.md F13 and resource monitoring (issue 4, Build 1: "Monitor at an interval; a failed monitor restarts in
/// place"): the owner's resources are monitored every monitor_interval (2 s) also after its wall clock stepped back.
/// First, as a control with the real clock, the owner's echo service is killed (SIGKILL) and must be restarted in place
/// by the monitor within 2 monitor intervals + 3 s. Then the owner's wall clock steps back 10 min (libfaketime,
/// <see cref="FakeClock"/>; checked to take effect in daemon.started), and after 3 s the echo service is killed again:
/// it must be restarted within the same bound. S6 (docs/reliability.md): decisions use the monotonic clock only. Reported:
/// both restart times, and how long after the clock came back the service was restored.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class MonitorAfterClockStepTests : IClassFixture<FakeClockOwnershipLabFixture>
{
    private const long StepSeconds = -600;
    private static readonly TimeSpan MonitorInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Limit = (2 * MonitorInterval) + TimeSpan.FromSeconds(3);
    private readonly OwnershipLab _lab;
    private readonly FakeClock _clock;
    private readonly ITestOutputHelper _output;

    public MonitorAfterClockStepTests(FakeClockOwnershipLabFixture fixture, ITestOutputHelper output)
    {
        _lab = fixture.Lab;
        _clock = fixture.Clock;
        _output = output;
    }

    [Fact]
    public async Task F13_the_owner_keeps_monitoring_its_resources_after_its_wall_clock_steps_back_10_minutes()
    {
        await _clock.ResetAsync();
        var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var term = before[owner].Ownership!.Term;
        var started0 = before[owner].Started ?? throw new InvalidOperationException($"{owner}: no daemon.started in status");
        await Task.Delay(500);
        var failures = new List<string>();

        // Control: the real clock.
        var (controlKill, controlRestart) = await KillEchoAndWaitAsync(owner);
        _output.WriteLine($"control (real clock): echo service of {owner} killed at {UnixNs.Format(controlKill)}, restarted by the monitor " +
            (controlRestart is { } cr ? $"{UnixNs.ToMs(cr - controlKill):0} ms later" : $"NOT within {Limit.TotalSeconds:0} s"));
        if (controlRestart is null)
        {
            failures.Add($"control: with the real clock the monitor did not restart the killed echo service within {Limit.TotalSeconds:0} s");
        }

        await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        long? stepKill = null;
        long? stepRestart = null;
        long resetNs;
        try
        {
            var stepNs = await _clock.SetAsync(owner, StepSeconds);
            await Task.Delay(TimeSpan.FromSeconds(3));
            var status = await _lab.StatusAsync(owner);
            var shift = ((status.Started ?? started0) - started0).TotalSeconds;
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"stepped {owner}'s wall clock {StepSeconds:+0;-0} s at {UnixNs.Format(stepNs)}: daemon.started moved {shift:+0.000;-0.000} s; {owner}: {status.Ownership!.Describe()}"));
            if (Math.Abs(shift - StepSeconds) > 2)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"libfaketime did not take effect on {owner}'s daemon: daemon.started moved {shift:+0.000} s, expected {StepSeconds} s"));
            }

            (stepKill, stepRestart) = await KillEchoAndWaitAsync(owner);
            var after = await _lab.StatusAsync(owner);
            _output.WriteLine($"after the step: echo service of {owner} killed at {UnixNs.Format(stepKill.Value)}, restarted by the monitor " +
                (stepRestart is { } sr ? $"{UnixNs.ToMs(sr - stepKill.Value):0} ms later" : $"NOT within {Limit.TotalSeconds:0} s") +
                $"; {owner}'s status then: {after.Ownership!.Describe()}; client: {_lab.Probe().Runs(stepKill.Value)}");
            if (stepRestart is null)
            {
                failures.Add($"after {owner}'s wall clock stepped back {-StepSeconds / 60} min, its monitor did not notice the killed echo service within {Limit.TotalSeconds:0} s " +
                    $"(monitor_interval {MonitorInterval.TotalSeconds:0} s) while the status says resources {after.Ownership.Resources}: monitoring waits for the wall clock " +
                    "(src/SplitGuard.Daemon/Resources/ResourceManager.cs schedules the next monitor at DateTime.UtcNow + interval)");
            }
        }
        finally
        {
            resetNs = await _clock.SetAsync(owner, 0);
        }

        // With the real clock back (a step forward of 10 min), the service comes back.
        long? restored = null;
        try
        {
            await Polling.WaitUntilAsync(() => _lab.Probe().FirstFrom(owner, resetNs + UnixNs.FromMs(100)) is not null, Limit, $"the client gets answers from {owner}");
            restored = _lab.Probe().FirstFrom(owner, resetNs + UnixNs.FromMs(100))!.Value.Ns;
        }
        catch (TimeoutException)
        {
        }

        var final = await _lab.StatusAllAsync();
        _output.WriteLine($"clock back to the real time at {UnixNs.Format(resetNs)}: client answered by {owner} again " +
            (restored is { } r ? $"{UnixNs.ToMs(r - resetNs):0} ms later" : $"NOT within {Limit.TotalSeconds:0} s") +
            $"; guard: {string.Join(" | ", WallClockSteps.GuardLines(_lab, owner))}");
        _output.WriteLine("ownership log as written:" + Environment.NewLine + string.Join(Environment.NewLine, WallClockSteps.RawOwnershipLines(_lab).Select(l => "  " + l)));
        _output.WriteLine($"{owner} decisions (daemon log, its own wall clock):" + Environment.NewLine + _lab.DaemonDecisions(owner, 0));
        foreach (var s in final.Values)
        {
            if (s.Ownership!.Term != term)
            {
                failures.Add($"{s.Node}: the term changed from {term}: {s.Ownership.Describe()}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>SIGKILLs the owner's echo service; waits until a new one runs (pid file of a live process, within the limit)
    /// and answers the client. Returns the kill time and the time of the first answer from the new one (null if it did not
    /// come back within the limit).</summary>
    private async Task<(long Kill, long? Restarted)> KillEchoAndWaitAsync(string owner)
    {
        var pid = _lab.EchoPid(owner) ?? throw new InvalidOperationException($"{owner} has no echo service pid file");
        var kill = UnixNs.Now();
        if (!NativeSignals.Send(pid, NativeSignals.SigKill))
        {
            throw new InvalidOperationException($"could not SIGKILL {owner}'s echo service (pid {pid})");
        }

        try
        {
            await Polling.WaitUntilAsync(
                () => _lab.EchoPid(owner) is { } p && p != pid && Directory.Exists($"/proc/{p}"),
                Limit,
                $"{owner}'s echo service runs again");
            var respawned = UnixNs.Now();
            await Polling.WaitUntilAsync(() => _lab.Probe().FirstFrom(owner, respawned) is not null, TimeSpan.FromSeconds(5), $"the client gets answers from {owner}");
            return (kill, _lab.Probe().FirstFrom(owner, respawned)!.Value.Ns);
        }
        catch (TimeoutException)
        {
            return (kill, null);
        }
    }
}
