using System.Globalization;
using SplitGuard.Core.Links;
using SplitGuard.Core.Placement;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Node;

/// <summary>
/// Every node-level decision of the daemon, pure: (state, inputs, now) -> (state, actions). Which status and lease
/// every frame carries, when the node is eligible, when the resources are driven, how long the guard waits, when the
/// hard kill fires and whether the watchdog is petted, when a stopping daemon may leave, the maintenance leave, pha's
/// gateway rule and the operator's windows. The daemon executes the <see cref="NodeActions"/>; the simulation runs
/// this same class, so the seeded schedules check the policy that ships (docs/ownership.md).
/// </summary>
public sealed partial class NodeController
{
    private readonly NodeActions _actions = new();
    private IReadOnlyList<PeerObservation> _observations = [];
    private string? _panicLogged;
    private bool _stopping;
    private bool _leaveRunning;
    private TimeSpan? _maintenanceSince;
    private TimeSpan? _maintenanceConfirmed;
    private TimeSpan? _downSince;
    private bool _stuckLogged;
    private TimeSpan? _heldEvidence;
    private TimeSpan? _activeSince;
    private TimeSpan? _heardEvidence;
    private TimeSpan? _basis;
    private bool _hardKilled;

    /// <param name="lease">This node's lease engine (two-node or majority), created with the stored term.</param>
    public NodeController(IOwnershipLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        Lease = lease;
        Decision = new OwnershipDecision(false, lease.Term, 0, "starting: probing what runs here");
    }

    /// <summary>The lease engine this controller drives.</summary>
    public IOwnershipLease Lease { get; }

    /// <summary>The last verdict.</summary>
    public OwnershipDecision Decision { get; private set; }

    /// <summary>What this node observed of its peers at the last step.</summary>
    public IReadOnlyList<PeerObservation> Observations => _observations;

    /// <summary>A stop of the daemon was requested.</summary>
    public bool Stopping => _stopping;

    /// <summary>The daemon leaves in maintenance (stop --leave-running), its resources running on.</summary>
    public bool LeavingRunning => _stopping && _leaveRunning;

    /// <summary>When the resources must be down at the latest (the hard kill), or null when no lease bounds them.</summary>
    public TimeSpan? HardDeadline => _basis is { } basis ? StopDeadlines.Hard(basis, Lease.Options) : null;

    /// <summary>The hard kill fired during the current stop.</summary>
    public bool HardKilled => _hardKilled;

    /// <summary>The status frames carry (for status and tests).</summary>
    public NodeStatus Status { get; private set; } = NodeStatus.Progress;

