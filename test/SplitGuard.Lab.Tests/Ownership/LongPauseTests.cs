using System.Diagnostics;
using System.Globalization;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// FAULTS.md F3, a pause longer than the lease (Jepsen's lock killer): the owner's daemon is stopped with SIGSTOP for
/// twice its takeover_after_ms, then SIGCONT. The peer takes over during the pause. Must hold: no definite overlap in
/// the ownership log (S1: the paused owner's resources are down before the new owner starts them) and the VIP never on
/// both nodes; after waking, the old owner does not act as owner: within 1 s its status shows run false and its
/// resources stopped, and the client is served only by the new owner from the moment it first answered.
/// </summary>
public abstract class LongPauseScenario
{
    private static readonly TimeSpan DemoteWithin = TimeSpan.FromSeconds(1);
    private readonly OwnershipLab _lab;
    private readonly ITestOutputHelper _output;

    protected LongPauseScenario(OwnershipLab lab, ITestOutputHelper output)
    {
        _lab = lab;
        _output = output;
    }

    [Fact]
    public async Task F3_pausing_the_owners_daemon_for_twice_the_takeover_time_moves_the_service_and_the_old_owner_does_not_act_as_owner_on_waking()
    {
        var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var survivor = OwnershipLab.Other(owner);
        var term = before[owner].Ownership!.Term;
        var pause = TimeSpan.FromMilliseconds(2 * before[owner].Ownership!.TakeoverAfterMs);
        await Task.Delay(300);

        var result = await _lab.PauseDaemonAsync(owner, pause);

        // From SIGCONT: how long until the old owner says run false, and until its resources are stopped.
        double? demotedMs = null;
        double? stoppedMs = null;
        StatusSnapshot? last = null;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < DemoteWithin && stoppedMs is null)
        {
            try
            {
                last = await _lab.StatusAsync(owner);
                var ms = UnixNs.ToMs(UnixNs.From(last.TakenAt) - result.ResumedNs);
                if (!last.Ownership!.Run)
                {
                    demotedMs ??= ms;
                    if (last.Ownership.Resources == "stopped")
                    {
                        stoppedMs = ms;
                    }
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException or TimeoutException)
            {
                _output.WriteLine($"status of {owner} after SIGCONT: {e.Message}");
            }

            await Task.Delay(10);
        }

        // Let the new owner settle, then look at everything.
        try
        {
            await Polling.WaitUntilAsync(() => _lab.Probe().FirstFrom(survivor, result.StoppedNs) is not null, TimeSpan.FromSeconds(5),
                $"the client gets answers from {survivor}");
        }
        catch (TimeoutException e)
        {
            _output.WriteLine(e.Message);
        }

        await Task.Delay(1000);
        var statuses = await _lab.StatusAllAsync();
        var log = _lab.OwnershipLog();
        var probe = _lab.Probe();
        var vip = _lab.VipHistory();
        var overlaps = vip.Overlaps(UnixNs.Now());
        var check = await _lab.CheckAsync(result.StoppedNs);
        var survivorStart = log.First(survivor, "start_invoke", result.StoppedNs);
        var ownerStopped = log.AllStopped(owner, OwnershipLab.ResourceNames, result.StoppedNs);
        var firstNew = probe.FirstFrom(survivor, result.StoppedNs);

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"paused {owner}'s daemon (owner, term {term}) for {result.Length.TotalMilliseconds:0} ms = 2 x takeover_after {pause.TotalMilliseconds / 2:0} ms"));
        _output.WriteLine($"after SIGCONT: {owner} run false after {Ms(demotedMs)}, resources stopped after {Ms(stoppedMs)}; last status: {last?.Ownership?.Describe() ?? "none"}");
        _output.WriteLine($"{survivor}: first start_invoke {Rel(survivorStart?.Ns, result.StoppedNs)} after SIGSTOP; {owner}'s resources all stopped (stop_ok) {Rel(ownerStopped, result.StoppedNs)} after SIGSTOP; " +
            $"S3 margin {(survivorStart is not null && ownerStopped is not null ? $"{UnixNs.ToMs(survivorStart.Ns - ownerStopped.Value):+0;-0} ms" : "n/a")}");
        _output.WriteLine($"now: {string.Join("; ", statuses.Values.Select(s => $"{s.Node}: {s.Ownership!.Describe()}"))}");
        _output.WriteLine("client from SIGSTOP: " + probe.Runs(result.StoppedNs));
        _output.WriteLine("check.py:" + Environment.NewLine + check.Output);
        _output.WriteLine($"VIP on nodes (ip monitor), {overlaps.Count} overlaps:" + Environment.NewLine + vip.Describe());
        _output.WriteLine("ownership log:" + Environment.NewLine + log.Describe(result.StoppedNs - UnixNs.FromMs(1000)));
        _output.WriteLine($"{owner} decisions:" + Environment.NewLine + _lab.DaemonDecisions(owner, result.StoppedNs));

        // The woken node joining again should not disturb the new owner; asserted by OwnerCrashTests, reported here.
        var served = Math.Max(result.ResumedNs, firstNew?.Ns ?? long.MaxValue);
        var disturbed = log.Between(served).Where(e => e.Node == survivor).ToList();
        _output.WriteLine($"after SIGCONT: {survivor}'s resource operations {disturbed.Count}, longest client gap {probe.MaxGapMs(served):0} ms" +
            (disturbed.Count > 0 ? $" (NOTE: the new owner restarted its resources when {owner} woke)" : string.Empty));

        var failures = new List<string>();
        if (check.ExitCode != 0)
        {
            failures.Add("check.py found a definite overlap in the ownership log (see the output)");
        }

        if (overlaps.Count > 0)
        {
            failures.Add("the VIP was configured on both nodes at once: " + string.Join("; ", overlaps.Select(o => $"{o.A} / {o.B} ({o.Ms:0.0} ms)")));
        }

        if (stoppedMs is null)
        {
            failures.Add($"{owner} did not show run false with its resources stopped within {DemoteWithin.TotalSeconds:0} s of SIGCONT: {last?.Ownership?.Describe() ?? "no status"}");
        }

        var fromOld = probe.Between(result.ResumedNs).Where(a => a.Node == owner).ToList();
        if (fromOld.Count > 0)
        {
            failures.Add($"the client got {fromOld.Count} answers from {owner} after SIGCONT: {probe.Runs(result.ResumedNs)}");
        }

        if (firstNew is { } f && probe.Between(f.Ns).Any(a => a.Node == owner))
        {
            failures.Add($"the client got answers from {owner} after {survivor} had answered: {probe.Runs(f.Ns)}");
        }

        var now = statuses[survivor].Ownership!;
        if (firstNew is null || !now.Run || now.Resources != "started" || now.Holder != OwnershipLab.IdOf(survivor) || now.Term <= term)
        {
            failures.Add($"{survivor} should serve under a new term: {now.Describe()}; client: {probe.Runs(result.StoppedNs)}");
        }

        var old = statuses[owner].Ownership!;
        if (old.Run || old.Resources != "stopped" || old.Holder != OwnershipLab.IdOf(survivor))
        {
            failures.Add($"{owner} should be a follower of {survivor} now: {old.Describe()}");
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static string Ms(double? ms) => ms is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0} ms") : "never (within 1 s)";

    private static string Rel(long? ns, long from) =>
        ns is { } n ? string.Create(CultureInfo.InvariantCulture, $"{UnixNs.ToMs(n - from):+0;-0} ms") : "never";
}

