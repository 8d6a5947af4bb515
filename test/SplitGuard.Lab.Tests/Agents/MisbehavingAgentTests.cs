using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>
/// F19, misbehaving agents, on real processes (lab/agents/ocf/resource.d/splitguard/Misbehave): an action that
/// hangs past its timeout is killed together with its children, wrong exit codes and failed stops are reported
/// as such, and nothing an agent does makes the runner throw or hang.
/// </summary>
public sealed class MisbehavingAgentTests : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Ample = TimeSpan.FromSeconds(20);

    private readonly string _work = Directory.CreateTempSubdirectory("sg-misbehave-").FullName;
    private readonly OcfAgentRunner _runner = new(new AgentRunnerOptions { OcfRoot = AgentLab.TestOcfRoot });
    private readonly List<int> _pids = [];

    [Theory]
    [InlineData(AgentAction.Start, "start_mode")]
    [InlineData(AgentAction.Stop, "stop_mode")]
    [InlineData(AgentAction.Monitor, "monitor_mode")]
    public async Task An_action_that_hangs_past_its_timeout_is_killed_with_its_whole_process_group(AgentAction action, string mode)
    {
        var resource = AgentLab.Misbehave("hang", _work, (mode, "hang"));

        var result = await _runner.RunAsync(resource, action, Short, CancellationToken.None);

        AgentLab.AssertStatus(AgentStatus.TimedOut, result);
        Assert.True(result.TimedOut);
        Assert.Null(result.ExitCode);
        // Timers may fire a hair early; the kill itself must not take long.
        Assert.InRange(result.Duration, Short - TimeSpan.FromMilliseconds(50), Short + TimeSpan.FromSeconds(8));
        var agent = await Remember(AgentLab.ReadPidAsync(resource.Params["pidfile"]));
        var child = await Remember(AgentLab.ReadPidAsync(resource.Params["pidfile"] + ".child"));
        Assert.Equal(agent, result.ProcessGroup);
        var verb = AgentExitCodes.Verb(AgentKind.Ocf, action);
        Assert.Equal($"{verb} of hang timed out after 1 s; process group {agent} killed", result.Message);
        Assert.Contains($"Misbehave: {verb} hangs (pid {agent}, child {child})", result.Stderr, StringComparison.Ordinal);

        // SIGKILL went to the group: the agent and the `sleep 1000 &` it spawned are both gone.
        await Polling.WaitUntilAsync(() => !NativeSignals.IsAlive(agent) && !NativeSignals.IsAlive(child), TimeSpan.FromSeconds(5), $"agent {agent} and child {child} gone");
    }

    [Fact]
    public async Task Cancelling_a_run_kills_its_process_group_and_says_cancelled()
    {
        var resource = AgentLab.Misbehave("cancel", _work, ("start_mode", "hang"));
        using var cts = new CancellationTokenSource();

        var run = _runner.RunAsync(resource, AgentAction.Start, Ample, cts.Token);
        var agent = await Remember(AgentLab.ReadPidAsync(resource.Params["pidfile"]));
        var child = await Remember(AgentLab.ReadPidAsync(resource.Params["pidfile"] + ".child"));
        await cts.CancelAsync();
        var result = await run;

        AgentLab.AssertStatus(AgentStatus.Cancelled, result);
        Assert.StartsWith("start of cancel cancelled after ", result.Message, StringComparison.Ordinal);
        Assert.EndsWith($" s; process group {agent} killed", result.Message, StringComparison.Ordinal);
        await Polling.WaitUntilAsync(() => !NativeSignals.IsAlive(agent) && !NativeSignals.IsAlive(child), TimeSpan.FromSeconds(5), "cancelled agent and child gone");
    }

    [Fact]
    public async Task A_wrong_exit_code_is_reported_with_the_code_and_the_agents_own_words()
    {
        var resource = AgentLab.Misbehave("wrongrc", _work, ("monitor_mode", "rc:42"));

        var result = await _runner.RunAsync(resource, AgentAction.Monitor, Ample, CancellationToken.None);

        AgentLab.AssertStatus(AgentStatus.UnknownExitCode, result);
        Assert.Equal(42, result.ExitCode);
        Assert.Matches(@"^monitor of wrongrc: unknown exit code 42 in [0-9.]+ s; stderr: Misbehave: monitor returns 42 on purpose$", result.Message);
    }

    [Theory]
    [InlineData("rc:1", AgentStatus.GenericError, "generic error (1)")]
    [InlineData("rc:5", AgentStatus.NotInstalled, "not installed (5)")]
    [InlineData("rc:6", AgentStatus.NotConfigured, "not configured (6)")]
    public async Task A_failing_start_is_reported_with_its_ocf_meaning(string mode, AgentStatus status, string meaning)
    {
        var resource = AgentLab.Misbehave("badstart", _work, ("start_mode", mode));

        var result = await _runner.RunAsync(resource, AgentAction.Start, Ample, CancellationToken.None);

        AgentLab.AssertStatus(status, result);
        Assert.StartsWith($"start of badstart: {meaning} in ", result.Message, StringComparison.Ordinal);
        Assert.EndsWith($"stderr: Misbehave: start returns {mode[3..]} on purpose", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rc:1", AgentStatus.GenericError, "stop of badstop failed: generic error (1)")]
    [InlineData("hang", AgentStatus.TimedOut, "stop of badstop timed out after 1 s")]
    public async Task A_failed_stop_is_reported_and_the_core_escalates(string mode, AgentStatus status, string why)
    {
        var resource = AgentLab.Misbehave("badstop", _work, ("stop_mode", mode));
        AgentLab.AssertStatus(AgentStatus.Ok, await _runner.RunAsync(resource, AgentAction.Start, Ample, CancellationToken.None));

        var result = await _runner.RunAsync(resource, AgentAction.Stop, Short, CancellationToken.None);
        AgentLab.AssertStatus(status, result);
        if (mode == "hang")
        {
            await Remember(AgentLab.ReadPidAsync(resource.Params["pidfile"]));
            await Remember(AgentLab.ReadPidAsync(resource.Params["pidfile"] + ".child"));
        }

        // The same result in the resource state machine: stop failed, escalate, and the group must move.
        var now = TimeSpan.FromHours(3);
        var state = (ResourceState.Initial(resource with { Timeouts = ResourceTimeouts.Default with { Stop = Short } }) with { Status = ResourceStatus.Started })
            .BeginStop(now).State;
        var t = state.Complete(result, now);
        Assert.True(t.State.StopFailed);
        Assert.True(t.State.NeedsMove);
        var escalate = Assert.Single(t.Effects, e => e.Kind == ResourceEffectKind.StopFailed);
        Assert.StartsWith(why, escalate.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(resource.Params["state"]), "the state file is still there: the resource may still run");
    }

    [Fact]
    public async Task Output_is_captured_and_capped_at_64_KiB()
    {
        var resource = AgentLab.Misbehave("flood", _work, ("start_mode", "flood"));

        var result = await _runner.RunAsync(resource, AgentAction.Start, Ample, CancellationToken.None);

        AgentLab.AssertStatus(AgentStatus.Ok, result);
        Assert.Equal(64 * 1024, result.Stdout.Length);
        Assert.True(result.OutputTruncated);
        Assert.All(result.Stdout, c => Assert.Equal('x', c));
    }

    [Fact]
    public async Task A_child_left_holding_stdout_does_not_hold_up_the_result_and_is_not_killed()
    {
        var resource = AgentLab.Misbehave("leak", _work, ("start_mode", "leak"));
        // A long drain cap: the result must come once the pipes fall quiet (IPaddr2's background send_arp holds them
        // the same way), not when the cap runs out.
        var runner = new OcfAgentRunner(new AgentRunnerOptions { OcfRoot = AgentLab.TestOcfRoot, OutputDrain = TimeSpan.FromSeconds(4) });

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await runner.RunAsync(resource, AgentAction.Start, Ample, CancellationToken.None);
        var total = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        AgentLab.AssertStatus(AgentStatus.Ok, result);
        Assert.True(result.Duration < TimeSpan.FromSeconds(5), result.Message);
        Assert.True(total - result.Duration < TimeSpan.FromSeconds(2), $"the result came {(total - result.Duration).TotalMilliseconds:0} ms after the agent exited (drain cap 4 s)");
        var child = await Remember(AgentLab.ReadPidAsync(resource.Params["pidfile"] + ".child"));
        Assert.True(NativeSignals.IsAlive(child), "a started service's processes survive a successful start");
    }

    [Fact]
    public async Task Stdin_is_at_end_of_file()
    {
        var resource = AgentLab.Misbehave("stdin", _work, ("start_mode", "stdin"));

        var result = await _runner.RunAsync(resource, AgentAction.Start, TimeSpan.FromSeconds(10), CancellationToken.None);

        AgentLab.AssertStatus(AgentStatus.Ok, result);
    }

    [Fact]
    public async Task The_agent_sees_the_ocf_environment_with_lc_all_c_and_nothing_inherited_from_ocf()
    {
        var envfile = Path.Combine(_work, "env");
        var resource = AgentLab.Misbehave("envtest", _work, ("envfile", envfile), ("color", "blue"));
        Environment.SetEnvironmentVariable("OCF_RESKEY_inherited", "should-not-pass");
        Environment.SetEnvironmentVariable("LC_MESSAGES", "de_DE.UTF-8");
        try
        {
            AgentLab.AssertStatus(AgentStatus.NotRunning, await _runner.RunAsync(resource, AgentAction.Monitor, TimeSpan.FromSeconds(1.5), CancellationToken.None));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OCF_RESKEY_inherited", null);
            Environment.SetEnvironmentVariable("LC_MESSAGES", null);
        }

        var env = File.ReadAllLines(envfile).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);

        Assert.Equal("C", env["LC_ALL"]);
        Assert.Equal("C", env["LANG"]);
        Assert.False(env.ContainsKey("LC_MESSAGES"));
        Assert.Equal(AgentLab.TestOcfRoot, env["OCF_ROOT"]);
        Assert.Equal("envtest", env["OCF_RESOURCE_INSTANCE"]);
        Assert.Equal("Misbehave", env["OCF_RESOURCE_TYPE"]);
        Assert.Equal("splitguard", env["OCF_RESOURCE_PROVIDER"]);
        Assert.Equal("1", env["OCF_RA_VERSION_MAJOR"]);
        Assert.Equal("blue", env["OCF_RESKEY_color"]);
        Assert.Equal(resource.Params["state"], env["OCF_RESKEY_state"]);
        Assert.Equal("1500", env["OCF_RESKEY_CRM_meta_timeout"]);
        Assert.Equal("10000", env["OCF_RESKEY_CRM_meta_interval"]);
        Assert.False(env.ContainsKey("OCF_RESKEY_inherited"));
        Assert.Contains("/usr/bin", env["PATH"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_agent_is_not_installed_and_a_non_executable_one_lacks_privileges()
    {
        var missing = new ResourceConfig { Name = "ghost", Agent = AgentSpec.Ocf("splitguard", "NoSuchAgent") };
        var result = await _runner.RunAsync(missing, AgentAction.Monitor, Ample, CancellationToken.None);
        AgentLab.AssertStatus(AgentStatus.NotInstalled, result);
        Assert.Null(result.ExitCode);
        Assert.Equal($"monitor of ghost: agent {AgentLab.TestOcfRoot}/resource.d/splitguard/NoSuchAgent not found (is the package that provides it installed? OCF_ROOT is {AgentLab.TestOcfRoot})", result.Message);

        var root = Path.Combine(_work, "ocf");
        var dir = Directory.CreateDirectory(Path.Combine(root, "resource.d", "local")).FullName;
        File.Copy(Path.Combine(AgentLab.TestOcfRoot, "resource.d", "splitguard", "Misbehave"), Path.Combine(dir, "NoExec"));
        File.SetUnixFileMode(Path.Combine(dir, "NoExec"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var runner = new OcfAgentRunner(new AgentRunnerOptions { OcfRoot = root });
        var noExec = await runner.RunAsync(new ResourceConfig { Name = "noexec", Agent = AgentSpec.Ocf("local", "NoExec") }, AgentAction.Start, Ample, CancellationToken.None);
        AgentLab.AssertStatus(AgentStatus.InsufficientPrivileges, noExec);
        Assert.EndsWith("is not executable (chmod +x)", noExec.Message, StringComparison.Ordinal);

        var script = await new ScriptAgentRunner().RunAsync(new ResourceConfig { Name = "s", Agent = AgentSpec.Script("/nonexistent/pha.sh") }, AgentAction.Monitor, Ample, CancellationToken.None);
        AgentLab.AssertStatus(AgentStatus.NotInstalled, script);
        Assert.Equal("check of s: agent /nonexistent/pha.sh not found", script.Message);
    }

    [Fact]
    public async Task A_script_with_a_bad_interpreter_could_not_run()
    {
        var path = Path.Combine(_work, "bad-interpreter.sh");
        await File.WriteAllTextAsync(path, "#!/nonexistent/shell\nexit 0\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = await new ScriptAgentRunner().RunAsync(new ResourceConfig { Name = "bad", Agent = AgentSpec.Script(path) }, AgentAction.Start, Ample, CancellationToken.None);

        AgentLab.AssertStatus(AgentStatus.CouldNotRun, result);
        Assert.StartsWith("start of bad could not run: setsid: failed to execute", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dispatching_runner_picks_the_runner_by_kind_and_a_runner_refuses_other_kinds()
    {
        var runner = new AgentRunner(new AgentRunnerOptions { OcfRoot = AgentLab.TestOcfRoot });
        var ocf = AgentLab.Misbehave("dispatch", _work);
        var script = new ResourceConfig { Name = "dispatch-script", Agent = AgentSpec.Script(AgentLab.PhaScript), Params = new Dictionary<string, string> { ["statedir"] = _work } };

        AgentLab.AssertStatus(AgentStatus.NotRunning, await runner.RunAsync(ocf, AgentAction.Monitor, Ample, CancellationToken.None));
        var check = await runner.RunAsync(script, AgentAction.Monitor, Ample, CancellationToken.None);
        AgentLab.AssertStatus(AgentStatus.NotRunning, check);
        Assert.Equal(1, check.ExitCode);
        await Assert.ThrowsAsync<ArgumentException>(() => _runner.RunAsync(script, AgentAction.Monitor, Ample, CancellationToken.None));
    }

    public void Dispose()
    {
        foreach (var pid in _pids)
        {
            AgentLab.KillIfAlive(pid);
        }

        Directory.Delete(_work, recursive: true);
    }

    private async Task<int> Remember(Task<int> pid)
    {
        var value = await pid;
        _pids.Add(value);
        return value;
    }
}