    /// <summary>
    /// One pass at <paramref name="now"/>: decides and returns what the shell must do. The returned object is reused by
    /// the next call: read it before stepping again.
    /// </summary>
    public NodeActions Step(TimeSpan now, in NodeInputs inputs)
    {
        _actions.Reset();
        _observations = inputs.Observations;
        OperatorWindows(now);
        if (inputs.Panic != _panicLogged)
        {
            _panicLogged = inputs.Panic;
            if (inputs.Panic is not null)
            {
                Event(1400, NodeEventLevel.Critical, $"PANIC: {inputs.Panic}; no automatic decisions until `splitguard recover` (heartbeats go on; peers are told resources may still run here)");
            }
        }

        GatewayCheck(inputs.GatewaysLost);
        if (_stopping && _leaveRunning && !inputs.Active && !inputs.Probing)
        {
            // Nothing runs here (any more) to leave running: a plain stop. Staying eligible would let this node claim
            // and start the resources, then leave them running unannounced.
            _leaveRunning = false;
        }

        bool leaving = _stopping && !_leaveRunning;

        // Until the probe at start has said what runs here, claim nothing (resources found running may be resumed).
        Lease.Eligible = !inputs.Probing && !leaving && !_operatorIneligible && inputs.Panic is null && !inputs.NeedsMove
            && _moveAwayUntil is null && !inputs.TermStoreError && !_gatewayGiveUp;
        var decision = Lease.Decide(now, inputs.Observations, inputs.Active, inputs.LastStall);
        Status = leaving ? NodeStatus.Offline
            : _operatorIneligible ? _operatorStatus
            : inputs.Probing || Lease.Resuming ? NodeStatus.Progress // peers keep a restarted holder's lease meanwhile
            : !Lease.Eligible ? NodeStatus.Standby
            : NodeStatus.Online;
        if (decision.Run != Decision.Run || decision.Holder != Decision.Holder || decision.Term != Decision.Term)
        {
            Event(1406, NodeEventLevel.Information, string.Create(CultureInfo.InvariantCulture,
                $"ownership: {(decision.Run ? "RUN" : "stop")}, term {decision.Term}, holder {(decision.Holder == 0 ? "none" : decision.Holder.ToString(CultureInfo.InvariantCulture))}: {decision.Reason}"));
        }

        Decision = decision;
        _actions.Decision = decision;
        _actions.Status = Status;
        _actions.Running = inputs.Active;
        _actions.GatewaysLost = _gatewaysLost;
        _actions.Maintenance = _stopping && _leaveRunning && inputs.Active;

        // Waiting to resume the lease held before a restart, or probing: the resources found running stay as they are.
        _actions.Run = inputs.Probing || Lease.Resuming ? null : decision.Run;
        EnforcedStop(now, inputs);
        StopSequence(now, inputs);
        return _actions;
    }

    /// <summary>
    /// The basis of the stop deadlines, the guard's instructions, the hard kill and the watchdog (see
    /// <see cref="StopDeadlines"/>): the latest time that, like a lease's evidence, bounds when a peer may start the
    /// resources elsewhere. While this node holds the lease, and after it lost or gave it up, that is the lease's last
    /// evidence. With two nodes, the peer's frames saying it hears this node count too: the peer counts its takeover
    /// time from the last frame it heard from here, which is at most the detection time before its frame says so (plus
    /// a delivery delay of at most one interval); moved by the ack window plus two intervals, as lease evidence is
    /// (the takeover time covers them), that is <c>last heard - detection + ack window + interval</c>. So a stop the peer
    /// waits for (standby, a switchover) may take its time while the peer hears this node, and is killed once the
    /// peer stops hearing it. (With three or more nodes a node that hears this one need not be the one that takes
    /// over: only the lease's evidence counts.) Resources active without either (found running at start) count
    /// from when they were first seen.
    /// </summary>
    private void EnforcedStop(TimeSpan now, in NodeInputs inputs)
    {
        var options = Lease.Options;
        bool active = inputs.Active;
        if (Lease.Holder == Lease.Self)
        {
            _heldEvidence = Lease.LastEvidence;
        }

        _activeSince = active ? _activeSince ?? now : null;
        if (!active && Lease.Holder != Lease.Self)
        {
            _heldEvidence = null;
            _hardKilled = false;
        }

        if (inputs.Observations.Count == 1 && inputs.Observations[0] is { Heard: true, HearsMe: true, LastHeard: { } heard })
        {
            var evidence = heard - options.Detection + options.AckWindow + options.Interval;
            _heardEvidence = _heardEvidence is { } e && e > evidence ? e : evidence;
        }

        _basis = Latest(_heldEvidence, _heardEvidence) ?? _activeSince;
        if (!active)
        {
            _basis = null;
            _heardEvidence = null;
        }

        if (active && _actions.Run == false && Lease.Holder != Lease.Self && HardDeadline is { } hard && now >= hard && !_hardKilled)
        {
            _hardKilled = true;
            _actions.HardKill = true;
            _actions.HardKillReason = string.Create(CultureInfo.InvariantCulture,
                $"not stopped by the hard deadline ({(now - hard).TotalMilliseconds:0} ms past it, stop budget {options.StopBudget.TotalMilliseconds:0} ms)");
            Event(1409, NodeEventLevel.Error, string.Create(CultureInfo.InvariantCulture,
                $"hard stop deadline: the resources still run {(now - (hard - options.StopBudget + StopDeadlines.KillMargin(options))).TotalMilliseconds:0} ms after the lease stopped being renewable (stop budget {options.StopBudget.TotalMilliseconds:0} ms), {StopDeadlines.KillMargin(options).TotalMilliseconds:0} ms before it ends: killing their processes and removing their addresses"));
        }

        // No more pets once the hard kill fired and something still runs: resources that outlive it (a process in
        // uninterruptible sleep) let the watchdog reset the node, within its timeout, before a peer may take over.
        _actions.PetWatchdog = !(active && _hardKilled);

        // The guard's view: after the hard kill ran, the daemon is alive and doing the work; the guard then only covers
        // its death, counted from this beat, as it does for a node whose resources nothing bounds.
        var basis = _basis is { } held && !_hardKilled ? held : now;
        var floor = options.Interval * 2; // a beat two intervals late is not yet a dead daemon
        var graceful = StopDeadlines.GuardGraceful(basis, options) - now;
        var kill = StopDeadlines.Hard(basis, options) - now;
        _actions.Guard = new GuardBeat(active, graceful > floor ? graceful : floor, kill > floor ? kill : floor);
    }

