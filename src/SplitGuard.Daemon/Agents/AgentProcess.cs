using System.ComponentModel;
using System.Diagnostics;

namespace SplitGuard.Daemon.Agents;

/// <summary>
/// Runs one agent command the way every agent runs: through setsid (a new session, so the agent and all it
/// spawns share one process group whose id is the agent's pid), in <c>/</c>, with <c>LC_ALL=C</c>, no inherited
/// <c>OCF_*</c> variables, stdin at end of file, and stdout and stderr captured up to a cap. On timeout or
/// cancellation the whole process group gets SIGKILL. Processes that leave the group (their own setsid) are not
/// followed here; with <see cref="AgentCommand.Cgroup"/> the agent first joins its resource's cgroup, which they
/// cannot leave, and the resource manager kills and checks that.
/// </summary>
public static class AgentProcess
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>What the cgroup wrapper prints on stderr when it cannot join the cgroup (it then exits 126 without running the agent).</summary>
    public const string CgroupJoinFailure = "splitguard: cannot join cgroup";

    // The wrapper writes its own pid into each cgroup.procs and only then execs setsid and the agent: the kernel moves
    // a process before anything it runs can fork, so nothing escapes the cgroup (no window as with moving it after
    // start). $1 is the number of files, then the files, then the command. dash starts in about a millisecond.
    private const string JoinScript =
        "n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ 2>/dev/null >\"$1\" || { echo \"" + CgroupJoinFailure + " $1\" >&2; exit 126; }; shift; n=$((n-1)); done; exec \"$@\"";

    /// <summary>Runs <paramref name="command"/>; never throws except for a null argument.</summary>
    public static async Task<AgentProcessOutcome> RunAsync(
        AgentCommand command,
        TimeSpan timeout,
        AgentRunnerOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(options);
        var started = Stopwatch.GetTimestamp();
        using var process = new Process { StartInfo = StartInfo(command, options) };
        try
        {
            if (!process.Start())
            {
                return new AgentProcessOutcome { StartError = $"could not start {options.SetsidPath}", Duration = Stopwatch.GetElapsedTime(started) };
            }
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return new AgentProcessOutcome { StartError = $"could not start {options.SetsidPath} {command.Executable}: {e.Message}", Duration = Stopwatch.GetElapsedTime(started) };
        }

        // setsid made the agent a session and process group leader: its pid is the group id.
        var pgid = process.Id;
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the agent exited already and closed its end
        }

        using var readCts = new CancellationTokenSource();
        var stdoutCapture = OutputCapture.Start(process.StandardOutput.BaseStream, options.OutputLimit, readCts.Token);
        var stderrCapture = OutputCapture.Start(process.StandardError.BaseStream, options.OutputLimit, readCts.Token);

        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
        var timedOut = false;
        var cancelled = false;
        string? killProblem = null;
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cancelled = cancellationToken.IsCancellationRequested;
            timedOut = !cancelled;
            killProblem = await KillAsync(process, pgid, options.KillWait).ConfigureAwait(false);
        }

        var duration = Stopwatch.GetElapsedTime(started);

        // Output already written is in the pipes. Children that kept the pipes open (IPaddr2's background send_arp)
        // are read while they keep writing, up to the drain time, and the pipes are closed once they fall quiet for
        // OutputQuiet: waiting for their end of file would delay every start by the whole drain.
        var readers = Task.WhenAll(stdoutCapture.Completion, stderrCapture.Completion);
        var drainEnd = Stopwatch.GetTimestamp() + (long)(options.OutputDrain.TotalSeconds * Stopwatch.Frequency);
        while (!readers.IsCompleted && Stopwatch.GetTimestamp() < drainEnd)
        {
            var seen = stdoutCapture.Received + stderrCapture.Received;
            await Task.WhenAny(readers, Task.Delay(options.OutputQuiet, CancellationToken.None)).ConfigureAwait(false);
            if (stdoutCapture.Received + stderrCapture.Received == seen)
            {
                break;
            }
        }

        readCts.Cancel();
        await Task.WhenAny(readers, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
        var (stdout, stdoutCut) = stdoutCapture.Snapshot();
        var (stderr, stderrCut) = stderrCapture.Snapshot();

        int? exitCode = null;
        if (!timedOut && !cancelled && process.HasExited)
        {
            exitCode = process.ExitCode;
        }

        return new AgentProcessOutcome
        {
            ExitCode = exitCode,
            TimedOut = timedOut,
            Cancelled = cancelled,
            ProcessGroup = pgid,
            KillProblem = killProblem,
            Stdout = stdout,
            Stderr = stderr,
            Truncated = stdoutCut || stderrCut,
            Duration = duration,
        };
    }

    private static ProcessStartInfo StartInfo(AgentCommand command, AgentRunnerOptions options)
    {
        var psi = new ProcessStartInfo(command.Cgroup.Count > 0 ? "/bin/sh" : options.SetsidPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        if (command.Cgroup.Count > 0)
        {
            // sh is not a process group leader (Process.Start does not make it one), so setsid after exec does not
            // fork: the agent keeps sh's pid, which stays its process group id as without the wrapper.
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(JoinScript);
            psi.ArgumentList.Add("splitguard-cgroup");
            psi.ArgumentList.Add(command.Cgroup.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var file in command.Cgroup)
            {
                psi.ArgumentList.Add(file);
            }

            psi.ArgumentList.Add(options.SetsidPath);
        }

        psi.ArgumentList.Add(command.Executable);
        foreach (var argument in command.Arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        var env = psi.Environment;
        foreach (var key in env.Keys.Where(k => k.StartsWith("OCF_", StringComparison.Ordinal) || k.StartsWith("LC_", StringComparison.Ordinal)).ToList())
        {
            env.Remove(key);
        }

        env.Remove("LANGUAGE");
        env["LANG"] = "C";
        env["LC_ALL"] = "C";
        if (!env.TryGetValue("PATH", out var path) || string.IsNullOrEmpty(path))
        {
            env["PATH"] = DefaultPath;
        }

        foreach (var (key, value) in command.Environment)
        {
            env[key] = value;
        }

        return psi;
    }

    /// <summary>SIGKILL to the group (and the leader, in case setsid had not yet made the group), then wait to reap it.</summary>
    private static async Task<string?> KillAsync(Process process, int pgid, TimeSpan wait)
    {
        var problem = ProcessGroups.KillGroup(pgid);
        try
        {
            // The leader too, in case setsid had not yet made the group when the timeout fired.
            process.Kill();
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // already exited
        }

        using var waitCts = new CancellationTokenSource(wait);
        try
        {
            await process.WaitForExitAsync(waitCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            problem = (problem is null ? string.Empty : problem + "; ")
                + $"process {pgid} still runs {wait.TotalSeconds:0.#} s after SIGKILL (uninterruptible sleep?)";
        }

        return problem;
    }
}
