using System.Diagnostics;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// Issue 10: "never on two nodes" however the agents behave. Real daemons on the robust profile (interval 0.005 s,
/// maxloss 8, stop budget 0.05 s, ocf:splitguard:vip) run the echo service, which detaches from its agent (setsid) and
/// misbehaves: it ignores SIGTERM while its stop says "stopped" at once, or its stop hangs forever, or it takes 1 s to
/// exit, twenty times the budget. The owner is isolated, or its daemon is killed with -9, or paused for twice the
/// takeover time. Judged from the service's processes themselves (<see cref="ServiceWatch"/>, /proc every 2 ms): the old
/// owner's process is gone before the survivor's is born (or, when the old owner wins the lease back, before its own new
/// one is); and from `ip monitor`: the address never on both nodes.
/// The daemon (isolation) or the guard (kill -9, pause) kills the resource's cgroup at the hard deadline.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class EnforcedStopTests(ITestOutputHelper output)
{
    /// <summary>
    /// How long the service may take to run again: a liveness side condition of these safety cases, derived from the
    /// mechanism. The takeover itself takes under a second. But on this busy 2-core lab the new holder can lose its
    /// lease once more right after a pause (seen: no evidence for 44-45 ms while the resumed node's event loop was
    /// held up by a kill and its guard restart, or a stall of both daemons), and the old owner may win it back: that is
    /// allowed (the service
    /// then runs there again, in new processes). Every such round can cost a misbehaving agent's stop on the node
    /// that gives way: the stop timeout (3 s) plus the escalation's second stop (another 3 s for hang-stop), about
    /// 6.5 s. The wait allows three such rounds.
    /// </summary>
    private static readonly TimeSpan ServiceBackWait = TimeSpan.FromSeconds(1 + (3 * 6.5));

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var behavior in new[] { "ignore-term", "hang-stop", "slow-stop" })
        {
            foreach (var fault in new[] { "isolation", "kill-9", "pause" })
            {
                data.Add(behavior, fault);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_old_owners_service_is_gone_before_the_survivors_is_born(string behavior, string fault)
    {
        await using var lab = await OwnershipLab.StartAsync(null, OwnershipLabProfile.Robust with { EchoBehavior = behavior });
        var (owner, before) = await lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var survivor = OwnershipLab.Other(owner);
        var takeover = TimeSpan.FromMilliseconds(before[survivor].Ownership!.TakeoverAfterMs);
        using var watch = new ServiceWatch(lab.Vip, OwnershipLab.EchoPort);
        await Polling.WaitUntilAsync(() => watch.Alive(owner).Count > 0, TimeSpan.FromSeconds(5), $"the echo service of {owner} seen in /proc");
        await Task.Delay(300);
        var beforeFault = watch.Alive(owner).Select(p => p.Pid).ToHashSet();

        var origin = Stopwatch.GetTimestamp();
        var faultNs = UnixNs.Now();
        string? heal = null;
        switch (fault)
        {
            case "isolation":
                var udp = await lab.Lab.PrepareFaultAsync("udp-drop", owner);
                var witness = await lab.Lab.PrepareFaultAsync("isolate-from-witness", owner);
                heal = Path.Combine(lab.Lab.WorkDir, $"isolate-{owner}.nft");
                await File.WriteAllTextAsync(heal, await File.ReadAllTextAsync(udp.ScriptPath) + "\n" + await File.ReadAllTextAsync(witness.ScriptPath));
                origin = Stopwatch.GetTimestamp();
                faultNs = UnixNs.Now();
                await lab.Lab.ApplyAsync(new PreparedFault(udp.Namespace, heal, $"isolate {owner}"));
                break;
            case "kill-9":
                faultNs = lab.KillDaemon(owner);
                break;
            default:
                _ = lab.PauseDaemonAsync(owner, takeover * 2);
                break;
        }

        try
        {
            // The service back: on the survivor, or (the survivor's new lease lost again under load and the old owner
            // won it back) on the old owner in new processes, every process of before the fault gone.
            bool Back() => watch.Alive(survivor).Count > 0
                || (watch.Alive(owner).Any(p => !beforeFault.Contains(p.Pid)) && watch.Alive(owner).All(p => !beforeFault.Contains(p.Pid)));
            try
            {
                await Polling.WaitUntilAsync(Back, ServiceBackWait, $"the echo service born again after the fault (on {survivor}, or in new processes on {owner})");
            }
            catch (TimeoutException)
            {
                output.WriteLine($"{behavior}, {fault} of {owner} (owner): the service did not come back; echo processes from the fault:");
                output.WriteLine(watch.Describe(origin));
                output.WriteLine("ownership log:" + Environment.NewLine + lab.OwnershipLog().Describe(faultNs - UnixNs.FromMs(500)));
                output.WriteLine($"{survivor} log:{Environment.NewLine}{lab.DaemonDecisions(survivor, faultNs - UnixNs.FromMs(500))}");
                output.WriteLine($"{owner} log:{Environment.NewLine}{lab.DaemonDecisions(owner, faultNs - UnixNs.FromMs(500))}");
                throw;
            }

            output.WriteLine($"the service was born again {Stopwatch.GetElapsedTime(origin).TotalMilliseconds:0} ms after the fault, on {(watch.Alive(survivor).Count > 0 ? survivor : owner)}");
            await Task.Delay(takeover * 3);
        }
        finally
        {
            if (heal is not null)
            {
                await lab.Lab.HealAsync();
            }
        }

        var overlaps = watch.Overlaps();
        var vip = lab.VipHistory();
        var vipOverlaps = vip.Overlaps(UnixNs.Now());
        output.WriteLine($"{behavior}, {fault} of {owner} (owner); takeover after {takeover.TotalMilliseconds:0} ms; echo processes from the fault:");
        output.WriteLine(watch.Describe(origin));
        output.WriteLine($"VIP (ip monitor), {vipOverlaps.Count} overlaps:{Environment.NewLine}{vip.Describe()}");
        output.WriteLine("ownership log:" + Environment.NewLine + lab.OwnershipLog().Describe(faultNs - UnixNs.FromMs(500)));
        output.WriteLine($"{owner} log:{Environment.NewLine}{lab.DaemonDecisions(owner, faultNs - UnixNs.FromMs(500))}");

        Assert.True(overlaps.Count == 0, $"the service ran on both nodes: {string.Join("; ", overlaps)}");
        Assert.True(vipOverlaps.Count == 0, $"the address was on both nodes {vipOverlaps.Count} time(s)");
        Assert.True(watch.Processes().Where(p => beforeFault.Contains(p.Pid)).All(p => p.GoneAt is not null), $"{owner}'s service of before the fault still runs");
    }
}
