using System.Net;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;
using SplitGuard.Core.Node;
using SplitGuard.Core.Placement;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Resources;
using SplitGuard.Daemon.Api;
using SplitGuard.Daemon.Net;
using SplitGuard.Daemon.Status;
using SplitGuard.Daemon.Watchdog;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// The imperative shell: owns the sockets, the single event-loop thread and the control socket, turns the
/// world into engine calls and carries out the engine's sends. All engine access happens under one lock.
/// </summary>
public sealed class SplitGuardDaemon : IDisposable, IAlarmSource
{
    private readonly DaemonSettings _settings;
    private readonly ILogger _log;
    private readonly ManualResetEventSlim _wake = new(false, 0);
    private readonly object _gate = new();
    private readonly object _reloadGate = new();
    private readonly HeartbeatEngine _engine;
    private readonly long _clockOrigin = Stopwatch.GetTimestamp();
    private readonly List<Action<LinkEvent>> _subscribers = [];
    private readonly IOwnershipLease? _lease;
    private readonly NodeController? _controller;
    private readonly IWatchdog? _watchdog;
    private readonly ResourceManager? _resources;
    private readonly Guard? _guard;
    private readonly AgentRunner? _agents;
    private readonly ushort _leaseCluster;
    private readonly ushort[] _leasePeers = [];
    private readonly TimeSpan _leaseTick;
    private PeerObservation[] _observations = [];
    private volatile bool _stopRequested;
    private readonly TermFile? _termFile;
    private readonly GatewayMonitor? _gateway;
    private readonly byte[] _gatewayPayload = new byte[8];
    private readonly List<(IPAddress Target, ushort Sequence)> _gatewayProbes = [];
    private IPAddress? _gatewaySource;
    private uint _persistedTerm;
    private string? _termError;
    private UdpTransport? _udp;
    private IcmpTransport? _icmp;
    private ControlServer? _control;
    private SbpApiServer? _api;
    private EventStreamServer? _events;

    public SplitGuardDaemon(DaemonSettings settings, ILoggerFactory loggers)
    {
        _settings = settings;
        _log = loggers.CreateLogger("splitguard");
        var incarnation = Incarnation.Next(StateDirectory.IncarnationPath(settings.StateDir), DateTimeOffset.UtcNow, warning => Log.IncarnationWarning(_log, warning));
        _engine = new HeartbeatEngine(settings.Memberships, settings.Key, incarnation, Now());
        var first = settings.Config.Clusters[0];
        var membership = settings.Memberships.FirstOrDefault(m => m.Cluster.Id == first.Id);
        if (settings.Resources.Count > 0 && membership is not null)
        {
            _leaseCluster = first.Id;
            _leasePeers = first.Members.Where(m => m.Id != membership.LocalNode).Select(m => m.Id).ToArray();
            _observations = new PeerObservation[_leasePeers.Length];
            var links = _leasePeers.SelectMany(p => _engine.Peer(_leaseCluster, p).Links).ToList();
            var self = first.Members.First(m => m.Id == membership.LocalNode);
            var peer = first.Members.First(m => m.Id == _leasePeers[0]);
            // With a watchdog, every wait for another node's lease grows by its reset bound (docs/ownership.md).
            var options = new LeaseOptions(links.Max(l => l.DetectionTime), links.Max(l => l.Config.Interval), settings.Config.Ownership.StopBudget,
                self.Priority, peer.Priority) { Watchdog = settings.Config.Ownership.Watchdog?.ResetBound ?? TimeSpan.Zero };

            // Two nodes: the lease with a witness (docs/ownership.md). Three or more: an elected master by majority.
            _termFile = new TermFile(StateDirectory.TermPath(settings.StateDir));
            try
            {
                _persistedTerm = _termFile.Read();
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw new DaemonStartException($"cannot read the stored lease term: {e.Message}", e);
            }

            _lease = _leasePeers.Length == 1
                ? new TwoNodeLease(membership.LocalNode, options, Now(), _persistedTerm)
                : new MajorityLease(membership.LocalNode, first.Members.ToDictionary(m => m.Id, m => m.Priority), options, Now(), _persistedTerm);
            _controller = new NodeController(_lease);
            _watchdog = Watchdogs.Create(settings.Config.Ownership.Watchdog, _log);
            // From the first frame on, until the probe has said what runs here: PROGRESS, the stored term, no holder
            // (peers keep a restarted holder's lease meanwhile; an ONLINE frame naming nobody would read as a release).
            _engine.Status = Protocol.Heartbeat.NodeStatus.Progress;
            _engine.SetLease(_leaseCluster, _persistedTerm, 0, false, options.AckWindow);
            _leaseTick = links.Min(l => l.Config.Interval) / 2;
            if (settings.Config.Ownership.Gateways.Count > 0)
            {
                var ownership = settings.Config.Ownership;
                _gateway = new GatewayMonitor(ownership.Gateways, ownership.GatewayInterval, ownership.GatewayMaxLoss, Now());
                _gatewaySource = links[0].LocalIp;
                "SGGW"u8.CopyTo(_gatewayPayload);
                System.Security.Cryptography.RandomNumberGenerator.Fill(_gatewayPayload.AsSpan(4));
            }

            var name = first.Members.First(m => m.Id == membership.LocalNode).Hostname;
            // Every resource in a cgroup of its own (splitguard/<instance>/<resource>); the runner and the manager share it.
            var cgroups = Cgroups.ResourceCgroups.Detect(CgroupInstance(name, settings.PidFile));
            var runner = new AgentRunner(new AgentRunnerOptions { Cgroups = cgroups });
            _agents = runner;
            runner.BuiltinVip.Prepare(settings.Resources);
            _resources = new ResourceManager(settings.Resources, runner, new OwnershipLog(settings.OwnershipLog, name), _log, Now,
                cgroups, settings.Config.Ownership.StopBudget);
            _guard = new Guard(settings.PidFile + ".guard.sh", name, settings.Resources, runner, options.Detection,
                links.Min(l => l.Config.Interval), settings.OwnershipLog, _log);
        }
    }

