using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SplitGuard.Daemon.Api;
using SplitGuard.Lab.Tests.Agents;
using SplitGuard.Lab.Tests.Infrastructure;
using SplitGuard.Lab.Tests.Watchdog;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>A SIGSTOP/SIGCONT of a daemon: when it was stopped and resumed (unix ns), and how long it was stopped.</summary>
public sealed record PauseResult(long StoppedNs, long ResumedNs, TimeSpan Length);

/// <summary>The result of lab/demo/check.py: its exit code (1 = a definite overlap) and what it printed.</summary>
public sealed record CheckResult(int ExitCode, string Output)
{
    /// <summary>The "handover of ..." lines (stop-before-start margins).</summary>
    public IEnumerable<string> Handovers => Output.Split('\n').Where(l => l.StartsWith("handover of ", StringComparison.Ordinal));
}

/// <summary>
/// The settings an <see cref="OwnershipLab"/> runs: link interval and maxloss, stop budget (null: the default), VIP agent;
/// how the echo service misbehaves (lab/demo/echo-service: ignore-term, slow-stop, hang-stop; null: it behaves) and a
/// watchdog timeout (null: none; else each node gets the lab stand-in, lab/watchdog-standin.py, as its device).
/// </summary>
public sealed record OwnershipLabProfile(double Interval, int MaxLoss, double? StopBudget, string VipAgent, string? EchoBehavior = null, double? Watchdog = null)
{
    /// <summary>The lab's usual setting: interval 0.02 s, maxloss 5, the default stop budget, ocf:heartbeat:IPaddr2.</summary>
    public static readonly OwnershipLabProfile Default = new(0.02, 5, null, "ocf:heartbeat:IPaddr2");

    /// <summary>The robust profile's links with the bundled vip agent and a stop budget of 0.05 s for two resources (the demo's until 2026-12-03).</summary>
    public static readonly OwnershipLabProfile Robust = new(0.005, 8, 0.05, "ocf:splitguard:vip");

    /// <summary>The robust profile of docs/ownership.md as documented: builtin:vip and a stop budget of 0.01 s (the echo service's graceful stop may be cut short by the hard kill).</summary>
    public static readonly OwnershipLabProfile RobustBuiltin = new(0.005, 8, 0.01, "builtin:vip");
}

/// <summary>
/// The ownership lab of issue 4, as ./demo.sh builds it: nodes n1 and n2 running SplitGuard with one udp link and one
/// icmp link via the witness (interval 0.02 s, maxloss 5), a witness namespace whose kernel answers ICMP, and a client
/// namespace n3 running lab/demo/probe.py against the virtual IP. The service is one group: a virtual IP
/// (ocf:heartbeat:IPaddr2, SUBNET.100) and lab/demo/echo-service (a pha-style script answering UDP on the VIP with its
/// node's name). Both daemons append to one shared ownership log (SPLITGUARD_OWNERSHIP_LOG); `ip -ts monitor address`
/// in each node namespace records independently when the VIP came and went. Disposing stops everything and tears the
/// lab down.
/// </summary>
public sealed class OwnershipLab : IAsyncDisposable
{
    public const int EchoPort = 7007;
    public const string Client = "n3";
    public static readonly IReadOnlyList<string> Nodes = ["n1", "n2"];

    /// <summary>The resources of the group, in start order.</summary>
    public static readonly IReadOnlyList<string> ResourceNames = ["vip", "echo"];

    private const string Python = "/usr/bin/python3";
    private const string IpAddr2 = AgentLab.SystemOcfRoot + "/resource.d/heartbeat/IPaddr2";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly Dictionary<string, SplitGuardProcess> _daemons = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NamespaceProcess> _monitors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StandInProcess> _standIns = new(StringComparer.Ordinal);
    private NamespaceProcess? _probe;
    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> _nodeEnvironment =
        new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
    private int _disposed;

