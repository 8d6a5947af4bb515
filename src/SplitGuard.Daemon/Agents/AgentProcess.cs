using System.ComponentModel;
using System.Diagnostics;

namespace SplitGuard.Daemon.Agents;

/// <summary>
/// Runs one agent command the way every agent runs: through setsid (a new session, so the agent and all it
/// spawns share one process group whose id is the agent's pid), in <c>/</c>, with <c>LC_ALL=C</c>, no inherited
/// <c>OCF_*</c> variables, stdin at end of file, and stdout and stderr captured up to a cap. On timeout or
/// cancellation the whole process group gets SIGKILL. Processes that leave the group (their own setsid) are not
/// followed.
/// </summary>
public static class AgentProcess
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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
        var psi = new ProcessStartInfo(options.SetsidPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
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
