using System.Net;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;
using SplitGuard.Core.Placement;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Resources;
using SplitGuard.Daemon.Api;
using SplitGuard.Daemon.Net;
using SplitGuard.Daemon.Status;

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
    private readonly HeartbeatEngine _engine;
    private readonly long _clockOrigin = Stopwatch.GetTimestamp();
    private readonly List<Action<LinkEvent>> _subscribers = [];
    private readonly IOwnershipLease? _lease;
    private readonly ResourceManager? _resources;
    private readonly Guard? _guard;
    private readonly ushort _leaseCluster;
    private readonly ushort[] _leasePeers = [];
    private readonly TimeSpan _leaseTick;
    private OwnershipDecision _decision;
    private PeerObservation[] _observations = [];
    private volatile bool _stopRequested;
    private volatile bool _leaveRunning;
    private bool _operatorIneligible;
    private Protocol.Heartbeat.NodeStatus _operatorStatus = Protocol.Heartbeat.NodeStatus.Online;
    private TimeSpan? _offlineUntil;
    private TimeSpan? _moveAwayUntil;
    private string? _panicLogged;
    private readonly TermFile? _termFile;
    private readonly GatewayMonitor? _gateway;
    private readonly byte[] _gatewayPayload = new byte[8];
    private readonly List<(IPAddress Target, ushort Sequence)> _gatewayProbes = [];
    private IPAddress? _gatewaySource;
    private bool _gatewayLost;
    private bool _gatewayGiveUp;
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
        var incarnation = Incarnation.Next(settings.PidFile + ".incarnation", DateTimeOffset.UtcNow, warning => _log.LogWarning("{Warning}", warning));
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
            var options = new LeaseOptions(links.Max(l => l.DetectionTime), links.Max(l => l.Config.Interval), settings.Config.Ownership.StopBudget,
                self.Priority, peer.Priority);

            // Two nodes: the lease with a witness (docs/ownership.md). Three or more: an elected master by majority.
            _termFile = new TermFile(settings.PidFile + ".term");
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
            // Issue 10: every resource in a cgroup of its own (splitguard/<node>/<resource>); the runner and the manager share it.
            var cgroups = Cgroups.ResourceCgroups.Detect(name);
            var runner = new AgentRunner(new AgentRunnerOptions { Cgroups = cgroups });
            _resources = new ResourceManager(settings.Resources, runner, new OwnershipLog(settings.OwnershipLog, name), _log, Now,
                cgroups, settings.Config.Ownership.StopBudget);
            _guard = new Guard(settings.PidFile + ".guard.sh", name, settings.Resources, runner, options.Detection,
                links.Min(l => l.Config.Interval), settings.OwnershipLog, _log);
        }
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

        // The event loop (this thread) and the receive threads carry the heartbeats: real-time scheduling for them.
        Realtime.Configure(_settings.Config.Daemon.RealtimePriority);
        if (Realtime.EnterCurrentThread() is { } noRealtime)
        {
            Log.NoRealtime(_log, noRealtime);
        }
        else if (Realtime.Priority > 0)
        {
            Log.Realtime(_log, Realtime.Priority);
        }

        _udp.Start();
        _icmp?.Start();
        _control.Start();
        _api.Start();
        _events?.Start();
        Log.Ready(_log, _engine.Links.Count(), _settings.ControlSocket);
        SystemdNotifier.Notify("READY=1\nSTATUS=heartbeating");

        var sends = new List<OutgoingFrame>();
        var events = new List<LinkEvent>();
        using var registration = stop.Register(() => _wake.Set());
        bool stopping = false;
        TimeSpan? leaveAt = null;
        TimeSpan? maintenanceSince = null;
        TimeSpan? maintenanceConfirmed = null;
        try
        {
            while (true)
            {
                if ((stop.IsCancellationRequested || _stopRequested) && !stopping)
                {
                    // Stopping the daemon stops its resources first (DESIGN rule 8): release the lease, announce OFFLINE,
                    // keep heartbeating until they are down and the peer has seen it, then leave.
                    stopping = true;
                    if (_leaveRunning)
                    {
                        Log.LeavingInMaintenance(_log);
                    }
                }

                if (stopping && _leaveRunning && _resources is not null && _resources.Active)
                {
                    // Leaving in maintenance: heartbeat with the maintenance flag until the peers surely have it (their
                    // acknowledgements prove it), a little longer, then go. Without that proof in time, the resources
                    // are stopped as in a normal stop: a peer that missed the flag would take them over.
                    var at = Now();
                    var lease = _lease!;
                    maintenanceSince ??= at;
                    if (maintenanceConfirmed is null && MaintenanceLeave.Confirmed(lease.Self, maintenanceSince.Value, _observations, lease.Options))
                    {
                        maintenanceConfirmed = at;
                        Log.MaintenanceConfirmed(_log, (at - maintenanceSince.Value).TotalMilliseconds);
                    }

                    if (maintenanceConfirmed is { } confirmed && at - confirmed >= MaintenanceLeave.Linger(lease.Options))
                    {
                        break;
                    }

                    if (maintenanceConfirmed is null && at - maintenanceSince.Value >= MaintenanceLeave.Patience(lease.Options))
                    {
                        Log.MaintenanceUnconfirmed(_log, MaintenanceLeave.Patience(lease.Options).TotalMilliseconds);
                        _leaveRunning = false;
                    }
                }
                else if (stopping)
                {
                    // Nothing runs here (any more): heartbeat a few more intervals (OFFLINE), then go.
                    leaveAt ??= Now() + (_leaseTick * 10);
                    if (Now() >= leaveAt)
                    {
                        break;
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
                        Decide(now, stopping);
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

    private void Decide(TimeSpan now, bool stopping)
    {
        if (_offlineUntil is { } until && now >= until)
        {
            _offlineUntil = null;
            _operatorIneligible = false;
            _operatorStatus = Protocol.Heartbeat.NodeStatus.Online;
            _log.LogInformation("offline period over: this node is ONLINE again");
        }

        var taker = Array.FindIndex(_observations, o => o.Heard && o.PeerHolder == o.Peer && o.PeerRunning);
        if (_moveAwayUntil is { } moveEnd && (now >= moveEnd || taker >= 0))
        {
            _moveAwayUntil = null;
            _log.LogInformation("resource move: {Outcome}; this node may own resources again",
                taker < 0 ? "no other node took the resources over in time" : $"node {_observations[taker].Peer} runs the resources now");
        }

        var panic = _resources!.PanicReason;
        if (panic != _panicLogged)
        {
            _panicLogged = panic;
            if (panic is not null)
            {
                Log.Panic(_log, panic);
            }
        }

        bool needsMove = _resources.NeedsMove;
        GatewayCheck(now);
        bool leaving = stopping && !_leaveRunning;

        // Until the probe at start has said what runs here, claim nothing (resources found running may be resumed).
        _lease!.Eligible = !_resources.Probing && !leaving && !_operatorIneligible && panic is null && !needsMove && _moveAwayUntil is null && _termError is null && !_gatewayGiveUp;
        for (int i = 0; i < _leasePeers.Length; i++)
        {
            _observations[i] = _engine.Peer(_leaseCluster, _leasePeers[i]).Observe(now);
        }

        bool active = _resources.Active;
        var decision = _lease.Decide(now, _observations, active, _engine.LastStall);
        _engine.Status = leaving ? Protocol.Heartbeat.NodeStatus.Offline
            : _operatorIneligible ? _operatorStatus
            : _resources.Probing || _lease.Resuming ? Protocol.Heartbeat.NodeStatus.Progress // peers keep a restarted holder's lease meanwhile
            : !_lease.Eligible ? Protocol.Heartbeat.NodeStatus.Standby
            : Protocol.Heartbeat.NodeStatus.Online;
        PersistTerm(decision.Term);
        _engine.SetLease(_leaseCluster, decision.Term, decision.Holder, active, _lease.Options.AckWindow, _gatewayLost, stopping && _leaveRunning && active);
        if (decision.Run != _decision.Run || decision.Holder != _decision.Holder || decision.Term != _decision.Term)
        {
            _log.LogInformation("ownership: {Verdict}, term {Term}, holder {Holder}: {Reason}",
                decision.Run ? "RUN" : "stop", decision.Term, decision.Holder == 0 ? "none" : decision.Holder.ToString(System.Globalization.CultureInfo.InvariantCulture), decision.Reason);
        }

        _decision = decision;
        if (!_resources.Probing && !_lease.Resuming)
        {
            // Waiting to resume the lease held before a restart: the resources found running stay as they are.
            _resources.Apply(decision.Run);
        }
        // The guard acts if no beat comes before the point where this node would stop on its own (lease not renewable),
        // plus half the stop budget: the stops it runs (tens of ms) still end well before the lease does.
        var grace = _lease.Options.StopBudget / 2;
        var remaining = (decision.Holder == _lease.Self ? _lease.LastEvidence + _lease.Options.Detection - now : _lease.Options.Detection) + grace;

        // >>> issue 10 (cgroup branch): the guard's hard deadline, a quarter of the stop budget before the lease ends.
        _guard!.Beat(now, _resources.Active, remaining, remaining + (_lease.Options.StopBudget / 4));
        HardKillAtDeadline(now, decision);
        // <<< issue 10
    }

    // >>> issue 10 (cgroup branch): minimal hard-kill trigger, to be ported into Core's NodeController.
    private bool _hardKilled;

    /// <summary>
    /// Not running the resources, but they are still active at the hard deadline (the lease end minus a quarter of the
    /// stop budget): kill them, once per stop (ResourceManager.HardKill: the kill itself here, the confirmation on its thread).
    /// </summary>
    private void HardKillAtDeadline(TimeSpan now, OwnershipDecision decision)
    {
        if (decision.Run || _resources!.Probing || _lease!.Resuming || !_resources.Active)
        {
            _hardKilled = false;
            return;
        }

        var budget = _lease.Options.StopBudget;
        var hardDeadline = _lease.LastEvidence + _lease.Options.Detection + budget - (budget / 4);
        if (_hardKilled || now < hardDeadline)
        {
            return;
        }

        _hardKilled = true;

        // Synchronous part here (SIGKILL to every process, addresses deleted: about a millisecond); the wait for the
        // cgroups to empty runs on the manager's own thread, which then logs and calls back (only logging here: the
        // callback runs on that thread, and this daemon's lock must not be taken from it).
        _resources.HardKill(
            $"not stopped by the hard deadline ({(now - _lease.LastEvidence).TotalMilliseconds:0} ms after the lease's last evidence)",
            report =>
            {
                if (!report.AllEmpty)
                {
                    _log.LogCritical("hard kill could not confirm every resource gone ({Resources}); the watchdog must act",
                        string.Join(", ", report.Resources.Where(r => !r.Empty).Select(r => r.Resource)));
                }
            });
    }
    // <<< issue 10

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
                    if (_lease is not null)
                    {
                        report["ownership"] = new JsonObject
                        {
                            ["cluster"] = _leaseCluster,
                            ["term"] = _decision.Term,
                            ["holder"] = _decision.Holder,
                            ["run"] = _decision.Run,
                            ["why"] = _decision.Reason,
                            ["resources"] = _resources!.State,
                            ["resource_failures"] = _resources.Failures,
                            ["eligible"] = _lease.Eligible,
                            ["panic"] = _resources.PanicReason,
                            ["term_store_error"] = _termError,
                            ["gateways"] = _gateway is null ? null : new JsonObject
                            {
                                ["targets"] = new JsonArray([.. _gateway.Targets.Select(t => (JsonNode)t.ToString())]),
                                ["reachable"] = !_gatewayLost,
                                ["giving_up"] = _gatewayGiveUp,
                            },
                            ["moving_away"] = _moveAwayUntil is not null,
                            ["resource_list"] = ResourceList(),
                            ["cgroups"] = _resources.CgroupMode, // issue 10
                            ["takeover_after_ms"] = _lease.TakeoverAfter.TotalMilliseconds,
                            ["engine"] = _lease is MajorityLease ? "majority" : "two-node",
                            ["evidence"] = Evidence(Now(), _observations[0]),
                            ["peers"] = new JsonArray([.. _observations.Select(o => (JsonNode)Evidence(Now(), o))]),
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
                        if (_resources!.PanicReason is not null)
                        {
                            return ControlServer.Error("refused: this node is in panic; recover first");
                        }

                        if (!_observations.Any(o => o.Heard && o.HearsMe))
                        {
                            return ControlServer.Error("refused: no peer hears this node, so none could be told to hold off; stop the resources with `splitguard stop`");
                        }
                    }

                    _leaveRunning = true;
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
        if (_lease is null)
        {
            return ControlServer.Error("this node runs no resources (no Resources section): nothing to switch over");
        }

        lock (_gate)
        {
            _offlineUntil = null;
            switch (command)
            {
                case "online":
                    _operatorIneligible = false;
                    _operatorStatus = Protocol.Heartbeat.NodeStatus.Online;
                    break;
                case "standby":
                    _operatorIneligible = true;
                    _operatorStatus = Protocol.Heartbeat.NodeStatus.Standby;
                    break;
                default:
                    _operatorIneligible = true;
                    _operatorStatus = Protocol.Heartbeat.NodeStatus.Offline;
                    _offlineUntil = Now() + TimeSpan.FromSeconds(seconds is > 0 ? seconds.Value : 30);
                    break;
            }
        }

        _log.LogInformation("operator: {Command}{For}", command, command == "offline" ? $" for {(seconds is > 0 ? seconds.Value : 30)} s" : string.Empty);
        _wake.Set();
        return new JsonObject
        {
            ["ok"] = true,
            ["message"] = command switch
            {
                "online" => "ONLINE: this node may own resources again",
                "standby" => "STANDBY: this node releases the lease and stops its resources; the peer takes over",
                _ => $"OFFLINE for {(seconds is > 0 ? seconds.Value : 30)} s: switchover to the peer; ONLINE again afterwards",
            },
        };
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
                _log.LogWarning("lease term stored again in {Path}; this node may own resources again", _termFile.Path);
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

    /// <summary>
    /// pha's gateway rule: a node that lost every gateway gives up its lease and resources while another node, heard
    /// ONLINE, still reaches its own (that node takes over at once: it hears the release). When all lost them (the
    /// gateway itself is down), nobody moves.
    /// </summary>
    private void GatewayCheck(TimeSpan now)
    {
        if (_gateway is null)
        {
            return;
        }

        bool lost = !_gateway.Reachable(now);
        bool giveUp = lost && _observations.Any(o => o.Heard && !o.PeerGatewayLost && o.PeerStatus == Protocol.Heartbeat.NodeStatus.Online);
        if (lost != _gatewayLost || giveUp != _gatewayGiveUp)
        {
            Log.Gateways(_log, string.Join(", ", _gateway.Targets), lost ? "lost" : "reachable",
                giveUp ? "another node still reaches them: giving up the lease and resources" : lost ? "no other node reaches them either: nothing moves" : "this node may own resources");
        }

        _gatewayLost = lost;
        _gatewayGiveUp = giveUp;
    }

    private JsonArray ResourceList()
    {
        var list = new JsonArray();
        foreach (var r in _resources!.Views())
        {
            list.Add(new JsonObject
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
                ["last_stop_ms"] = r.LastStopMs, // issue 10: stop times
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
        _log.LogWarning("operator: recover: {Message}", message);
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
                    if (_decision.Holder != _lease!.Self)
                    {
                        return ControlServer.Error(_decision.Holder == 0
                            ? $"nobody holds the lease now; {name} does not run here"
                            : $"{name} does not run here: node {_decision.Holder} holds the lease; run the move there");
                    }

                    var online = _observations.Where(o => o.Heard && o.PeerStatus == Protocol.Heartbeat.NodeStatus.Online).Select(o => o.Peer).ToList();
                    if (online.Count == 0)
                    {
                        return ControlServer.Error($"refused: no other node is heard ONLINE, so nobody could take {name} over");
                    }

                    _moveAwayUntil = Now() + TimeSpan.FromSeconds(60);
                    message = $"moving: this node releases the lease and stops its resources; node(s) {string.Join(", ", online)} may take them over";
                    break;
                default:
                    return ControlServer.Error($"unknown resource action '{action}'; known: start, stop, move, cleanup");
            }
        }

        _log.LogInformation("operator: resource {Action} {Name}: {Message}", action, name, message);
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
        if (!_leaveRunning)
        {
            _resources?.StopAndWait(TimeSpan.FromSeconds(30));
        }

        _resources?.Dispose();
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