    private OwnershipLab(LabNetwork lab, LabClusterOptions options, string configPath)
    {
        Lab = lab;
        Options = options;
        ConfigPath = configPath;
        Vip = lab.Subnet + ".100";
        OwnershipLogPath = Path.Combine(lab.WorkDir, "ownership.log");
        ProbePath = Path.Combine(lab.WorkDir, "probe.log");
    }

    public LabNetwork Lab { get; }

    public LabClusterOptions Options { get; }

    public string ConfigPath { get; }

    /// <summary>The virtual IP (SUBNET.100).</summary>
    public string Vip { get; }

    /// <summary>The shared ownership log.</summary>
    public string OwnershipLogPath { get; }

    /// <summary>The client's answers file (probe.py).</summary>
    public string ProbePath { get; }

    /// <summary>Detection time of the links as docs/ownership.md computes it: interval x maxloss + interval / 2.</summary>
    public TimeSpan Detection => TimeSpan.FromSeconds(Options.Interval * Options.MaxLoss + Options.Interval / 2);

    /// <summary>The link interval.</summary>
    public TimeSpan Interval => TimeSpan.FromSeconds(Options.Interval);

    /// <summary>The daemon of n1 or n2 (the latest one started).</summary>
    public SplitGuardProcess Daemon(string node) => _daemons[node];

    /// <summary>The other node of the pair.</summary>
    public static string Other(string node) => node == "n1" ? "n2" : "n1";

    /// <summary>Node id (1, 2) of n1, n2.</summary>
    public static int IdOf(string node) => node == "n1" ? 1 : 2;

    /// <summary>Builds the lab, starts both daemons and the client, and waits until one node serves the VIP.</summary>
    public static Task<OwnershipLab> StartAsync() => StartAsync(null);

    /// <summary>
    /// Builds the lab, starts both daemons and the client, and waits until one node serves the VIP. Each daemon of a node
    /// named in <paramref name="nodeEnvironment"/> gets those extra environment variables (also when restarted), e.g.
    /// LD_PRELOAD of libfaketime for FAULTS.md F13.
    /// </summary>
    public static Task<OwnershipLab> StartAsync(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? nodeEnvironment,
        OwnershipLabProfile? profile = null) => StartCoreAsync(nodeEnvironment, profile, null);

    /// <summary>
    /// As <see cref="StartAsync()"/>, with <paramref name="extraResources"/> added to the group (Resources entries;
    /// "{workdir}" in them becomes the lab's work directory).
    /// </summary>
    public static Task<OwnershipLab> StartWithResourcesAsync(IReadOnlyList<JsonObject> extraResources) => StartCoreAsync(null, null, extraResources);