    /// <summary>
    /// Stopping the daemon stops its resources first (DESIGN rule 8): the lease is released, frames say OFFLINE, and
    /// the daemon heartbeats on until the resources are down, then five intervals more so the peers see it, then
    /// leaves. In panic it does not leave: a resource may still run here and the peers must keep hearing so. Leaving in
    /// maintenance: frames carry the flag until the peers' acknowledgements prove they have it, then it leaves with
    /// the resources running; without that proof in time it stops them instead.
    /// </summary>
    private void StopSequence(TimeSpan now, in NodeInputs inputs)
    {
        if (!_stopping)
        {
            return;
        }

        var options = Lease.Options;
        if (_leaveRunning && inputs.Active)
        {
            _maintenanceSince ??= now;
            if (_maintenanceConfirmed is null && MaintenanceLeave.Confirmed(Lease.Self, _maintenanceSince.Value, inputs.Observations, options))
            {
                _maintenanceConfirmed = now;
                Event(1404, NodeEventLevel.Information, string.Create(CultureInfo.InvariantCulture,
                    $"maintenance: the peers acknowledged frames carrying the maintenance flag after {(now - _maintenanceSince.Value).TotalMilliseconds:0} ms; leaving"));
            }

            if (_maintenanceConfirmed is { } confirmed && now - confirmed >= MaintenanceLeave.Linger(options))
            {
                _actions.Exit = true;
            }
            else if (_maintenanceConfirmed is null && now - _maintenanceSince.Value >= MaintenanceLeave.Patience(options))
            {
                Event(1405, NodeEventLevel.Error, string.Create(CultureInfo.InvariantCulture,
                    $"maintenance: no proof within {MaintenanceLeave.Patience(options).TotalMilliseconds:0} ms that the peers saw the maintenance flag (a peer that missed it would take over): stopping the resources instead of leaving them running"));
                _leaveRunning = false;
            }

            return;
        }

        if (inputs.Active || inputs.Probing)
        {
            _downSince = null;
            if (inputs.Panic is not null && !_stuckLogged)
            {
                _stuckLogged = true;
                Event(1416, NodeEventLevel.Error, "stop requested in panic: a resource may still run here, so the daemon stays and tells its peers so until `splitguard recover` confirms it stopped (or it is killed: the guard then kills the resources)");
            }

            return;
        }

        _downSince ??= now;
        if (now - _downSince.Value >= options.Interval * 5)
        {
            _actions.Exit = true;
        }
    }

    private static TimeSpan? Latest(TimeSpan? a, TimeSpan? b) => a is { } x && (b is not { } y || x > y) ? a : b;

    private void Event(int id, NodeEventLevel level, string message) => _actions.Events.Add(new NodeEvent(id, level, message));
}
