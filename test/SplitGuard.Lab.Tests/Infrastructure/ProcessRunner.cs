using System.Diagnostics;
using System.Text;

namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>
/// Runs a command to completion with a timeout. The command starts in a process group of its own
/// (through setsid), and on timeout or cancellation that whole group is killed with SIGKILL, so
/// children a script left behind go too.
/// </summary>
public static class ProcessRunner
{
    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/>; never throws for a non-zero exit.</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var args = arguments.ToList();
        var command = string.Join(' ', new[] { fileName }.Concat(args).Select(Quote));
        var psi = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(fileName);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }

        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        var watch = Stopwatch.StartNew();
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start `{command}`");
        }

        // setsid makes the child a session and group leader: its pid is the group id.
        var pgid = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            NativeSignals.SendToGroup(pgid, NativeSignals.SigKill);
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(drain.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // a grandchild outside the group still holds the pipes: report what we have
            }
        }

        watch.Stop();
        cancellationToken.ThrowIfCancellationRequested();
        int exitCode;
        try
        {
            exitCode = process.HasExited ? process.ExitCode : -1;
        }
        catch (InvalidOperationException)
        {
            exitCode = -1;
        }

        string outText;
        string errText;
        lock (stdout)
        {
            outText = stdout.ToString();
        }

        lock (stderr)
        {
            errText = stderr.ToString();
        }

        return new ProcessResult(command, exitCode, outText, errText, timedOut, watch.Elapsed);
    }

    /// <summary>Same as <see cref="RunAsync"/>, blocking; for process-exit handlers.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout) =>
        RunAsync(fileName, arguments, timeout).GetAwaiter().GetResult();

    /// <summary>Quotes one argument for display (shell-like).</summary>
    public static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            sb.Append(line).Append('\n');
        }
    }
}
