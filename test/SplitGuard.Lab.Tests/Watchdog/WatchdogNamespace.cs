using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using SplitGuard.Lab.Tests.Infrastructure;

namespace SplitGuard.Lab.Tests.Watchdog;

/// <summary>
/// One network namespace standing for a node whose watchdog the lab stand-in guards: named
/// "sgwd" + 4 random hex digits + "-" + the test process's pid, with a veth pair (wd0, wd1) inside, both up. Disposing
/// kills whatever runs in it and deletes it; a process-exit handler does the same, and namespaces left by a test
/// process that died (SIGKILL) are deleted by the next <see cref="CreateAsync"/>. Names never start like
/// <see cref="LabNetwork"/>'s ("sg" + 4 hex digits), so neither sweeps the other's.
/// </summary>
public sealed class WatchdogNamespace : IAsyncDisposable
{
    private const string Prefix = "sgwd";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);
    private static readonly ConcurrentDictionary<string, WatchdogNamespace> Live = new();
    private static readonly object HandlerLock = new();
    private static bool _handlerInstalled;
    private int _disposed;

    private WatchdogNamespace(string name, string workDir)
    {
        Name = name;
        WorkDir = workDir;
    }

    /// <summary>The namespace's name.</summary>
    public string Name { get; }

    /// <summary>.lab/&lt;name&gt; in the repository: the stand-in's FIFO and log, process output.</summary>
    public string WorkDir { get; }

    /// <summary>The links the stand-in must take down on a reset.</summary>
    public static IReadOnlyList<string> Links => ["wd0", "wd1"];

    /// <summary>Builds the namespace. Fails (never skips) when the lab cannot run here.</summary>
    public static async Task<WatchdogNamespace> CreateAsync()
    {
        LabRequirements.Ensure();
        InstallHandler();
        await SweepOrphansAsync().ConfigureAwait(false);
        var name = $"{Prefix}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
        await RunAsync(["netns", "add", name]).ConfigureAwait(false);
        var workDir = Path.Combine(LabPaths.WorkRoot, name);
        var created = new WatchdogNamespace(name, workDir);
        Live[name] = created;
        try
        {
            Directory.CreateDirectory(workDir);
            await RunAsync(["-n", name, "link", "add", "wd0", "type", "veth", "peer", "name", "wd1"]).ConfigureAwait(false);
            foreach (var link in new[] { "lo", "wd0", "wd1" })
            {
                await RunAsync(["-n", name, "link", "set", "dev", link, "up"]).ConfigureAwait(false);
            }
        }
        catch
        {
            await created.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return created;
    }

    /// <summary>Starts <paramref name="command"/> inside the namespace; its output goes to WorkDir/<paramref name="label"/>.log.</summary>
    public NamespaceProcess Start(string label, IReadOnlyList<string> command) =>
        NamespaceProcess.Start(Name, command, Path.Combine(WorkDir, label + ".log"));

    /// <summary>The pids of every process in the namespace (`ip netns pids`).</summary>
    public async Task<IReadOnlyList<int>> PidsAsync()
    {
        var result = await RunAsync(["netns", "pids", Name]).ConfigureAwait(false);
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture))
            .ToList();
    }

    /// <summary>Whether each non-loopback link is administratively up, from `ip -j link show`.</summary>
    public async Task<IReadOnlyDictionary<string, bool>> LinksUpAsync()
    {
        var result = await RunAsync(["-n", Name, "-j", "link", "show"]).ConfigureAwait(false);
        using var json = JsonDocument.Parse(result.Stdout);
        var links = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var link in json.RootElement.EnumerateArray())
        {
            var name = link.GetProperty("ifname").GetString() ?? string.Empty;
            if (name != "lo")
            {
                links[name] = link.GetProperty("flags").EnumerateArray().Any(f => f.GetString() == "UP");
            }
        }

        return links;
    }

    /// <summary>Kills what still runs inside, deletes the namespace and its work directory (kept with SPLITGUARD_LAB_KEEP=1).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await DeleteAsync(Name).ConfigureAwait(false);
        Live.TryRemove(Name, out _);
        if (Environment.GetEnvironmentVariable("SPLITGUARD_LAB_KEEP") != "1")
        {
            try
            {
                Directory.Delete(WorkDir, recursive: true);
            }
            catch (IOException)
            {
                // best effort: a stray writer may still hold a file
            }
        }
    }

    private static async Task DeleteAsync(string name)
    {
        for (var round = 0; round < 20; round++)
        {
            var pids = await RunAsync(["netns", "pids", name], check: false).ConfigureAwait(false);
            var list = pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (!pids.Succeeded || list.Length == 0)
            {
                break;
            }

            foreach (var pid in list)
            {
                NativeSignals.Send(int.Parse(pid, CultureInfo.InvariantCulture), NativeSignals.SigKill);
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        await RunAsync(["netns", "del", name], check: false).ConfigureAwait(false);
    }

    private static async Task SweepOrphansAsync()
    {
        var list = await RunAsync(["netns", "list"], check: false).ConfigureAwait(false);
        foreach (var line in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            var dash = name.LastIndexOf('-');
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && dash == Prefix.Length + 4
                && int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                && owner != Environment.ProcessId && !NativeSignals.IsAlive(owner))
            {
                await DeleteAsync(name).ConfigureAwait(false);
            }
        }
    }

    private static async Task<ProcessResult> RunAsync(IEnumerable<string> args, bool check = true)
    {
        var result = await ProcessRunner.RunAsync("ip", args, CommandTimeout).ConfigureAwait(false);
        return check ? result.EnsureSuccess() : result;
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
                foreach (var name in Live.Keys.ToList())
                {
                    try
                    {
                        DeleteAsync(name).GetAwaiter().GetResult();
                    }
                    catch (Exception)
                    {
                        // best effort while the process exits
                    }
                }
            };
            _handlerInstalled = true;
        }
    }
}
