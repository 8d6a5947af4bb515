using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SplitGuard.Core.Config;
using SplitGuard.Daemon.Watchdog;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Watchdog;

/// <summary>
/// The lab stand-in for a kernel watchdog (lab/watchdog-standin.py) against real processes in a network namespace of
/// their own: pets keep the node alive; a frozen petter gets the node reset (every process killed, a stopped one
/// too, every link down) within the timeout plus a margin; the magic close disarms; a close without it does not.
/// Also the daemon's own <see cref="DeviceWatchdog"/> over the real syscalls, against the stand-in. The stand-in runs
/// in the root namespace, so the resets it does never reach it or this test process.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class WatchdogStandInTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

    // How late the stand-in may notice a missed pet (its poll wakes at the deadline; a busy 2-core machine delays it),
    // and how long the links and kills may take after that.
    private static readonly TimeSpan DetectionMargin = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan ResetMargin = TimeSpan.FromSeconds(1);

    // Pets every 50 ms through the FIFO, forever; writes nothing else.
    private static readonly string[] Petter = ["sh", "-c", "exec 3>\"$1\"; while :; do printf . >&3; sleep 0.05; done", "sh"];

    // Pets six times, then the magic close, then stays alive without the device.
    private static readonly string[] MagicPetter =
        ["sh", "-c", "exec 3>\"$1\"; i=0; while [ $i -lt 6 ]; do printf . >&3; sleep 0.05; i=$((i+1)); done; printf V >&3; exec 3>&-; exec sleep 1000", "sh"];

    private readonly ITestOutputHelper _output;

    public WatchdogStandInTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static double MonotonicSeconds() =>
        Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    [Fact]
    public async Task Pets_from_inside_the_namespace_keep_it_alive()
    {
        await using var node = await WatchdogNamespace.CreateAsync();
        await using var standIn = await StandInProcess.StartAsync(node, Timeout);
        await using var petter = node.Start("petter", [.. Petter, standIn.Device]);

        await WaitForAsync(standIn, "armed", TimeSpan.FromSeconds(10));
        await Task.Delay(Timeout * 5);

        Assert.False(standIn.Events().Any(e => e.Name == "reset"), standIn.Log());
        Assert.False(petter.HasExited, petter.OutputTail());
        Assert.Contains(petter.Pid, await node.PidsAsync());
        Assert.All(await node.LinksUpAsync(), l => Assert.True(l.Value, $"{l.Key} went down: {standIn.Log()}"));
    }

    /// <summary>
    /// F: the daemon and its guard frozen. The petter is stopped; a second process, stopped too, stands for one that
    /// will not die of SIGTERM (uninterruptible sleep). The reset takes every link down and kills both.
    /// </summary>
    [Fact]
    public async Task A_frozen_petter_gets_the_namespace_reset_within_the_timeout()
    {
        await using var node = await WatchdogNamespace.CreateAsync();
        await using var standIn = await StandInProcess.StartAsync(node, Timeout);
        await using var stubborn = node.Start("stubborn", ["sleep", "1000"]);
        await using var petter = node.Start("petter", [.. Petter, standIn.Device]);
        await WaitForAsync(standIn, "armed", TimeSpan.FromSeconds(10));
        Assert.True(stubborn.Pause(), "could not stop the stubborn process");
        await Task.Delay(Timeout * 2);
        Assert.DoesNotContain(standIn.Events(), e => e.Name == "reset");

        var stoppedAt = MonotonicSeconds();
        Assert.True(petter.Pause(), "could not stop the petter");
        var reset = await WaitForAsync(standIn, "reset", Timeout + ResetMargin + TimeSpan.FromSeconds(5));

        var detectedAfter = double.Parse(reset.Fields["detected"], System.Globalization.CultureInfo.InvariantCulture) - stoppedAt;
        var doneAfter = reset.Mono - stoppedAt;
        _output.WriteLine($"petter stopped at mono {stoppedAt:F6}; reset detected +{detectedAfter * 1000:F0} ms, done +{doneAfter * 1000:F0} ms: {reset.Line}");
        Assert.True(detectedAfter <= (Timeout + DetectionMargin).TotalSeconds, $"detected {detectedAfter:F3} s after the freeze: {standIn.Log()}");
        Assert.True(doneAfter <= (Timeout + ResetMargin).TotalSeconds, $"reset done {doneAfter:F3} s after the freeze: {standIn.Log()}");

        // Never early: the last pet came at most one pet interval (and the sleep's lateness) before the freeze.
        var age = double.Parse(reset.Fields["last_pet_age"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(age, Timeout.TotalSeconds, (Timeout + DetectionMargin).TotalSeconds);

        Assert.Equal(WatchdogNamespace.Links.Order(), reset.List("links_down").Order());
        Assert.Contains(petter.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), reset.List("killed"));
        Assert.Contains(stubborn.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), reset.List("killed"));
        Assert.Empty(reset.List("survivors"));
        Assert.Empty(await node.PidsAsync());
        Assert.All(await node.LinksUpAsync(), l => Assert.False(l.Value, $"{l.Key} is still up"));
        Assert.Equal(137, await petter.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(137, await stubborn.WaitForExitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task The_magic_close_disarms_it()
    {
        await using var node = await WatchdogNamespace.CreateAsync();
        await using var standIn = await StandInProcess.StartAsync(node, Timeout);
        await using var petter = node.Start("petter", [.. MagicPetter, standIn.Device]);

        await WaitForAsync(standIn, "disarmed", TimeSpan.FromSeconds(10));
        await Task.Delay(Timeout * 4);

        Assert.Equal("magic-close", standIn.Events().Single(e => e.Name == "disarmed").Fields["reason"]);
        Assert.False(standIn.Events().Any(e => e.Name is "reset" or "closed-without-magic"), standIn.Log());
        Assert.False(petter.HasExited, petter.OutputTail());
        Assert.All(await node.LinksUpAsync(), l => Assert.True(l.Value, $"{l.Key} went down: {standIn.Log()}"));
    }

    /// <summary>The daemon killed: the kernel closes its descriptor without the magic character, and the timer runs on.</summary>
    [Fact]
    public async Task A_killed_petter_closes_without_the_magic_and_the_reset_follows()
    {
        await using var node = await WatchdogNamespace.CreateAsync();
        await using var standIn = await StandInProcess.StartAsync(node, Timeout);
        await using var bystander = node.Start("bystander", ["sleep", "1000"]);
        await using var petter = node.Start("petter", [.. Petter, standIn.Device]);
        await WaitForAsync(standIn, "armed", TimeSpan.FromSeconds(10));

        var killedAt = MonotonicSeconds();
        Assert.True(petter.Signal(NativeSignals.SigKill));
        var reset = await WaitForAsync(standIn, "reset", Timeout + ResetMargin + TimeSpan.FromSeconds(5));

        Assert.Contains(standIn.Events(), e => e.Name == "closed-without-magic");
        Assert.True(reset.Mono - killedAt <= (Timeout + ResetMargin).TotalSeconds, standIn.Log());
        Assert.Contains(bystander.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), reset.List("killed"));
        Assert.Empty(await node.PidsAsync());
    }

    /// <summary>
    /// The daemon's watchdog code over the real syscalls, against the stand-in "behind the same interface": it sees a
    /// FIFO and skips the ioctls, its pets hold the reset off, its disarm writes the magic close, and an abandon (as a
    /// dying daemon's exit) lets the reset come.
    /// </summary>
    [Fact]
    public async Task The_daemons_watchdog_arms_pets_disarms_and_abandons_the_stand_in()
    {
        await using var node = await WatchdogNamespace.CreateAsync();
        await using var standIn = await StandInProcess.StartAsync(node, Timeout);
        await using var resource = node.Start("resource", ["sleep", "1000"]);
        using var watchdog = new DeviceWatchdog(new WatchdogConfig(standIn.Device, Timeout), LinuxWatchdogDevice.Instance, NullLogger.Instance);
        var clock = Stopwatch.StartNew();

        watchdog.Arm(clock.Elapsed);
        Assert.Equal(WatchdogFileKind.Fifo, watchdog.Describe(clock.Elapsed).Kind);
        Assert.Equal(Timeout, watchdog.EffectiveTimeout);
        await WaitForAsync(standIn, "armed", TimeSpan.FromSeconds(10));
        await PetForAsync(watchdog, clock, Timeout * 4);
        watchdog.Disarm(clock.Elapsed);
        await WaitForAsync(standIn, "disarmed", TimeSpan.FromSeconds(10));
        await Task.Delay(Timeout * 3);
        Assert.False(standIn.Events().Any(e => e.Name == "reset"), standIn.Log());
        Assert.False(resource.HasExited);

        watchdog.Arm(clock.Elapsed);
        await PetForAsync(watchdog, clock, Timeout * 2);
        var abandonedAt = MonotonicSeconds();
        watchdog.Abandon(clock.Elapsed);
        var reset = await WaitForAsync(standIn, "reset", Timeout + ResetMargin + TimeSpan.FromSeconds(5));

        _output.WriteLine($"abandoned at mono {abandonedAt:F6}: {reset.Line}");
        Assert.True(reset.Mono - abandonedAt <= (Timeout + ResetMargin).TotalSeconds, standIn.Log());
        Assert.Contains(resource.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), reset.List("killed"));
        Assert.Equal(WatchdogState.Abandoned, watchdog.Describe(clock.Elapsed).State);
        Assert.Equal(2, standIn.Events().Count(e => e.Name == "armed"));
    }

    private static async Task PetForAsync(DeviceWatchdog watchdog, Stopwatch clock, TimeSpan span)
    {
        var until = clock.Elapsed + span;
        while (clock.Elapsed < until)
        {
            var pet = watchdog.Pet(clock.Elapsed);
            Assert.True(pet is WatchdogPet.Written or WatchdogPet.Recent, $"pet: {pet}, {watchdog.Describe(clock.Elapsed).Error}");
            await Task.Delay(20);
        }
    }

    private static async Task<StandInEvent> WaitForAsync(StandInProcess standIn, string name, TimeSpan timeout)
    {
        StandInEvent? found = null;
        await Polling.WaitUntilAsync(
            () => (found = standIn.Events().LastOrDefault(e => e.Name == name)) is not null,
            timeout,
            $"the stand-in to log '{name}'; its log so far:{Environment.NewLine}{standIn.Log()}");
        return found!;
    }
}
