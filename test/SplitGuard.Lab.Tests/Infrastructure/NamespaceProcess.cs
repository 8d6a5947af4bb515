using System.Collections.Concurrent;
using System.Diagnostics;

namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>
/// A long-running command inside a network namespace (`ip netns exec`), in a process group of its own,
/// with stdout and stderr appended to a file. The shell and `ip` exec into the command, so
/// <see cref="Pid"/> is the command's own pid. Disposing stops it: SIGTERM, then SIGKILL to its group
/// after the grace period. A process-exit handler kills whatever is still running.
/// </summary>
public sealed class NamespaceProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, NamespaceProcess> Live = new();
    private static readonly object HandlerLock = new();
    private static bool _handlerInstalled;

    private readonly Process _process;

    private NamespaceProcess(Process process, string netns, string outputPath, string commandLine)
    {
        _process = process;
        Namespace = netns;
        OutputPath = outputPath;
        CommandLine = commandLine;
        Pid = process.Id;
    }

    /// <summary>The command's pid (also its process group id).</summary>
    public int Pid { get; }

    /// <summary>The namespace it runs in.</summary>
    public string Namespace { get; }

    /// <summary>The file receiving its stdout and stderr.</summary>
    public string OutputPath { get; }

    /// <summary>The command line, for messages.</summary>
    public string CommandLine { get; }

    /// <summary>True once it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code once exited (128 + signal number when a signal ended it), else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Starts <paramref name="command"/> in <paramref name="netns"/>, appending its output to <paramref name="outputPath"/>.</summary>
    public static NamespaceProcess Start(
        string netns,
        IReadOnlyList<string> command,
        string outputPath,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        if (command.Count == 0)
        {
            throw new ArgumentException("empty command", nameof(command));
        }

        InstallHandler();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        var psi = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var a in new[] { "sh", "-c", "exec \"$@\" </dev/null >>\"$SG_LAB_OUTPUT\" 2>&1", "sh", "ip", "netns", "exec", netns })
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var a in command)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["SG_LAB_OUTPUT"] = Path.GetFullPath(outputPath);
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        var commandLine = $"ip netns exec {netns} {string.Join(' ', command.Select(ProcessRunner.Quote))}";
        var process = System.Diagnostics.Process.Start(psi)
            ?? throw new InvalidOperationException($"could not start `{commandLine}`");
        var started = new NamespaceProcess(process, netns, outputPath, commandLine);
        Live[started.Pid] = started;
        return started;
    }

    /// <summary>Everything it wrote so far.</summary>
    public string ReadOutput()
    {
        try
        {
            using var stream = new FileStream(OutputPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return string.Empty;
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of its output, for failure messages.</summary>
    public string OutputTail(int lines = 40)
    {
        var all = ReadOutput().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines - 1)));
    }

    /// <summary>Sends <paramref name="signal"/> to the process; false if it is gone.</summary>
    public bool Signal(int signal) => !HasExited && NativeSignals.Send(Pid, signal);

    /// <summary>SIGSTOP (FAULTS.md F2/F3 pause).</summary>
    public bool Pause() => Signal(NativeSignals.SigStop);

    /// <summary>SIGCONT.</summary>
    public bool Resume() => Signal(NativeSignals.SigCont);

    /// <summary>Waits until it exits; returns its exit code, or null if <paramref name="timeout"/> passed first.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>SIGTERM (after SIGCONT, in case it is paused), wait up to <paramref name="grace"/>
    /// (default 10 s), then SIGKILL to its process group. Returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? grace = null)
    {
        if (!HasExited)
        {
            NativeSignals.Send(Pid, NativeSignals.SigTerm);
            NativeSignals.Send(Pid, NativeSignals.SigCont);
        }

        var code = await WaitForExitAsync(grace ?? TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (code is null)
        {
            NativeSignals.SendToGroup(Pid, NativeSignals.SigKill);
            NativeSignals.Send(Pid, NativeSignals.SigKill);
            code = await WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"`{CommandLine}` (pid {Pid}) survived SIGKILL");
        }

        // children it left in its group go too
        NativeSignals.SendToGroup(Pid, NativeSignals.SigKill);
        Live.TryRemove(Pid, out _);
        return code.Value;
    }

    /// <summary>Stops it (see <see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static void InstallHandler()
    {
        lock (HandlerLock)
        {
            if (_handlerInstalled)
            {
                return;
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                foreach (var pid in Live.Keys.ToList())
                {
                    NativeSignals.SendToGroup(pid, NativeSignals.SigKill);
                    NativeSignals.Send(pid, NativeSignals.SigKill);
                }
            };
            _handlerInstalled = true;
        }
    }
}