/// <summary>F3 on the lab's default setting (interval 0.02 s, maxloss 5, ocf:heartbeat:IPaddr2, default stop budget).</summary>
[Collection(LabDaemonCollection.Name)]
public sealed class LongPauseTests(OwnershipLabFixture fixture, ITestOutputHelper output)
    : LongPauseScenario(fixture.Lab, output), IClassFixture<OwnershipLabFixture>;

/// <summary>F3 on the robust profile of docs/ownership.md (interval 0.005 s, maxloss 8, ocf:splitguard:vip, stop budget 0.05 s for two resources).</summary>
[Collection(LabDaemonCollection.Name)]
public sealed class RobustLongPauseTests(RobustOwnershipLabFixture fixture, ITestOutputHelper output)
    : LongPauseScenario(fixture.Lab, output), IClassFixture<RobustOwnershipLabFixture>;

/// <summary>F3 on the robust profile as documented (interval 0.005 s, maxloss 8, builtin:vip, stop budget 0.01 s).</summary>
[Collection(LabDaemonCollection.Name)]
public sealed class RobustBuiltinLongPauseTests(RobustBuiltinOwnershipLabFixture fixture, ITestOutputHelper output)
    : LongPauseScenario(fixture.Lab, output), IClassFixture<RobustBuiltinOwnershipLabFixture>;
