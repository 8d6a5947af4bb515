using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Resources;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>
/// F19's worst case, a stop that fails, through the daemon's resource manager with real agent processes: the failed
/// stop escalates to killing what the resource's start left running in its session, and a monitor must then say
/// "not running"; when it still says running, the node enters panic (no automatic start or stop) until
/// <c>recover</c> finds the resource stopped.
/// </summary>
public sealed class StopEscalationTests : IDisposable
{
    private static readonly TimeSpan Ample = TimeSpan.FromSeconds(20);
    private readonly string _work = Directory.CreateTempSubdirectory("sg-escalate-").FullName;
    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly List<int> _pids = [];

    private TimeSpan Now() => Stopwatch.GetElapsedTime(_origin);

    private ResourceManager Manager(ResourceConfig resource) =>
        new([resource], new AgentRunner(new AgentRunnerOptions { OcfRoot = AgentLab.TestOcfRoot }), new OwnershipLog(Path.Combine(_work, "ownership.log"), "n1"), NullLogger.Instance, Now);

    private static async Task WaitAsync(ResourceManager manager, bool run, Func<bool> done, string what)
    {
        try
        {
            await Polling.WaitUntilAsync(() =>
            {
                manager.Apply(run);
                return done();
            }, Ample, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} (state {manager.State}, panic: {manager.PanicReason ?? "none"}, {string.Join("; ", manager.Views())})", e);
        }
    }

    [Fact]
    public async Task A_failed_stop_kills_the_processes_left_by_start_and_the_resource_is_confirmed_stopped()
    {
        var resource = AgentLab.Misbehave("leaky", _work, ("start_mode", "leak"), ("stop_mode", "rc:1"), ("monitor_mode", "pidcheck"));
        using var manager = Manager(resource);
        await WaitAsync(manager, true, () => manager.State == "started", "leaky started");
        var child = await AgentLab.ReadPidAsync(resource.Params["pidfile"] + ".child");
        _pids.Add(child);
        Assert.True(NativeSignals.IsAlive(child), "the process the start left behind runs");

        await WaitAsync(manager, false, () => manager.State == "stopped", "leaky confirmed stopped after escalation");

        Assert.Null(manager.PanicReason);
        Assert.False(manager.Active);
        await Polling.WaitUntilAsync(() => !NativeSignals.IsAlive(child), TimeSpan.FromSeconds(5), $"leaked process {child} killed");
        var log = await File.ReadAllLinesAsync(Path.Combine(_work, "ownership.log"));
        Assert.Contains(log, l => l.Contains("leaky stop_failed", StringComparison.Ordinal));
        Assert.EndsWith("leaky stop_ok", log[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stop_that_escalation_cannot_confirm_is_panic_until_recover_finds_it_stopped()
    {
        var resource = AgentLab.Misbehave("stuck", _work, ("stop_mode", "rc:1"));
        using var manager = Manager(resource);
        await WaitAsync(manager, true, () => manager.State == "started", "stuck started");

        await WaitAsync(manager, false, () => manager.PanicReason is not null, "panic after the failed stop");

        Assert.StartsWith("resource stuck could not be stopped:", manager.PanicReason, StringComparison.Ordinal);
        Assert.Equal("panic", manager.State);
        Assert.True(manager.Active, "in panic the resource counts as possibly running, so peers do not start it");

        // In panic nothing automatic happens: asked to run, the manager neither starts nor stops anything.
        manager.Apply(true);
        Assert.True(manager.Views().Single().StopFailed);

        var (stillPanic, message) = await manager.RecoverAsync();
        Assert.False(stillPanic);
        Assert.Contains("still in panic", message, StringComparison.Ordinal);

        // The operator stops it by hand (the state file is what the agent's monitor looks at), then recovers.
        File.Delete(resource.Params["state"]);
        var (ok, recovered) = await manager.RecoverAsync();

        Assert.True(ok, recovered);
        Assert.Null(manager.PanicReason);
        Assert.False(manager.Active);
        Assert.Equal("stopped", manager.State);
    }

    public void Dispose()
    {
        foreach (var pid in _pids)
        {
            NativeSignals.Send(pid, 9);
        }

        Directory.Delete(_work, recursive: true);
    }
}
