using System.Diagnostics;
using System.Globalization;
using SplitGuard.Lab.Tests.Infrastructure;

namespace SplitGuard.Lab.Tests.Watchdog;

/// <summary>
/// lab/watchdog-standin.py running in the root namespace (outside the node it guards, so freezing or killing the node
/// does not touch it), with its FIFO and log in the namespace's work directory.
/// </summary>
public sealed class StandInProcess : IAsyncDisposable
{
    private readonly Process _process;

    private StandInProcess(Process process, string device, string logPath, TimeSpan timeout)
    {
        _process = process;
        Device = device;
        LogPath = logPath;
        Timeout = timeout;
    }

    /// <summary>The FIFO the node's petter (or the daemon's watchdog) opens.</summary>
    public string Device { get; }

    /// <summary>The stand-in's event log (one line per event).</summary>
    public string LogPath { get; }

    /// <summary>Its timeout, as given on its command line.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Starts it for <paramref name="node"/> and waits until its FIFO exists.</summary>
    public static Task<StandInProcess> StartAsync(WatchdogNamespace node, TimeSpan timeout) =>
        StartAsync(node.Name, node.WorkDir, string.Empty, timeout);

    /// <summary>
    /// Starts it for network namespace <paramref name="netns"/>: FIFO <c>watchdog{tag}</c>, log
    /// <c>standin-events{tag}.log</c> in <paramref name="workDir"/>; waits until the FIFO exists.
    /// </summary>
    public static async Task<StandInProcess> StartAsync(string netns, string workDir, string tag, TimeSpan timeout)
    {
        var script = Path.Combine(LabPaths.LabDir, "watchdog-standin.py");
        if (!File.Exists(script))
        {
            throw new LabUnavailableException($"the watchdog stand-in {script} is missing");
        }

        var device = Path.Combine(workDir, "watchdog" + tag);
        var log = Path.Combine(workDir, $"standin-events{tag}.log");
        var output = Path.Combine(workDir, $"standin{tag}.out");
        var psi = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var a in new[]
        {
            "sh", "-c", "exec \"$@\" </dev/null >>\"$SG_LAB_OUTPUT\" 2>&1", "sh",
            "/usr/bin/python3", script, "--device", device,
            "--timeout", timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture), "--netns", netns, "--log", log,
        })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["SG_LAB_OUTPUT"] = output;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the watchdog stand-in");
        var standIn = new StandInProcess(process, device, log, timeout);
        try
        {
            await Polling.WaitUntilAsync(
                () => standIn.Events().Any(e => e.Name == "listening") && File.Exists(device),
                TimeSpan.FromSeconds(20),
                $"the watchdog stand-in to listen on {device} (its output: {ReadOrEmpty(output)})").ConfigureAwait(false);
        }
        catch
        {
            await standIn.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return standIn;
    }

    /// <summary>Every event logged so far.</summary>
    public IReadOnlyList<StandInEvent> Events() =>
        ReadOrEmpty(LogPath).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(StandInEvent.Parse).ToList();

    /// <summary>The log as text, for failure messages.</summary>
    public string Log() => ReadOrEmpty(LogPath);

    /// <summary>SIGTERM, then SIGKILL after 5 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            NativeSignals.Send(_process.Id, NativeSignals.SigTerm);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                NativeSignals.Send(_process.Id, NativeSignals.SigKill);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        _process.Dispose();
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return string.Empty;
        }
    }
}

/// <summary>One line of the stand-in's log: "&lt;UTC&gt; mono=&lt;seconds&gt; &lt;event&gt; key=value ...".</summary>
public sealed record StandInEvent(string Name, double Mono, IReadOnlyDictionary<string, string> Fields, string Line)
{
    public static StandInEvent Parse(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var fields = parts.Skip(3).Select(p => p.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        return new StandInEvent(parts[2], double.Parse(parts[1]["mono=".Length..], CultureInfo.InvariantCulture), fields, line);
    }

    /// <summary>A field as a list of pids or links ("-" is empty).</summary>
    public IReadOnlyList<string> List(string key) =>
        Fields.TryGetValue(key, out var v) && v != "-" ? v.Split(',') : [];
}
