using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Resources;
using SplitGuard.Lab.Tests.Agents;
using SplitGuard.Lab.Tests.Infrastructure;
using SplitGuard.Lab.Tests.Ownership;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Cgroups;

/// <summary>
/// The guard script when the daemon is gone (SIGKILL: its end of the guard's pipe closes) or stalled (SIGSTOP: no
/// beat): it runs the graceful stops, and at the hard deadline the beat gave it kills the resource cgroups and removes
/// the address, so a service that detached and ignores SIGTERM, whose stop hangs, is gone by then. The "daemon" here
/// is a shell that writes one beat and then execs sleep: killing or stopping it is what the guard sees of a daemon.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class GuardHardKillTests(ITestOutputHelper output) : IDisposable
{
    private const double Graceful = 0.2;
    private const double Hard = 0.7;
    private readonly CgroupLab _lab = new("guard");
    private readonly List<int> _pids = [];

    [Theory]
    [InlineData(NativeSignals.SigKill)]
    [InlineData(NativeSignals.SigStop)]
    public async Task A_dead_or_stalled_daemons_guard_kills_a_hung_SIGTERM_ignoring_service_by_the_hard_deadline(int signal)
    {
        AgentLab.EnsureResourceAgents();
        var ip = signal == NativeSignals.SigKill ? "127.77.11.1" : "127.77.11.2";
        var vip = _lab.Vip("vip", ip) with { Group = "web" };
        var svc = _lab.Detach("svc", TimeSpan.FromSeconds(30), ("stop_mode", "hang"), ("children", "2")) with { Group = "web" };
        ResourceConfig[] resources = [vip, svc];
        using var manager = _lab.Manager(resources);
        await Polling.WaitUntilAsync(() =>
        {
            manager.Apply(true);
            return manager.State == "started";
        }, TimeSpan.FromSeconds(20), "vip and svc started");
        var daemon = await AgentLab.ReadPidAsync(svc.Params["pidfile"]);
        Assert.True(CgroupLab.HasAddress(ip));
        // The daemon forks its children after it wrote its pid, which is when the agent's start returns.
        await Polling.WaitUntilAsync(() => _lab.Cgroups.Pids("svc").Count >= 3, TimeSpan.FromSeconds(5), "the daemon's 2 children forked");

        var script = Path.Combine(_lab.Work, "guard.sh");
        File.Delete(svc.Params["pidfile"] + ".stop");
        using var guard = new Guard(script, _lab.Node, resources, _lab.Runner, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50), _lab.OwnershipLog, NullLogger.Instance);
        var fakePid = Path.Combine(_lab.Work, "daemon.pid");
        var beat = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"active {Graceful} {Hard}");
        using var shell = Process.Start(new ProcessStartInfo("/bin/bash")
        {
            // The "daemon" beats every 50 ms until it is killed or stopped; its sleeps write nothing, so they do not hold the pipe.
            ArgumentList = { "-c", $"{{ echo $BASHPID >'{fakePid}'; while :; do echo '{beat}'; sleep 0.05 >/dev/null; done; }} | bash '{script}'" },
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var fake = await AgentLab.ReadPidAsync(fakePid);
        _pids.Add(fake);
        await Task.Delay(50); // let the guard read the beat line

        var sent = Stopwatch.GetTimestamp();
        var sentNs = UnixNs.Now();
        Assert.True(NativeSignals.Send(fake, signal));
        await Polling.WaitUntilAsync(() => File.Exists(svc.Params["pidfile"] + ".stop"), TimeSpan.FromSeconds(5), "the guard's graceful stop of svc began (and hangs)");
        // What the kernel says is in the cgroup now; whether those live is then judged from /proc. The stop agent writes
        // its pid before it starts its sleep: wait for that (well inside the hard deadline) instead of counting at once.
        await Polling.WaitUntilAsync(() => _lab.Cgroups.Pids("svc").Count >= 5, TimeSpan.FromSeconds(Hard - Graceful) / 2, "the hanging stop's sleep started");
        var before = _lab.Cgroups.Pids("svc");
        Assert.True(before.Count >= 5, $"the daemon, its 2 children, the hanging stop and its sleep run: {string.Join(' ', before)}");
        Assert.Contains(daemon, before);
        await Polling.WaitUntilAsync(() => !before.Any(ProcessSessions.IsLive) && _lab.LiveProcesses("guard.sh", "daemon.pid").Count == 0, TimeSpan.FromSeconds(10), "every process of svc gone");
        var gone = Stopwatch.GetElapsedTime(sent);
        output.WriteLine($"signal {signal}: every process of the resources gone {gone.TotalMilliseconds:0} ms after it (hard deadline {Hard * 1000:0} ms after the last beat)");

        Assert.False(ProcessSessions.IsLive(daemon));
        Assert.True(gone < TimeSpan.FromSeconds(Hard + 0.3), $"gone after {gone.TotalMilliseconds:0} ms, the hard deadline was {Hard * 1000:0} ms after the beat");
        Assert.True(gone > TimeSpan.FromSeconds(Hard - 0.15), $"the graceful stop had its time: gone after {gone.TotalMilliseconds:0} ms");
        await Polling.WaitUntilAsync(() => _lab.Ownership("vip").Contains("stop_killed"), TimeSpan.FromSeconds(5), "the guard's stop_killed for vip");
        Assert.False(CgroupLab.HasAddress(ip));
        Assert.True(_lab.Cgroups.IsEmpty("svc"));
        Assert.Equal(["start_invoke", "start_ok", "stop_invoke", "stop_killed"], _lab.Ownership("svc"));
        var log = OwnershipHistory.Read(_lab.OwnershipLog);
        output.WriteLine($"guard's stop_invoke of svc {UnixNs.ToMs(log.First(_lab.Node, "stop_invoke", sentNs)!.Ns - sentNs):0} ms and stop_killed {UnixNs.ToMs(log.First(_lab.Node, "stop_killed", sentNs)!.Ns - sentNs):0} ms after the signal");
        Assert.Equal(["start_invoke", "start_ok", "stop_killed"], _lab.Ownership("vip"));

        NativeSignals.Send(fake, NativeSignals.SigKill);
        Assert.True(shell.WaitForExit(5000), "the guard exits after acting");
        output.WriteLine(await shell.StandardError.ReadToEndAsync());
    }

    [Fact]
    public async Task The_guards_graceful_stop_sends_SIGTERM_to_what_a_stop_that_says_stopped_left_and_the_stop_is_clean()
    {
        // The leaver's stop says "stopped" at once but leaves its helper (which ends on SIGTERM) in the cgroup. The hard
        // deadline is 10 s away and the stop timeout 10 s: without the SIGTERM the guard would wait for an empty cgroup
        // until one of them and end in stop_failed or stop_killed.
        var svc = _lab.Leaver("leaver", TimeSpan.FromSeconds(10));
        using var manager = _lab.Manager(svc);
        await Polling.WaitUntilAsync(() =>
        {
            manager.Apply(true);
            return manager.State == "started";
        }, TimeSpan.FromSeconds(20), "leaver started");
        await Polling.WaitUntilAsync(() => _lab.LiveProcesses().Count > 0, TimeSpan.FromSeconds(5), "the leaver's helper running");
        var helpers = _lab.Cgroups.Pids("leaver");
        Assert.NotEmpty(helpers);

        var script = Path.Combine(_lab.Work, "guard.sh");
        using var guard = new Guard(script, _lab.Node, [svc], _lab.Runner, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50), _lab.OwnershipLog, NullLogger.Instance);
        var fakePid = Path.Combine(_lab.Work, "daemon.pid");
        using var shell = Process.Start(new ProcessStartInfo("/bin/bash")
        {
            ArgumentList = { "-c", $"{{ echo $BASHPID >'{fakePid}'; while :; do echo 'active 0.1 10'; sleep 0.05 >/dev/null; done; }} | bash '{script}'" },
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var fake = await AgentLab.ReadPidAsync(fakePid);
        _pids.Add(fake);
        await Task.Delay(50); // let the guard read the beat line

        var sent = Stopwatch.GetTimestamp();
        Assert.True(NativeSignals.Send(fake, NativeSignals.SigKill));
        await Polling.WaitUntilAsync(() => _lab.Ownership("leaver").Count >= 4, TimeSpan.FromSeconds(15), "the guard's verdict on the leaver's stop");
        var took = Stopwatch.GetElapsedTime(sent);
        output.WriteLine($"the guard's stop of the leaver ended {took.TotalMilliseconds:0} ms after the daemon was killed");

        Assert.Equal(["start_invoke", "start_ok", "stop_invoke", "stop_ok"], _lab.Ownership("leaver"));
        Assert.DoesNotContain(helpers, ProcessSessions.IsLive);
        Assert.True(_lab.Cgroups.IsEmpty("leaver"));
        Assert.True(took < TimeSpan.FromSeconds(5), $"the stop took {took.TotalMilliseconds:0} ms: the helper was waited for, not signalled");
        Assert.True(shell.WaitForExit(5000), "the guard exits after acting");
    }

    public void Dispose()
    {
        foreach (var pid in _pids)
        {
            NativeSignals.Send(pid, NativeSignals.SigKill);
        }

        _lab.Dispose();
    }
}
