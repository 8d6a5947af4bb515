using System.Diagnostics;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// Issue 10, the case the guard cannot cover: the owner's daemon and its guard freeze together (SIGSTOP to their process
/// group) while the service ignores SIGTERM. Nothing on the node can act; its watchdog (the lab stand-in,
/// lab/watchdog-standin.py, timeout 0.3 s, behind the daemon's real device code) resets it: links down, every process of
/// the namespace killed. The survivor's takeover time includes the watchdog's reset bound (1 s), so the reset comes
/// first. Judged from the service's processes (/proc) and `ip monitor`, with the stand-in's own log for the reset.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class WatchdogResetTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_node_whose_daemon_and_guard_freeze_together_is_reset_by_its_watchdog_before_the_takeover()
    {
        await using var lab = await OwnershipLab.StartAsync(null, OwnershipLabProfile.Robust with { EchoBehavior = "ignore-term", Watchdog = 0.3 });
        var (owner, before) = await lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var survivor = OwnershipLab.Other(owner);
        var takeover = TimeSpan.FromMilliseconds(before[survivor].Ownership!.TakeoverAfterMs);
        Assert.True(takeover >= TimeSpan.FromSeconds(1), $"the takeover time ({takeover.TotalMilliseconds:0} ms) must include the watchdog's 1 s reset bound");
        Assert.True(lab.StandIn(owner).Events().Any(e => e.Name == "armed"), $"the daemon of {owner} never petted its watchdog:{Environment.NewLine}{lab.StandIn(owner).Log()}");
        using var watch = new ServiceWatch(lab.Vip, OwnershipLab.EchoPort);
        await Polling.WaitUntilAsync(() => watch.Alive(owner).Count > 0, TimeSpan.FromSeconds(5), $"the echo service of {owner} seen in /proc");
        await Task.Delay(300);

        // The daemon is its process group's leader (setsid); the guard and its perl wait are in the same group, the
        // resources' agents and services are not (each agent runs in a session of its own, in its cgroup).
        var origin = Stopwatch.GetTimestamp();
        var faultNs = UnixNs.Now();
        var group = lab.Daemon(owner).Pid;
        Assert.True(NativeSignals.SendToGroup(group, NativeSignals.SigStop), $"could not SIGSTOP process group {group}");
        try
        {
            await Polling.WaitUntilAsync(() => watch.Alive(survivor).Count > 0, takeover + TimeSpan.FromSeconds(10), $"the echo service of {survivor} born after the freeze");
            await Task.Delay(500);
        }
        finally
        {
            NativeSignals.SendToGroup(group, NativeSignals.SigCont);
        }

        var reset = lab.StandIn(owner).Events().FirstOrDefault(e => e.Name == "reset");
        var overlaps = watch.Overlaps();
        var vipOverlaps = lab.VipHistory().Overlaps(UnixNs.Now());
        output.WriteLine($"froze daemon and guard of {owner} (owner); takeover after {takeover.TotalMilliseconds:0} ms; echo processes from the freeze:");
        output.WriteLine(watch.Describe(origin));
        output.WriteLine($"stand-in of {owner}:{Environment.NewLine}{lab.StandIn(owner).Log()}");
        output.WriteLine("ownership log:" + Environment.NewLine + lab.OwnershipLog().Describe(faultNs - UnixNs.FromMs(500)));

        Assert.NotNull(reset);
        Assert.True(overlaps.Count == 0, $"the service ran on both nodes: {string.Join("; ", overlaps)}");
        Assert.True(vipOverlaps.Count == 0, $"the address was on both nodes {vipOverlaps.Count} time(s)");
        Assert.True(watch.Processes().Where(p => p.Node == owner).All(p => p.GoneAt is not null), $"{owner}'s service survived the reset");
    }
}