    /// <summary>
    /// The name of this daemon's cgroup subtree: the node's name, stable across restarts (a restarted daemon finds an
    /// earlier run's leftovers there). Daemons of several clusters on one host (the lab: namespaces share the cgroup
    /// tree, and every lab has its n1 and n2) are told apart by their pid file, which `{node}` makes distinct: a pid
    /// file other than the default adds a short hash of its path (<c>n1@1a2b3c4d</c>).
    /// </summary>
    public static string CgroupInstance(string node, string pidFile)
    {
        if (pidFile == ConfigDefaults.PidFile)
        {
            return node;
        }

        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(pidFile)));
        return node + "@" + Convert.ToHexStringLower(hash.AsSpan(0, 4));
    }

    public static string Version => typeof(SplitGuardDaemon).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Monotonic time since the daemon started (Stopwatch): the one clock for decisions.</summary>
    public TimeSpan Now() => Stopwatch.GetElapsedTime(_clockOrigin);

    /// <summary>Adds a listener called on the event-loop thread for every link event (keep it short).</summary>
    public void Subscribe(Action<LinkEvent> listener)
    {
        lock (_gate)
        {
            _subscribers.Add(listener);
        }
    }

    public bool HasCluster(ushort cluster) => _settings.Memberships.Any(m => m.Cluster.Id == cluster);

    public void WithActiveAlarms(ushort cluster, Action<IReadOnlyList<Protocol.Sbp.SbpMessage>> underLock)
    {
        lock (_gate)
        {
            underLock(_engine.ActiveAlarms(cluster));
        }
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled; returns the exit code.</summary>
    public int Run(CancellationToken stop)
    {
        Log.Starting(_log, Version, _settings.NodeName, _settings.Memberships.Count, _engine.Incarnation, _settings.ConfigPath);
        if (_engine.NeedsRawIcmp || _gateway is not null)
        {
            _icmp = new IcmpTransport(Deliver, _log);
        }

        _udp = new UdpTransport(_engine.UdpLocalAddresses, _settings.Config.System.UdpPort, Deliver, _log);
        _control = new ControlServer(_settings.ControlSocket, _settings.Config.Daemon.ControlGroup, HandleControl, _log);
        _api = new SbpApiServer(_settings.ApiSocket, _settings.Config.Api.Group, this, _log);
        if (_settings.EventsSocket is { } eventsPath)
        {
            _events = new EventStreamServer(eventsPath, _settings.Config.Api.Group, this, _log);
        }

        // The event loop (this thread) and the receive threads carry the heartbeats: real-time scheduling for them, once
        // the start-up's CPU (JIT) is behind them (Realtime: under SCHED_RR it starved the node's services).
        Realtime.Configure(_settings.Config.Daemon.RealtimePriority, ConfigDefaults.RealtimeWarmup);

        _udp.Start();
        _icmp?.Start();
        _control.Start();
        _api.Start();
        _events?.Start();
        try
        {
            // Armed from the first pass on: this node may own from then (pets stop only when the controller says so).
            _watchdog?.Arm(Now());
        }
        catch (WatchdogException e)
        {
            _log.LogCritical(new EventId(1413, "watchdog"), "cannot arm the watchdog: {Error}; refusing to run resources without it (remove Ownership.watchdog to run without one)", e.Message);
            Console.Error.WriteLine($"splitguard: cannot arm the watchdog: {e.Message}");
            return 2;
        }

        Log.Ready(_log, _engine.Links.Count(), _settings.ControlSocket);
        SystemdNotifier.Notify("READY=1\nSTATUS=heartbeating");
        var systemdWatchdog = SystemdWatchdog.FromEnvironment(Environment.GetEnvironmentVariable("WATCHDOG_USEC"),
            Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId, state => SystemdNotifier.Notify(state));

        var sends = new List<OutgoingFrame>();
        var events = new List<LinkEvent>();
        using var registration = stop.Register(() => _wake.Set());
        bool stopping = false;
        bool exit = false;
        try
        {
            while (!exit)
            {
                if ((stop.IsCancellationRequested || _stopRequested) && !stopping)
                {
                    // Stopping the daemon stops its resources first (DESIGN rule 8): the controller releases the lease,
                    // the frames say OFFLINE, and the daemon heartbeats on until they are down and the peers have seen it.
                    stopping = true;
                    lock (_gate)
                    {
                        _controller?.RequestStop(leaveRunning: false);
                    }

                    if (_controller is null)
                    {
                        break;
                    }
                }

                if (Realtime.Priority > 0 && Realtime.EnterWhenWarm(out var noRealtime))
                {
                    if (noRealtime is not null)
                    {
                        Log.NoRealtime(_log, noRealtime);
                    }
                    else
                    {
                        Log.Realtime(_log, Realtime.Priority, Realtime.Warmup.TotalSeconds);
                    }
                }

                _wake.Reset();
                TimeSpan deadline;
                lock (_gate)
                {
                    var now = Now();
                    deadline = _engine.Tick(now, sends, events);
                    if (_lease is not null)
                    {
                        exit = Decide(now);
                        var next = now + _leaseTick;
                        deadline = next < deadline ? next : deadline;
                        if (_gateway is not null)
                        {
                            var (targets, sequence, due) = _gateway.Due(now);
                            foreach (var target in targets)
                            {
                                _gatewayProbes.Add((target, sequence));
                            }

                            deadline = due < deadline ? due : deadline;
                        }
                    }
                    foreach (var e in events)
                    {
                        foreach (var subscriber in _subscribers)
                        {
                            subscriber(e);
                        }
                    }
                }

                if (systemdWatchdog is not null)
                {
                    var due = systemdWatchdog.Pet(Now());
                    deadline = due < deadline ? due : deadline;
                }

                Send(sends);
                foreach (var (target, sequence) in _gatewayProbes)
                {
                    _icmp?.SendEcho(_gatewaySource!, target, 0x5347, sequence, _gatewayPayload);
                }

                _gatewayProbes.Clear();
                Report(events);
                sends.Clear();
                events.Clear();
                // Timed waits have millisecond resolution: round up, or a sub-millisecond wait returns at once and spins.
                var wait = deadline - Now();
                if (wait > TimeSpan.Zero)
                {
                    _wake.Wait((int)Math.Ceiling(wait.TotalMilliseconds));
                }
            }
        }
        catch (Exception e)
        {
            Log.LoopFailed(_log, e);
            return 1;
        }

        Log.Stopping(_log, "signal");
        SystemdNotifier.Notify("STOPPING=1");
        return 0;
    }

    /// <summary>
    /// Called on a receive thread: the datagram goes through the engine at once (under the lock), so a heartbeat
    /// costs one thread wake-up, not two. The event loop is woken only when the datagram changed something.
    /// </summary>
    private void Deliver(Inbound item)
    {
        var events = t_events ??= [];
        if (_gateway is not null && item.Transport == Transport.IcmpRelay && item.Data.AsSpan().SequenceEqual(_gatewayPayload))
        {
            lock (_gate)
            {
                _gateway.OnReply(item.Source, Now());
            }

            return;
        }

        lock (_gate)
        {
            var result = _engine.OnDatagram(item.Transport, item.Source, item.Data, Now(), events);
            if (result != Protocol.Heartbeat.FrameError.None && _log.IsEnabled(LogLevel.Debug))
            {
                Log.Dropped(_log, item.Source.ToString(), item.Transport.ToString(), Protocol.Heartbeat.FrameErrorNames.Name(result));
            }

            foreach (var e in events)
            {
                foreach (var subscriber in _subscribers)
                {
                    subscriber(e);
                }
            }
        }

        if (events.Count > 0)
        {
            Report(events);
            events.Clear();
            _wake.Set();
        }
    }

    [ThreadStatic]
    private static List<LinkEvent>? t_events;

    /// <summary>
    /// SIGHUP: reload (<see cref="Reload"/>). It runs on the signal's thread, where an exception would end the process:
    /// anything unexpected is a refused reload (1011), and the daemon runs on.
    /// </summary>
    public void Hangup()
    {
        try
        {
            Reload("SIGHUP");
        }
        catch (Exception e)
        {
            Log.ReloadRefused(_log, "SIGHUP", 1, _settings.ConfigPath, $"unexpected {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Re-reads the config file through the start's own checks and compares it with the text the daemon started with
    /// (<see cref="ConfigChanges"/>). An invalid file changes nothing (1011). Otherwise the keys a reload can apply are
    /// applied (the log level; resources' monitor interval, fail limit, start and monitor timeouts) and every other
    /// difference is named as waiting for a restart (1012). Comparing with the start's text each time makes a repeated
    /// reload of the same file change nothing more. Runs on the caller's thread (signal or control connection); the event
    /// loop is not held up, and the resources only briefly under their own lock.
    /// </summary>
    public ReloadReport Reload(string trigger)
    {
        if (_settings.ReadConfig is not { } read || _settings.ConfigText is not { } startText)
        {
            return new ReloadReport([], [], ["reload is not available for this daemon (started without its config file's text)"]);
        }

        lock (_reloadGate)
        {
            var started = Stopwatch.GetTimestamp();
            var file = read();
            if (file.Errors.Count > 0)
            {
                Log.ReloadRefused(_log, trigger, file.Errors.Count, _settings.ConfigPath, string.Join(" | ", file.Errors));
                return new ReloadReport([], [], file.Errors);
            }

            var changes = ConfigChanges.Compare(JsonTreeParser.Parse(startText), JsonTreeParser.Parse(file.Text));
            if (_settings.LogLevel is { } level)
            {
                level.MinimumLevel = Logging.LevelOf(file.LogLevel);
            }

            _resources?.Reconfigure(file.Resources);
            var applied = changes.Where(c => c.Runtime).Select(c => c.Path).ToList();
            var restart = changes.Where(c => !c.Runtime).Select(c => c.Path).ToList();
            Log.Reloaded(_log, trigger, Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1),
                applied.Count == 0 ? "nothing (no run-time setting differs from the start)" : string.Join(", ", applied));
            if (restart.Count > 0)
            {
                Log.ReloadNeedsRestart(_log, trigger, restart.Count, string.Join(", ", restart));
            }

            return new ReloadReport(applied, restart, []);
        }
    }

    /// <summary>One pass of the node policy (Core's <see cref="NodeController"/>): gather the facts, carry out its actions. True: leave.</summary>
    private bool Decide(TimeSpan now)
    {
        for (int i = 0; i < _leasePeers.Length; i++)
        {
            _observations[i] = _engine.Peer(_leaseCluster, _leasePeers[i]).Observe(now);
        }

        var resources = _resources!;
        var inputs = new NodeInputs(_observations, resources.Active, resources.Probing, resources.NeedsMove, resources.PanicReason,
            _termError is not null, _gateway is null ? null : !_gateway.Reachable(now), _engine.LastStall);
        var actions = _controller!.Step(now, inputs);
        _engine.Status = actions.Status;
        PersistTerm(actions.PersistTerm);
        _engine.SetLease(_leaseCluster, actions.Term, actions.Holder, actions.Running, _lease!.Options.AckWindow, actions.GatewaysLost, actions.Maintenance);
        if (actions.Run is { } run)
        {
            resources.Apply(run);
        }

        foreach (var e in actions.Events)
        {
            var level = e.Level switch
            {
                NodeEventLevel.Critical => LogLevel.Critical,
                NodeEventLevel.Error => LogLevel.Error,
                NodeEventLevel.Warning => LogLevel.Warning,
                _ => LogLevel.Information,
            };
            _log.Log(level, new EventId(e.Id, "node"), "{Message}", e.Message);
        }

        _guard!.Beat(now, actions.Guard.Active, actions.Guard.GracefulIn, actions.Guard.HardIn);
        if (actions.HardKill)
        {
            // The kill itself here (SIGKILL to every process of every resource cgroup, addresses deleted: about a
            // millisecond); the wait for the cgroups to empty runs on the manager's own thread, which logs the outcome
            // (1505/1506/1508). Processes that do not die keep the resources active: the controller stops the pets.
            resources.HardKill(actions.HardKillReason ?? "hard kill");
        }

        if (actions.PetWatchdog)
        {
            _watchdog?.Pet(now);
        }

        return actions.Exit;
    }


    private void Send(List<OutgoingFrame> sends)
    {
        foreach (var frame in sends)
        {
            if (frame.Transport == Transport.Udp)
            {
                _udp!.Send(frame.Source, frame.Destination, _settings.Config.System.UdpPort, frame.Bytes);
            }
            else
            {
                _icmp?.SendEcho(frame.Source, frame.Destination, frame.IcmpId, frame.IcmpSequence, frame.Bytes);
            }
        }
    }

    private void Report(List<LinkEvent> events)
    {
        foreach (var e in events)
        {
            var type = e.Type == LinkType.Udp ? "udp" : "icmp";
            switch (e.Kind)
            {
                case LinkEventKind.Link when e.InService:
                    Log.LinkUp(_log, e.Cluster, e.Peer, e.Link, type, e.Detail);
                    break;
                case LinkEventKind.Link:
                    Log.LinkDown(_log, e.Cluster, e.Peer, e.Link, type, e.Detail);
                    break;
                case LinkEventKind.Path when e.InService:
                    Log.PathUp(_log, e.Cluster, e.Peer, type);
                    break;
                case LinkEventKind.Path:
                    Log.PathDown(_log, e.Cluster, e.Peer, type, e.Detail);
                    break;
                case LinkEventKind.OneWay when e.InService:
                    Log.OneWayCleared(_log, e.Cluster, e.Peer, e.Link, type, e.Detail);
                    break;
                case LinkEventKind.OneWay:
                    Log.OneWay(_log, e.Cluster, e.Peer, e.Link, type, e.Detail);
                    break;
                case LinkEventKind.Hop when e.InService:
                    Log.HopUp(_log, e.Cluster, e.Link, e.Detail);
                    break;
                case LinkEventKind.Hop:
                    Log.HopDown(_log, e.Cluster, e.Link, e.Detail);
                    break;
                case LinkEventKind.SlowTick:
                    Log.SlowTick(_log, e.Detail);
                    break;
            }
        }
    }

    private JsonObject HandleControl(JsonObject request)
    {
        var command = request["command"]?.GetValue<string>();
        switch (command)
        {
            case "status":
                lock (_gate)
                {
                    var report = StatusReport.Build(_engine, _settings.Memberships, Now(), DateTimeOffset.Now,
                        new DaemonInfo(Version, _settings.NodeName, _settings.ConfigPath));
                    report["ok"] = true;
                    if (_controller is not null)
                    {
                        var decision = _controller.Decision;
                        var now = Now();
                        report["ownership"] = new JsonObject
                        {
                            ["cluster"] = _leaseCluster,
                            ["term"] = decision.Term,
                            ["holder"] = decision.Holder,
                            ["run"] = decision.Run,
                            ["why"] = decision.Reason,
                            ["status"] = _controller.Status.ToString().ToUpperInvariant(),
                            ["resources"] = _resources!.State,
                            ["resource_failures"] = _resources.Failures,
                            ["eligible"] = _lease!.Eligible,
                            ["panic"] = _resources.PanicReason,
                            ["term_store_error"] = _termError,
                            ["gateways"] = _gateway is null ? null : new JsonObject
                            {
                                ["targets"] = new JsonArray([.. _gateway.Targets.Select(t => (JsonNode)t.ToString())]),
                                ["reachable"] = !_controller.GatewaysLost,
                                ["giving_up"] = _controller.GatewayGiveUp,
                            },
                            ["moving_away"] = _controller.MovingAway,
                            ["stop_budget_ms"] = _lease.Options.StopBudget.TotalMilliseconds,
                            ["hard_deadline_in_ms"] = _controller.HardDeadline is { } hard && _resources.Active ? Math.Round((hard - now).TotalMilliseconds) : null,
                            ["hard_killed"] = _controller.HardKilled,
                            ["watchdog"] = _watchdog?.Describe(now).ToJson(),
                            ["resource_list"] = ResourceList(),
                            ["cgroups"] = _resources.CgroupMode,
                            ["takeover_after_ms"] = _lease.TakeoverAfter.TotalMilliseconds,
                            ["engine"] = _lease is MajorityLease ? "majority" : "two-node",
                            ["evidence"] = Evidence(now, _observations[0]),
                            ["peers"] = new JsonArray([.. _observations.Select(o => (JsonNode)Evidence(now, o))]),
                        };
                    }
                    return report;
                }

            case "recover":
                return Recover();
            case "resource":
                return ResourceCommand(request["action"]?.GetValue<string>(), request["name"]?.GetValue<string>());
            case "ping":
                return new JsonObject { ["ok"] = true, ["pid"] = Environment.ProcessId };
            case "reload":
                return Reload("command").ToJson();
            case "standby" or "online" or "offline":
                return SetAvailability(command, request["for_s"]?.GetValue<double>());
            case "stop":
                if (request["leave_running"]?.GetValue<bool>() == true)
                {
                    if (_lease is null)
                    {
                        return ControlServer.Error("this node runs no resources: plain `splitguard stop` is enough");
                    }

                    lock (_gate)
                    {
                        if (_controller!.RequestStop(leaveRunning: true, _resources!.PanicReason) is { } refused)
                        {
                            return ControlServer.Error(refused);
                        }
                    }

                    _stopRequested = true;
                    _wake.Set();
                    return new JsonObject
                    {
                        ["ok"] = true,
                        ["message"] = "leaving in maintenance: the resources stay running here, the peers are told not to take them over while this daemon is away; start it again to resume",
                    };
                }

                _stopRequested = true;
                _wake.Set();
                return new JsonObject { ["ok"] = true, ["message"] = "stopping: resources first, then the daemon" };
            default:
                return ControlServer.Error($"unknown command '{command}'; known: status, ping, standby, online, offline, resource, recover, stop");
        }
    }

    private JsonObject SetAvailability(string command, double? seconds)
    {
        if (_controller is null)
        {
            return ControlServer.Error("this node runs no resources (no Resources section): nothing to switch over");
        }

        string message;
        lock (_gate)
        {
            message = _controller.SetAvailability(command, Now(), seconds is > 0 ? TimeSpan.FromSeconds(seconds.Value) : null);
        }

        Log.Operator(_log, command, message);
        _wake.Set();
        return new JsonObject { ["ok"] = true, ["message"] = message };
    }

    /// <summary>
    /// Stores a new term before it goes out in a frame. A node that cannot store it (disk full, read-only) stops being
    /// eligible, so it claims nothing it could forget (S4), until a write succeeds again.
    /// </summary>
    private void PersistTerm(uint term)
    {
        if (term <= _persistedTerm && _termError is null)
        {
            return;
        }

        try
        {
            _termFile!.Write(Math.Max(term, _persistedTerm));
            _persistedTerm = Math.Max(term, _persistedTerm);
            if (_termError is not null)
            {
                Log.TermStoredAgain(_log, _termFile.Path);
                _termError = null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (_termError is null)
            {
                Log.TermNotStored(_log, _termFile!.Path, e.Message);
            }

            _termError = e.Message;
        }
    }

    private JsonArray ResourceList()
    {
        var list = new JsonArray();
        foreach (var r in _resources!.Views())
        {
            list.Add((JsonNode)new JsonObject
            {
                ["name"] = r.Name,
                ["group"] = r.Group,
                ["status"] = r.Status,
                ["fail_count"] = r.FailCount,
                ["fail_limit"] = r.FailLimit,
                ["stop_failed"] = r.StopFailed,
                ["disabled"] = r.Disabled,
                ["pending"] = r.Pending,
                ["last_error"] = r.LastError,
                ["last_stop_ms"] = r.LastStopMs,
                ["longest_stop_ms"] = r.LongestStopMs,
                ["last_stop_killed"] = r.LastStopKilled,
            });
        }

        return list;
    }

    private JsonObject Recover()
    {
        if (_resources is null)
        {
            return ControlServer.Error("this node runs no resources (no Resources section): nothing to recover");
        }

        // Runs on the control socket's thread: the stops and monitors may take their timeouts, the event loop goes on.
        var (ok, message) = _resources.RecoverAsync().GetAwaiter().GetResult();
        Log.Operator(_log, "recover", message);
        _wake.Set();
        return ok ? new JsonObject { ["ok"] = true, ["message"] = message } : ControlServer.Error(message);
    }

    private JsonObject ResourceCommand(string? action, string? name)
    {
        if (_resources is null)
        {
            return ControlServer.Error("this node runs no resources (no Resources section)");
        }

        if (string.IsNullOrEmpty(name) || !_resources.Knows(name))
        {
            return ControlServer.Error($"unknown resource '{name}'; configured: {string.Join(", ", _resources.Names)}");
        }

        string message;
        lock (_gate)
        {
            switch (action)
            {
                case "cleanup":
                    if (_resources.PanicReason is not null)
                    {
                        return ControlServer.Error($"this node is in panic ({_resources.PanicReason}): run `splitguard recover`, not cleanup");
                    }

                    _resources.Cleanup(name);
                    message = $"{name}: fail count reset; a failed resource is probed again";
                    break;
                case "stop":
                    var stopped = _resources.SetDisabled(name, true);
                    message = stopped.Length > 0 ? $"group {stopped} stops here and stays stopped while this node holds the lease (until `resource start`)" : $"{name} is already kept stopped";
                    break;
                case "start":
                    var enabled = _resources.SetDisabled(name, false);
                    _resources.Cleanup(name);
                    message = enabled.Length > 0 ? $"group {enabled} may run again; it starts where the lease is held" : $"{name} was not kept stopped; fail count reset";
                    break;
                case "move":
                    var (moved, moveMessage) = _controller!.MoveAway(Now(), name);
                    if (!moved)
                    {
                        return ControlServer.Error(moveMessage);
                    }

                    message = moveMessage;
                    break;

                default:
                    return ControlServer.Error($"unknown resource action '{action}'; known: start, stop, move, cleanup");
            }
        }

        Log.Operator(_log, $"resource {action} {name}", message);
        _wake.Set();
        return new JsonObject { ["ok"] = true, ["message"] = message };
    }

    private JsonObject Evidence(TimeSpan now, PeerObservation o)
    {
        return new JsonObject
        {
            ["peer"] = o.Peer,
            ["peer_heard"] = o.Heard,
            ["peer_last_heard_ms"] = o.LastHeard is { } heard ? Math.Round((now - heard).TotalMilliseconds) : null,
            ["peer_hears_me"] = o.HearsMe,
            ["peer_acks_lease"] = o.AcksLease,
            ["peer_term"] = o.PeerTerm,
            ["peer_holder"] = o.PeerHolder,
            ["peer_running"] = o.PeerRunning,
            ["peer_status"] = o.PeerStatus?.ToString().ToUpperInvariant(),
            ["witness_configured"] = o.HasWitness,
            ["witness_relay_worked"] = o.RelayHealthy,
            ["witness_answers_for_ms"] = o.WitnessSince is { } since ? Math.Round((now - since).TotalMilliseconds) : null,
            ["lease_last_evidence_ms"] = Math.Round((now - _lease!.LastEvidence).TotalMilliseconds),
        };
    }

    public void Dispose()
    {
        if (_controller is not { LeavingRunning: true })
        {
            // Normally the resources are down already (the controller waits for it); this is the safety net.
            _resources?.StopAndWait(TimeSpan.FromSeconds(30));
        }

        _resources?.Dispose();
        _agents?.Dispose();

        // A clean exit (the resources are down, or left running in maintenance with the peers told): magic close.
        _watchdog?.Disarm(Now());
        _watchdog?.Dispose();
        _guard?.Dispose();
        _api?.Dispose();
        _events?.Dispose();
        _control?.Dispose();
        _udp?.Dispose();
        _icmp?.Dispose();
        _wake.Dispose();
        Log.Stopped(_log);
    }
}
