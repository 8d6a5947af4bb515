using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SplitGuard.Daemon.Api;

namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>Settings of a <see cref="LabCluster"/>: one udp link (id 1) and one icmp link via the witness (id 2).</summary>
public sealed record LabClusterOptions
{
    /// <summary>Heartbeat interval of both links, in seconds.</summary>
    public double Interval { get; init; } = 0.05;

    /// <summary>maxloss of both links.</summary>
    public int MaxLoss { get; init; } = 5;

    public int UdpPort { get; init; } = 5405;

    public string LogLevel { get; init; } = "INFO";

    /// <summary>The udp link's id.</summary>
    public const int UdpLink = 1;

    /// <summary>The icmp link's id.</summary>
    public const int IcmpLink = 2;

    /// <summary>The cluster id.</summary>
    public const int ClusterId = 1;
}

/// <summary>One line of a daemon's log file.</summary>
public sealed record LogEntry(DateTimeOffset Time, int EventId, string Text);

/// <summary>
/// Two real SplitGuard daemons (n1 = node 1, n2 = node 2) in their own <see cref="LabNetwork"/> with a witness
/// namespace whose kernel alone answers ICMP. One configuration file for both (per-node paths with {node}),
/// a key made by `splitguard keygen`. Status is read through the control socket (cheap, for polling) or with
/// `splitguard status --json` in the node's namespace. Disposing stops the daemons and tears the lab down.
/// </summary>
public sealed partial class LabCluster : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> NodeNames = ["n1", "n2"];

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly Dictionary<string, SplitGuardProcess> _daemons = new(StringComparer.Ordinal);
    private int _disposed;

    private LabCluster(LabNetwork lab, LabClusterOptions options, string configPath, string keyPath)
    {
        Lab = lab;
        Options = options;
        ConfigPath = configPath;
        KeyPath = keyPath;
    }

    public LabNetwork Lab { get; }

    public LabClusterOptions Options { get; }

    public string ConfigPath { get; }

    public string KeyPath { get; }

    /// <summary>The daemon of n1 or n2.</summary>
    public SplitGuardProcess Daemon(string node) => _daemons[node];

    /// <summary>interval x (maxloss + 1): the bound within which a cut must be reported.</summary>
    public TimeSpan DetectionBound => TimeSpan.FromSeconds(Options.Interval * (Options.MaxLoss + 1));

    /// <summary>Builds the lab, writes key and config, starts both daemons and waits until every link is in service.</summary>
    public static async Task<LabCluster> StartAsync(LabClusterOptions? options = null)
    {
        options ??= new LabClusterOptions();
        var lab = await LabNetwork.CreateAsync(nodes: 2).ConfigureAwait(false);
        LabCluster? cluster = null;
        try
        {
            var keyPath = Path.Combine(lab.WorkDir, "authkey");
            await KeygenAsync(keyPath).ConfigureAwait(false);
            var configPath = Path.Combine(lab.WorkDir, "cluster.json");
            await File.WriteAllTextAsync(configPath, BuildConfig(lab, options, keyPath).ToJsonString(new JsonSerializerOptions { WriteIndented = true }))
                .ConfigureAwait(false);
            cluster = new LabCluster(lab, options, configPath, keyPath);
            foreach (var node in NodeNames)
            {
                cluster._daemons[node] = SplitGuardProcess.Start(lab, node, configPath);
            }

            await cluster.WaitForAsync(s => s.Values.All(x => x.AllInService), TimeSpan.FromSeconds(30), "both daemons report every link in service")
                .ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await lab.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>`splitguard keygen PATH` (a 0600 file).</summary>
    public static async Task KeygenAsync(string path)
    {
        var result = await ProcessRunner.RunAsync(LabPaths.SplitGuardCommand[0], [.. LabPaths.SplitGuardCommand.Skip(1), "keygen", path], TimeSpan.FromSeconds(30))
            .ConfigureAwait(false);
        result.EnsureSuccess();
    }

    /// <summary>The lab configuration: members n1 (1) and n2 (2), udp link 1, icmp link 2 via the witness, paths under the lab's work directory.</summary>
    public static JsonObject BuildConfig(LabNetwork lab, LabClusterOptions options, string keyPath)
    {
        JsonArray Ends() => new(
            new JsonObject { ["NodeID"] = 1, ["IP"] = lab.IpOf("n1") },
            new JsonObject { ["NodeID"] = 2, ["IP"] = lab.IpOf("n2") });

        var dir = lab.WorkDir;
        return new JsonObject
        {
            ["Cluster"] = new JsonArray(new JsonObject
            {
                ["ID"] = LabClusterOptions.ClusterId,
                ["Members"] = new JsonArray(
                    new JsonObject { ["ID"] = 1, ["Hostname"] = "n1" },
                    new JsonObject { ["ID"] = 2, ["Hostname"] = "n2" }),
                ["links"] = new JsonArray(
                    new JsonObject
                    {
                        ["ID"] = LabClusterOptions.UdpLink, ["type"] = "udp", ["interval"] = options.Interval, ["maxloss"] = options.MaxLoss,
                        ["Nodes"] = Ends(),
                    },
                    new JsonObject
                    {
                        ["ID"] = LabClusterOptions.IcmpLink, ["type"] = "icmp", ["interval"] = options.Interval, ["maxloss"] = options.MaxLoss,
                        ["ICMPIP"] = lab.WitnessIp, ["Nodes"] = Ends(),
                    }),
            }),
            ["System"] = new JsonObject { ["udp_port"] = options.UdpPort },
            ["Logging"] = new JsonObject { ["level"] = options.LogLevel, ["logfile"] = Path.Combine(dir, "{node}.log") },
            ["api"] = new JsonObject { ["socket"] = Path.Combine(dir, "{node}-api.sock") },
            ["Auth"] = new JsonObject { ["key_file"] = keyPath },
            ["Daemon"] = new JsonObject
            {
                ["pid_file"] = Path.Combine(dir, "{node}.pid"),
                ["control_socket"] = Path.Combine(dir, "{node}-control.sock"),
                ["state_dir"] = Path.Combine(dir, "{node}-state"),
            },
        };
    }

    /// <summary>The control socket of <paramref name="node"/>.</summary>
    public string ControlSocket(string node) => Path.Combine(Lab.WorkDir, $"{node}-control.sock");

    /// <summary>The log file of <paramref name="node"/>.</summary>
    public string LogPath(string node) => Path.Combine(Lab.WorkDir, $"{node}.log");

    /// <summary>Status of <paramref name="node"/> through its control socket (no process started).</summary>
    public Task<StatusSnapshot> StatusAsync(string node) =>
        Task.Run(() =>
        {
            var answer = ControlClient.Send(ControlSocket(node), new JsonObject { ["command"] = "status" }, TimeSpan.FromSeconds(5));
            return StatusSnapshot.Parse(node, answer);
        });

    /// <summary>Status of <paramref name="node"/> from `splitguard status --json` run in its namespace.</summary>
    public async Task<StatusSnapshot> CliStatusAsync(string node)
    {
        using var document = await _daemons[node].StatusAsync().ConfigureAwait(false);
        return StatusSnapshot.Parse(node, document);
    }

    /// <summary>Status of both nodes (control socket).</summary>
    public async Task<IReadOnlyDictionary<string, StatusSnapshot>> StatusAllAsync()
    {
        var tasks = NodeNames.Select(StatusAsync).ToArray();
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        return results.ToDictionary(s => s.Node, StringComparer.Ordinal);
    }

    /// <summary>Status of both nodes from `splitguard status --json`.</summary>
    public async Task<IReadOnlyDictionary<string, StatusSnapshot>> CliStatusAllAsync()
    {
        var results = new Dictionary<string, StatusSnapshot>(StringComparer.Ordinal);
        foreach (var node in NodeNames)
        {
            results[node] = await CliStatusAsync(node).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>
    /// Polls both nodes (control socket, every 20 ms) until <paramref name="condition"/> holds; returns those
    /// snapshots. Throws <see cref="TimeoutException"/> with the last status of both nodes, or at once if a daemon exited.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, StatusSnapshot>> WaitForAsync(
        Func<IReadOnlyDictionary<string, StatusSnapshot>, bool> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyDictionary<string, StatusSnapshot>? last = null;
        Exception? error = null;
        while (true)
        {
            EnsureRunning();
            try
            {
                last = await StatusAllAsync().ConfigureAwait(false);
                error = null;
                if (condition(last))
                {
                    return last;
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException or JsonException)
            {
                error = e;
            }

            if (watch.Elapsed >= timeout)
            {
                var state = last is null ? "no status read" : string.Join(Environment.NewLine, last.Values.Select(s => s.Summary()));
                var detail = error is null ? string.Empty : $"{Environment.NewLine}last error: {error.Message}";
                throw new TimeoutException(
                    $"timed out after {timeout.TotalSeconds:F1} s waiting until {what}{Environment.NewLine}{state}{detail}{Environment.NewLine}{await Lab.RulesAsync().ConfigureAwait(false)}");
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>Removes every fault and waits until both nodes report every link and path in service.</summary>
    public async Task<IReadOnlyDictionary<string, StatusSnapshot>> HealAndWaitAsync(TimeSpan? timeout = null)
    {
        await Lab.HealAsync().ConfigureAwait(false);
        await WarmAsync().ConfigureAwait(false);
        return await WaitForAsync(s => s.Values.All(x => x.AllInService), timeout ?? TimeSpan.FromSeconds(15), "every link and path is in service on both nodes")
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until each daemon's heartbeat threads are past their start-up warm-up (event 1005 SCHED_RR entered, or 1006
    /// could not) since its latest start (1000): a test of steady-state behaviour under load must not run into the first
    /// second, in which the heartbeats run at normal priority (docs/configuration.md, realtime_priority).
    /// </summary>
    public Task WarmAsync() => Polling.WaitUntilAsync(
        () => NodeNames.All(node =>
        {
            var log = ReadLog(node);
            var start = log.LastOrDefault(e => e.EventId == 1000);
            return start is not null && log.Any(e => e.Time >= start.Time && e.EventId is 1005 or 1006);
        }),
        TimeSpan.FromSeconds(15),
        "both daemons past their start-up warm-up (1005 or 1006 after the latest 1000)");

    /// <summary>Throws if a daemon has exited, with its output.</summary>
    public void EnsureRunning()
    {
        foreach (var (node, daemon) in _daemons)
        {
            if (daemon.HasExited)
            {
                throw new InvalidOperationException(
                    $"the daemon of {node} (pid {daemon.Pid}) exited with {daemon.Process.ExitCode}:{Environment.NewLine}{daemon.OutputTail()}");
            }
        }
    }

    /// <summary>Every line of <paramref name="node"/>'s log file with an event id, in file order.</summary>
    public IReadOnlyList<LogEntry> ReadLog(string node)
    {
        var entries = new List<LogEntry>();
        var path = LogPath(node);
        if (!File.Exists(path))
        {
            return entries;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var id = EventIdPattern().Match(line);
            if (line.Length < 30 || !id.Success)
            {
                continue;
            }

            if (DateTimeOffset.TryParseExact(line[..30], "yyyy-MM-dd HH:mm:ss.fff zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            {
                entries.Add(new LogEntry(time, int.Parse(id.Groups[1].Value, CultureInfo.InvariantCulture), line));
            }
        }

        return entries;
    }

    /// <summary>Log lines of <paramref name="node"/> with one of <paramref name="eventIds"/> at or after <paramref name="from"/>.</summary>
    public IReadOnlyList<LogEntry> LogEvents(string node, DateTimeOffset from, params int[] eventIds) =>
        ReadLog(node).Where(e => e.Time >= from && eventIds.Contains(e.EventId)).ToList();

    /// <summary>Stops both daemons (SIGTERM) and tears the lab down; idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            foreach (var daemon in _daemons.Values)
            {
                try
                {
                    await daemon.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
                finally
                {
                    await daemon.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await Lab.DisposeAsync().ConfigureAwait(false);
        }
    }

    [GeneratedRegex("\"EventId\":\\{\"Id\":(\\d+)")]
    private static partial Regex EventIdPattern();
}
