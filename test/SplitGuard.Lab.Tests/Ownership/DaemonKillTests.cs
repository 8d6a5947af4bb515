using System.Diagnostics;
using System.Globalization;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// FAULTS.md F1, the owner's daemon ALONE is killed with SIGKILL: the VIP and the echo service it started keep running
/// (the keepalived failure of issue 4). The peer hears nothing any more and takes over after the takeover time, so the
/// dead daemon's resources must be stopped before then (issue 4 item 5: a guard process, as sbd has): never the service
/// on both nodes. Checked three ways: the echo service process and the VIP on the old owner (seen from outside: /proc
/// and `ip monitor`) are gone before the survivor's first start_invoke; the ownership log has no definite overlap
/// (check.py; the guard must log its stops there like the daemon does); the client never gets answers from both nodes
/// interleaved after the kill.
/// </summary>
public abstract class DaemonKillScenario
{
    private readonly OwnershipLab _lab;
    private readonly ITestOutputHelper _output;

    protected DaemonKillScenario(OwnershipLab lab, ITestOutputHelper output)
    {
        _lab = lab;
        _output = output;
    }

    [Fact]
    public async Task F1b_kill_9_of_the_owners_daemon_alone_its_resources_stop_before_the_survivor_starts_them()
    {
        var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var survivor = OwnershipLab.Other(owner);
        var takeover = TimeSpan.FromMilliseconds(before[survivor].Ownership!.TakeoverAfterMs);
        var echo = _lab.EchoPid(owner) ?? throw new InvalidOperationException($"no echo-service pid file of {owner}");
        Assert.True(NativeSignals.IsAlive(echo), $"the echo service of {owner} (pid {echo}) is not running before the fault");
        await Task.Delay(300);

        var fault = _lab.KillDaemon(owner);

        // Watch the old owner's echo service (every 5 ms) while the survivor takes over.
        long? echoGone = null;
        var watch = Stopwatch.StartNew();
        var window = takeover + TimeSpan.FromSeconds(3);
        while (watch.Elapsed < window)
        {
            if (echoGone is null && !NativeSignals.IsAlive(echo))
            {
                echoGone = UnixNs.Now();
            }

            await Task.Delay(5);
        }

        var log = _lab.OwnershipLog();
        var vip = _lab.VipHistory();
        var probe = _lab.Probe();
        var check = await _lab.CheckAsync(fault);
        var survivorStart = log.First(survivor, "start_invoke", fault);
        var vipGone = vip.Removed(owner, fault);
        var overlaps = vip.Overlaps(UnixNs.Now());
        var status = await _lab.StatusAsync(survivor);

        _output.WriteLine($"killed the daemon of {owner} (owner, term {before[owner].Ownership!.Term}); takeover_after {takeover.TotalMilliseconds:0} ms");
        _output.WriteLine($"{owner}'s echo service (pid {echo}) gone: {Ms(echoGone, fault)}; {owner}'s VIP removed: {Ms(vipGone, fault)}");
        _output.WriteLine($"{survivor}: first start_invoke {Ms(survivorStart?.Ns, fault)}; now {status.Ownership!.Describe()}");
        _output.WriteLine("client after the kill: " + probe.Runs(fault));
        _output.WriteLine("check.py:" + Environment.NewLine + check.Output);
        _output.WriteLine($"VIP on nodes (ip monitor), {overlaps.Count} overlaps:" + Environment.NewLine + vip.Describe());
        _output.WriteLine("ownership log:" + Environment.NewLine + log.Describe(fault - UnixNs.FromMs(1000)));
        _output.WriteLine($"{survivor} decisions:" + Environment.NewLine + _lab.DaemonDecisions(survivor, fault));

        var failures = new List<string>();
        if (echoGone is null)
        {
            failures.Add($"{owner}'s echo service (pid {echo}) was still running {window.TotalSeconds:0.0} s after its daemon was killed");
        }

        if (vipGone is null)
        {
            failures.Add($"{owner} still had the VIP {_lab.Vip} {window.TotalSeconds:0.0} s after its daemon was killed");
        }

        if (survivorStart is { } start)
        {
            if (echoGone is { } e && e >= start.Ns)
            {
                failures.Add($"{survivor} invoked start {UnixNs.ToMs(e - start.Ns):0} ms before {owner}'s echo service was gone");
            }

            if (vipGone is { } v && v >= start.Ns)
            {
                failures.Add($"{survivor} invoked start {UnixNs.ToMs(v - start.Ns):0} ms before {owner}'s VIP was removed");
            }
        }

        if (check.ExitCode != 0)
        {
            failures.Add("check.py found a definite overlap in the ownership log (see the output)");
        }

        if (overlaps.Count > 0)
        {
            failures.Add("the VIP was configured on both nodes at once: " + string.Join("; ", overlaps.Select(o => $"{o.A} / {o.B} ({o.Ms:0.0} ms)")));
        }

        var switches = probe.Switches(fault);
        if (switches > 1)
        {
            failures.Add($"the client got answers from both nodes interleaved after the kill ({switches} switches): {probe.Runs(fault)}");
        }

        // Liveness: the service comes back, on the survivor.
        if (survivorStart is null || probe.FirstFrom(survivor, fault) is null)
        {
            failures.Add($"{survivor} did not take over within {window.TotalSeconds:0.0} s: {status.Ownership!.Describe()}");
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static string Ms(long? ns, long fault) =>
        ns is { } n ? string.Create(CultureInfo.InvariantCulture, $"{UnixNs.ToMs(n - fault):+0;-0} ms after the kill") : "never";
}

/// <summary>F1b on the lab's default setting (interval 0.02 s, maxloss 5, ocf:heartbeat:IPaddr2, default stop budget).</summary>
[Collection(LabDaemonCollection.Name)]
public sealed class DaemonKillTests(OwnershipLabFixture fixture, ITestOutputHelper output)
    : DaemonKillScenario(fixture.Lab, output), IClassFixture<OwnershipLabFixture>;

/// <summary>F1b on the robust profile of docs/ownership.md (interval 0.005 s, maxloss 8, ocf:splitguard:vip, stop budget 0.05 s for two resources).</summary>
[Collection(LabDaemonCollection.Name)]
public sealed class RobustDaemonKillTests(RobustOwnershipLabFixture fixture, ITestOutputHelper output)
    : DaemonKillScenario(fixture.Lab, output), IClassFixture<RobustOwnershipLabFixture>;

/// <summary>F1b on the robust profile as documented (interval 0.005 s, maxloss 8, builtin:vip, stop budget 0.01 s).</summary>
[Collection(LabDaemonCollection.Name)]
public sealed class RobustBuiltinDaemonKillTests(RobustBuiltinOwnershipLabFixture fixture, ITestOutputHelper output)
    : DaemonKillScenario(fixture.Lab, output), IClassFixture<RobustBuiltinOwnershipLabFixture>;