    private static async Task<OwnershipLab> StartCoreAsync(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? nodeEnvironment,
        OwnershipLabProfile? profile, IReadOnlyList<JsonObject>? extraResources)
    {
        EnsureAgents();
        profile ??= OwnershipLabProfile.Default;
        var options = new LabClusterOptions { Interval = profile.Interval, MaxLoss = profile.MaxLoss };
        var lab = await LabNetwork.CreateAsync(nodes: 3).ConfigureAwait(false);
        OwnershipLab? started = null;
        try
        {
            var keyPath = Path.Combine(lab.WorkDir, "authkey");
            await LabCluster.KeygenAsync(keyPath).ConfigureAwait(false);
            var config = LabCluster.BuildConfig(lab, options, keyPath);
            var vip = lab.Subnet + ".100";
            config["Resources"] = new JsonArray(
                new JsonObject
                {
                    ["name"] = "vip", ["agent"] = profile.VipAgent, ["group"] = "service",
                    ["params"] = new JsonObject { ["ip"] = vip, ["cidr_netmask"] = "24" }, ["monitor_interval"] = 2,
                },
                new JsonObject
                {
                    ["name"] = "echo", ["agent"] = "script:" + Path.Combine(LabPaths.LabDir, "demo", "echo-service"), ["group"] = "service",
                    ["params"] = new JsonObject
                    {
                        ["ip"] = vip, ["port"] = EchoPort.ToString(CultureInfo.InvariantCulture), ["state_dir"] = lab.WorkDir,
                        ["behavior"] = profile.EchoBehavior ?? string.Empty,
                    },
                    ["monitor_interval"] = 2,
                    ["timeouts"] = new JsonObject { ["stop"] = 3 },
                });
            foreach (var extra in extraResources ?? [])
            {
                // Placeholders a test cannot know before the lab exists.
                var text = extra.ToJsonString().Replace("{workdir}", lab.WorkDir, StringComparison.Ordinal);
                ((JsonArray)config["Resources"]!).Add(JsonNode.Parse(text));
            }

            var ownership = new JsonObject();
            if (profile.StopBudget is { } budget)
            {
                ownership["stop_budget"] = budget;
            }

            if (profile.Watchdog is { } watchdogTimeout)
            {
                ownership["watchdog"] = new JsonObject { ["device"] = Path.Combine(lab.WorkDir, "watchdog-{node}"), ["timeout"] = watchdogTimeout };
            }

            if (ownership.Count > 0)
            {
                config["Ownership"] = ownership;
            }

            var configPath = Path.Combine(lab.WorkDir, "cluster.json");
            await File.WriteAllTextAsync(configPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
            started = new OwnershipLab(lab, options, configPath);
            if (nodeEnvironment is not null)
            {
                started._nodeEnvironment = nodeEnvironment;
            }

            await File.WriteAllTextAsync(started.OwnershipLogPath, string.Empty).ConfigureAwait(false);
            if (profile.Watchdog is { } standInTimeout)
            {
                foreach (var node in Nodes)
                {
                    started._standIns[node] = await StandInProcess.StartAsync(lab.NamespaceOf(node), lab.WorkDir, "-" + node, TimeSpan.FromSeconds(standInTimeout)).ConfigureAwait(false);
                }
            }

            foreach (var node in Nodes)
            {
                started._monitors[node] = NamespaceProcess.Start(
                    lab.NamespaceOf(node), ["ip", "-ts", "monitor", "address"], Path.Combine(lab.WorkDir, $"addr-{node}.out"));
            }

            foreach (var node in Nodes)
            {
                started.StartDaemon(node);
            }

            started._probe = NamespaceProcess.Start(
                lab.NamespaceOf(Client),
                [Python, Path.Combine(LabPaths.LabDir, "demo", "probe.py"), vip, EchoPort.ToString(CultureInfo.InvariantCulture), started.ProbePath],
                Path.Combine(lab.WorkDir, "probe.out"));
            await started.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            return started;
        }
        catch
        {
            if (started is not null)
            {
                await started.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await lab.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>ocf:heartbeat:IPaddr2 must be there (Debian's resource-agents, installed by lab/setup.sh): fail, never skip.</summary>
    private static void EnsureAgents()
    {
        LabRequirements.Ensure();
        AgentLab.EnsureResourceAgents();
        if (!File.Exists(IpAddr2))
        {
            throw new LabUnavailableException($"the ownership lab needs {IpAddr2} (Debian's resource-agents, installed by lab/setup.sh); it is missing");
        }
    }

    /// <summary>Starts (or restarts) the daemon of <paramref name="node"/> with the shared ownership log (and the node's
    /// extra environment, if <see cref="StartAsync(IReadOnlyDictionary{string, IReadOnlyDictionary{string, string}}?, OwnershipLabProfile?)"/> was given one).</summary>
    public SplitGuardProcess StartDaemon(string node)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["SPLITGUARD_OWNERSHIP_LOG"] = OwnershipLogPath,
        };
        if (_nodeEnvironment.TryGetValue(node, out var extra))
        {
            foreach (var (key, value) in extra)
            {
                environment[key] = value;
            }
        }

        var daemon = SplitGuardProcess.Start(Lab, node, ConfigPath, environment: environment);
        _daemons[node] = daemon;
        return daemon;
    }

    /// <summary>The watchdog stand-in of <paramref name="node"/> (profiles with a watchdog only).</summary>
    public StandInProcess StandIn(string node) => _standIns[node];

    /// <summary>The daemon's control socket.</summary>
    public string ControlSocket(string node) => Path.Combine(Lab.WorkDir, $"{node}-control.sock");

    /// <summary>The daemon's log file.</summary>
    public string LogPath(string node) => Path.Combine(Lab.WorkDir, $"{node}.log");

    /// <summary>Status of <paramref name="node"/> through its control socket.</summary>
    public Task<StatusSnapshot> StatusAsync(string node) =>
        Task.Run(() =>
        {
            var answer = ControlClient.Send(ControlSocket(node), new JsonObject { ["command"] = "status" }, TimeSpan.FromSeconds(5));
            return StatusSnapshot.Parse(node, answer);
        });

    /// <summary>Status of the nodes whose daemon runs (control socket).</summary>
    public async Task<IReadOnlyDictionary<string, StatusSnapshot>> StatusAllAsync()
    {
        var nodes = Nodes.Where(n => !_daemons[n].HasExited).ToList();
        var results = await Task.WhenAll(nodes.Select(StatusAsync)).ConfigureAwait(false);
        return results.ToDictionary(s => s.Node, StringComparer.Ordinal);
    }

    /// <summary>`splitguard status --json` of <paramref name="node"/> in its namespace.</summary>
    public async Task<StatusSnapshot> CliStatusAsync(string node)
    {
        using var document = await _daemons[node].StatusAsync().ConfigureAwait(false);
        return StatusSnapshot.Parse(node, document);
    }

    /// <summary>Polls (control socket, every 20 ms) until <paramref name="condition"/> holds on the running daemons.</summary>
    public async Task<IReadOnlyDictionary<string, StatusSnapshot>> WaitForAsync(
        Func<IReadOnlyDictionary<string, StatusSnapshot>, bool> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyDictionary<string, StatusSnapshot>? last = null;
        Exception? error = null;
        while (true)
        {
            try
            {
                last = await StatusAllAsync().ConfigureAwait(false);
                error = null;
                if (condition(last))
                {
                    return last;
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException or JsonException or TimeoutException)
            {
                error = e;
            }

            if (watch.Elapsed >= timeout)
            {
                var state = last is null ? "no status read" : string.Join(Environment.NewLine, last.Values.Select(s => s.Summary()));
                var detail = error is null ? string.Empty : $"{Environment.NewLine}last error: {error.Message}";
                throw new TimeoutException(
                    $"timed out after {timeout.TotalSeconds:F1} s waiting until {what}{Environment.NewLine}{state}{detail}{Environment.NewLine}{Describe()}");
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until exactly one node owns: it holds the lease, runs, and has its resources started; the other agrees on
    /// term and holder and has everything stopped; every link is in service; the client gets answers from the owner; and
    /// the other node may take over (not out of the running after a failed stop). Returns the owner and the statuses.
    /// </summary>
    public async Task<(string Owner, IReadOnlyDictionary<string, StatusSnapshot> Status)> WaitForSingleOwnerAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var (owner, status) = await WaitForOneOwnerAsync(timeout - watch.Elapsed).ConfigureAwait(false);
            var other = Other(owner);
            if (status[other].NodeStatus != "STANDBY" || watch.Elapsed >= timeout)
            {
                return (owner, status);
            }

            // The other node is STANDBY: it gave the resources up after a stop that failed and escalated (a hanging stop
            // agent, when a stall just after the daemons' start moved the service once). A test of a fault needs a
            // survivor that may take over, so the lab does what an operator would, `splitguard resource cleanup`, and
            // waits again.
            var daemon = _daemons[other];
            foreach (var resource in ResourceNames)
            {
                await SplitGuardProcess.RunCliAsync(daemon.Namespace, ["resource", "cleanup", resource, "--config", daemon.ConfigPath, "--node", daemon.NodeId]).ConfigureAwait(false);
            }

            await WaitForAsync(s => s.TryGetValue(other, out var x) && x.NodeStatus == "ONLINE",
                TimeSpan.FromSeconds(10), $"{other} ONLINE again after the cleanup").ConfigureAwait(false);
        }
    }

    private async Task<(string Owner, IReadOnlyDictionary<string, StatusSnapshot> Status)> WaitForOneOwnerAsync(TimeSpan timeout)
    {
        string? owner = null;
        var status = await WaitForAsync(s =>
        {
            if (s.Count != 2 || s.Values.Any(x => x.Ownership is null || !x.AllInService))
            {
                return false;
            }

            var owners = s.Values.Where(x => x.Ownership!.Run && x.Ownership.Resources == "started" && x.Ownership.Holder == IdOf(x.Node)).ToList();
            if (owners.Count != 1)
            {
                return false;
            }

            var o = owners[0];
            var other = s[Other(o.Node)].Ownership!;
            owner = o.Node;
            return !other.Run && other.Resources == "stopped" && other.Term == o.Ownership!.Term && other.Holder == o.Ownership.Holder;
        }, timeout, "one node holds the lease with its resources started and the other agrees with everything stopped").ConfigureAwait(false);

        var since = UnixNs.Now();
        await Polling.WaitUntilAsync(
            () => ProbeLog.Read(ProbePath).Between(since).Count(a => a.Node == owner) >= 5,
            timeout,
            $"the client gets answers from {owner} at {Vip}:{EchoPort}").ConfigureAwait(false);
        return (owner!, status);
    }

    /// <summary>
    /// F1 node crash (as ./demo.sh): appends "&lt;ns&gt; &lt;node&gt; - crash" to the ownership log, kills every process in the
    /// node's namespace with SIGKILL (daemon, agents, the echo service; not the test's address monitor) and flushes the
    /// node's addresses (the VIP with them). Returns the fault time (unix ns, just before the kill).
    /// </summary>
    public async Task<long> CrashNodeAsync(string node)
    {
        var list = await ProcessRunner.RunAsync("ip", ["netns", "pids", Lab.NamespaceOf(node)], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        list.EnsureSuccess();
        var monitor = _monitors[node].Pid;
        var victims = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture))
            .Where(p => p != monitor)
            .ToList();
        var fault = UnixNs.Now();
        await File.AppendAllTextAsync(OwnershipLogPath, $"{fault} {node} - crash\n").ConfigureAwait(false);
        foreach (var pid in victims)
        {
            NativeSignals.Send(pid, NativeSignals.SigKill);
        }

        // the daemon's process group may have forked an agent since the listing
        NativeSignals.SendToGroup(_daemons[node].Pid, NativeSignals.SigKill);
        (await ProcessRunner.RunAsync("ip", ["-n", Lab.NamespaceOf(node), "addr", "flush", "dev", Lab.InterfaceOf(node)], TimeSpan.FromSeconds(10))
            .ConfigureAwait(false)).EnsureSuccess();
        await _daemons[node].Process.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return fault;
    }

    /// <summary>After <see cref="CrashNodeAsync"/>: gives the node its address back and starts its daemon again.</summary>
    public async Task RestoreNodeAsync(string node)
    {
        await _daemons[node].DisposeAsync().ConfigureAwait(false);
        (await ProcessRunner.RunAsync(
                "ip", ["-n", Lab.NamespaceOf(node), "addr", "add", $"{Lab.IpOf(node)}/24", "dev", Lab.InterfaceOf(node)], TimeSpan.FromSeconds(10))
            .ConfigureAwait(false)).EnsureSuccess();
        StartDaemon(node);
    }

    /// <summary>F1 daemon alone: SIGKILL to the daemon's pid only (agents and the services it started keep running). Returns the fault time.</summary>
    public long KillDaemon(string node)
    {
        var fault = UnixNs.Now();
        if (!NativeSignals.Send(_daemons[node].Pid, NativeSignals.SigKill))
        {
            throw new InvalidOperationException($"could not SIGKILL the daemon of {node} (pid {_daemons[node].Pid})");
        }

        return fault;
    }

    /// <summary>
    /// F2/F3: SIGSTOP of <paramref name="node"/>'s daemon for <paramref name="length"/> (timed on a thread of its own:
    /// sleep, then spin the last 2 ms), then SIGCONT. Returns when it stopped and resumed (unix ns) and the measured length.
    /// </summary>
    public Task<PauseResult> PauseDaemonAsync(string node, TimeSpan length)
    {
        var process = _daemons[node].Process;
        return Task.Factory.StartNew(
            () =>
            {
                var stopped = UnixNs.Now();
                var watch = Stopwatch.StartNew();
                if (!process.Pause())
                {
                    throw new InvalidOperationException($"could not SIGSTOP the daemon of {node} (pid {process.Pid})");
                }

                try
                {
                    var coarse = length - TimeSpan.FromMilliseconds(2);
                    if (coarse > TimeSpan.Zero)
                    {
                        Thread.Sleep(coarse);
                    }

                    while (watch.Elapsed < length)
                    {
                        Thread.SpinWait(20);
                    }
                }
                finally
                {
                    process.Resume();
                }

                var took = watch.Elapsed;
                return new PauseResult(stopped, UnixNs.Now(), took);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>Log lines of <paramref name="node"/> with one of <paramref name="eventIds"/> at or after <paramref name="fromNs"/>.</summary>
    public IReadOnlyList<string> LogEvents(string node, long fromNs, params int[] eventIds)
    {
        var path = LogPath(node);
        var from = DateTimeOffset.UnixEpoch.AddTicks(fromNs / 100).AddMilliseconds(-1);
        var found = new List<string>();
        if (!File.Exists(path))
        {
            return found;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length >= 30
                && System.Text.RegularExpressions.Regex.Match(line, "\"EventId\":\\{\"Id\":(\\d+)") is { Success: true } m
                && eventIds.Contains(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
                && DateTimeOffset.TryParseExact(line[..30], "yyyy-MM-dd HH:mm:ss.fff zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
                && time >= from)
            {
                found.Add(line);
            }
        }

        return found;
    }

    /// <summary>The pid of the echo service on <paramref name="node"/>, from the pid file echo-service writes.</summary>
    public int? EchoPid(string node)
    {
        var path = Path.Combine(Lab.WorkDir, $"echo-service-{Lab.NamespaceOf(node)}.pid");
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>The client's answers so far.</summary>
    public ProbeLog Probe() => ProbeLog.Read(ProbePath);

    /// <summary>The ownership log so far.</summary>
    public OwnershipHistory OwnershipLog() => OwnershipHistory.Read(OwnershipLogPath);

    /// <summary>Where the VIP was configured, from the address monitors.</summary>
    public AddressHistory VipHistory() =>
        AddressHistory.Read(_monitors.ToDictionary(kv => kv.Key, kv => kv.Value.OutputPath, StringComparer.Ordinal), Vip);

    /// <summary>Runs lab/demo/check.py on the client's answers and the ownership log with <paramref name="faultNs"/>.</summary>
    public async Task<CheckResult> CheckAsync(long faultNs, string? crashed = null)
    {
        List<string> args = [Path.Combine(LabPaths.LabDir, "demo", "check.py"), ProbePath, OwnershipLogPath, faultNs.ToString(CultureInfo.InvariantCulture)];
        if (crashed is not null)
        {
            args.Add(crashed);
        }

        var result = await ProcessRunner.RunAsync(Python, args, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        if (result.TimedOut || result.ExitCode is not (0 or 1))
        {
            throw new InvalidOperationException($"check.py failed: {result.Describe()}");
        }

        return new CheckResult(result.ExitCode, result.Stdout.TrimEnd());
    }

    /// <summary>The daemon log lines about ownership and resources at or after <paramref name="fromNs"/>, for test output.</summary>
    public string DaemonDecisions(string node, long fromNs)
    {
        var path = LogPath(node);
        if (!File.Exists(path))
        {
            return "  (no log)";
        }

        var from = DateTimeOffset.UnixEpoch.AddTicks(fromNs / 100).AddMilliseconds(-1);
        var lines = new List<string>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length < 30 || !(line.Contains("ownership", StringComparison.Ordinal) || line.Contains("resource", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (DateTimeOffset.TryParseExact(line[..30], "yyyy-MM-dd HH:mm:ss.fff zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) && time >= from)
            {
                lines.Add("  " + (line.Length > 400 ? line[..400] + " ..." : line));
            }
        }

        return lines.Count == 0 ? "  (none)" : string.Join(Environment.NewLine, lines.TakeLast(40));
    }

    /// <summary>Everything useful after a failure: daemons, ownership log, VIP history, client runs.</summary>
    public string Describe(long fromNs = 0)
    {
        var text = new StringBuilder();
        foreach (var node in Nodes)
        {
            var d = _daemons.GetValueOrDefault(node);
            text.AppendLine(CultureInfo.InvariantCulture, $"daemon {node}: {(d is null ? "not started" : d.HasExited ? $"exited ({d.Process.ExitCode})" : $"pid {d.Pid}")}");
        }

        text.AppendLine("ownership log:").AppendLine(OwnershipLog().Describe(fromNs));
        text.AppendLine("VIP on nodes (ip monitor):").AppendLine(VipHistory().Describe());
        text.AppendLine("client answers: " + Probe().Runs(fromNs));
        foreach (var node in Nodes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{node} decisions:").AppendLine(DaemonDecisions(node, fromNs));
        }

        return text.ToString();
    }

    /// <summary>Stops the client, the daemons (SIGTERM, so they stop their resources) and the monitors; tears the lab down.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (_probe is not null)
            {
                await _probe.DisposeAsync().ConfigureAwait(false);
            }

            // both at once: neither takes over from the other while they stop
            await Task.WhenAll(_daemons.Values.Select(async daemon =>
            {
                try
                {
                    await daemon.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
                catch (InvalidOperationException)
                {
                    // survived SIGKILL: the lab teardown kills what is left in the namespace
                }
                finally
                {
                    await daemon.DisposeAsync().ConfigureAwait(false);
                }
            })).ConfigureAwait(false);

            foreach (var monitor in _monitors.Values)
            {
                await monitor.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var standIn in _standIns.Values)
            {
                await standIn.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await Lab.DisposeAsync().ConfigureAwait(false);
            RemoveCgroups(Lab.WorkDir);
            RemoveAnnouncementFiles();
        }
    }

    /// <summary>
    /// The pid files ocf:splitguard:vip keeps for its gratuitous ARP (/run/resource-agents/splitguard-vip-NIC-IP.arp),
    /// left behind when a node was killed before its stop ran: the lab's interfaces are gone with it.
    /// </summary>
    private void RemoveAnnouncementFiles()
    {
        const string dir = "/run/resource-agents";
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (var node in Nodes)
        {
            foreach (var file in Directory.GetFiles(dir, $"splitguard-vip-{Lab.InterfaceOf(node)}-*.arp"))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>
    /// The daemons' resource cgroups (splitguard/&lt;instance&gt;/&lt;resource&gt;) that are left empty: a daemon that was killed
    /// never removed them. Populated ones stay (rmdir refuses): the lab teardown has killed what ran in the namespaces.
    /// </summary>
    private static void RemoveCgroups(string workDir)
    {
        foreach (var hierarchy in new[] { "/sys/fs/cgroup/freezer", "/sys/fs/cgroup/pids", "/sys/fs/cgroup" })
        {
            var root = Path.Combine(hierarchy, "splitguard");
            foreach (var node in Nodes)
            {
                var dir = Path.Combine(root, SplitGuard.Daemon.Hosting.SplitGuardDaemon.CgroupInstance(node, Path.Combine(workDir, node + ".pid")));
                if (!Directory.Exists(dir))
                {
                    continue;
                }

                foreach (var cgroup in Directory.GetDirectories(dir).Append(dir).Append(root))
                {
                    try
                    {
                        Directory.Delete(cgroup);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // still in use (processes, or another node's cgroups)
                    }
                }
            }
        }
    }
}
