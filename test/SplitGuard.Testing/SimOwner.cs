using SplitGuard.Core.Links;
using SplitGuard.Core.Placement;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Testing;

/// <summary>
/// A simulated node's ownership: the lease engine plus a model of an exclusive resource that takes
/// <see cref="StartTime"/> to start and <see cref="StopTime"/> to stop. Records when it was active and started.
/// </summary>
public sealed class SimOwner
{
    private readonly SimNode _node;
    private readonly ushort[] _peers;
    private readonly PeerObservation[] _observations;
    private TimeSpan _transitionEnd;

    public SimOwner(SimNode node, ushort self, ushort peer, LeaseOptions options, TimeSpan now)
        : this(node, new TwoNodeLease(self, options, now), [peer])
    {
    }

    /// <summary>A node with any lease engine, observing <paramref name="peers"/> of cluster 1.</summary>
    public SimOwner(SimNode node, IOwnershipLease lease, ushort[] peers)
    {
        _node = node;
        _peers = peers;
        _observations = new PeerObservation[peers.Length];
        Lease = lease;
        node.Step = Step;
    }

    public enum ResourceState
    {
        Stopped,
        Starting,
        Started,
        Stopping,
    }

    public TimeSpan StartTime { get; set; } = TimeSpan.FromMilliseconds(5);

    public TimeSpan StopTime { get; set; } = TimeSpan.FromMilliseconds(20);

    public IOwnershipLease Lease { get; private set; }

    public ResourceState State { get; private set; }

    public OwnershipDecision Last { get; private set; }

    public int Starts { get; private set; }

    /// <summary>When set, every change of decision or resource state is appended (for replaying a failing seed).</summary>
    public List<string>? Trace { get; set; }

    /// <summary>Active (possible owner): starting, started or stopping.</summary>
    public bool Active => State != ResourceState.Stopped;

    /// <summary>Definite owner: started.</summary>
    public bool Started => State == ResourceState.Started;

    /// <summary>
    /// The guard process: the daemon tells it, with every beat, when its lease stops being renewable (last evidence
    /// plus the detection time). If the node is frozen past that point with its resources active, the guard stops
    /// them (they are down <see cref="StopTime"/> later). Called by the simulation for paused nodes.
    /// </summary>
    public void GuardCheck(TimeSpan now, TimeSpan frozenSince, TimeSpan detection)
    {
        // As the daemon tells its guard: the self-fence point plus half the stop budget.
        var deadline = (Lease.Holder != 0 ? Lease.LastEvidence + detection : frozenSince) + (Lease.Options.StopBudget / 2);
        if (State is ResourceState.Starting or ResourceState.Started && now >= deadline)
        {
            State = ResourceState.Stopping;
            _transitionEnd = now + StopTime;
        }
        else if (State == ResourceState.Stopping && now >= _transitionEnd)
        {
            State = ResourceState.Stopped;
        }
    }

    /// <summary>The daemon has gone (left in maintenance, or stopped after it could not): its node sends nothing.</summary>
    public bool Away { get; private set; }

    /// <summary>The daemon is leaving in maintenance: its frames carry the flag until the peers surely have it.</summary>
    public bool Leaving => _leavingSince is not null;

    /// <summary>The daemon is on its way out: leaving in maintenance, or stopping its resources to leave.</summary>
    public bool Departing => Leaving || _stoppingToLeave;

    /// <summary>
    /// `splitguard stop --leave-running`, as the daemon does it: with resources active, heartbeat with the maintenance
    /// flag until <see cref="MaintenanceLeave.Confirmed"/> (then linger and go, the resources left running), or give up
    /// after <see cref="MaintenanceLeave.Patience"/> and stop them as a normal stop does, then go. Nothing active: go.
    /// </summary>
    public void LeaveInMaintenance(TimeSpan now)
    {
        _leavingSince = now;
        _confirmedAt = null;
    }

    private TimeSpan? _leavingSince;
    private TimeSpan? _confirmedAt;
    private bool _stoppingToLeave;
    private TimeSpan? _stoppedAt;

    private void Leave(TimeSpan now)
    {
        if (_stoppingToLeave)
        {
            // As the daemon: nothing runs any more, the frames carry no maintenance flag; a few intervals more, then go.
            _stoppedAt = State == ResourceState.Stopped ? _stoppedAt ?? now : null;
            if (_stoppedAt is { } stopped && now - stopped >= Lease.Options.Interval * 5)
            {
                GoAway();
            }

            return;
        }

        if (!Active)
        {
            _leavingSince = null;
            _stoppingToLeave = true;
            return;
        }

        var since = _leavingSince!.Value;
        if (_confirmedAt is null && MaintenanceLeave.Confirmed(Lease.Self, since, _observations, Lease.Options))
        {
            _confirmedAt = now;
        }

        if (_confirmedAt is { } confirmed && now - confirmed >= MaintenanceLeave.Linger(Lease.Options))
        {
            GoAway();
        }
        else if (_confirmedAt is null && now - since >= MaintenanceLeave.Patience(Lease.Options))
        {
            _leavingSince = null;
            _stoppingToLeave = true;
            Lease.Eligible = false;
        }
    }

    private void GoAway()
    {
        Away = true;
        _stoppedAt = null;
        _leavingSince = null;
        _stoppingToLeave = false;
        _node.Paused = true;
    }

    /// <summary>A crashed node's resources die with it.</summary>
    public void Crash() => State = ResourceState.Stopped;

    /// <summary>The daemon restarted: a fresh lease engine (nothing persisted), resources stopped.</summary>
    public void Restart(IOwnershipLease lease)
    {
        Away = false;
        _leavingSince = null;
        _stoppingToLeave = false;
        State = ResourceState.Stopped;
        Lease = lease;
        Last = default;
    }

    /// <summary>
    /// The daemon alone restarted (back from maintenance, or a quick restart) while its resources ran on: a fresh lease
    /// engine (<paramref name="lease"/>, with the stored term), the resources left as they are. As the daemon does, it
    /// probes them for <paramref name="probeFor"/> first: not eligible, status PROGRESS, nothing started or stopped.
    /// </summary>
    public void Relaunch(IOwnershipLease lease, TimeSpan now, TimeSpan probeFor)
    {
        Away = false;
        _leavingSince = null;
        _stoppingToLeave = false;
        Lease = lease;
        Last = default;
        _probingUntil = now + probeFor;
        _node.Engine.Status = NodeStatus.Progress;
        _node.Engine.SetLease(1, lease.Term, 0, Active, lease.Options.AckWindow);
    }

    private TimeSpan _probingUntil;

    private void Step(TimeSpan now)
    {
        if (State is ResourceState.Starting or ResourceState.Stopping && now >= _transitionEnd)
        {
            State = State == ResourceState.Starting ? ResourceState.Started : ResourceState.Stopped;
        }

        bool probing = now < _probingUntil;
        if (_probingUntil != default)
        {
            Lease.Eligible = !probing && !_stoppingToLeave;
        }

        for (int i = 0; i < _peers.Length; i++)
        {
            _observations[i] = _node.Engine.Peer(1, _peers[i]).Observe(now);
        }

        var observation = _observations[0];
        var before = (Last.Run, Last.Holder, Last.Term, State);
        Last = Lease.Decide(now, _observations, Active, _node.Engine.LastStall);
        if (probing || Lease.Resuming)
        {
            // Nothing is driven until the probe has said what runs here, nor while waiting to resume the lease.
        }
        else if (Last.Run && State == ResourceState.Stopped)
        {
            State = ResourceState.Starting;
            Starts++;
            _transitionEnd = now + StartTime;
        }
        else if (!Last.Run && State is ResourceState.Starting or ResourceState.Started)
        {
            State = ResourceState.Stopping;
            _transitionEnd = now + StopTime;
        }

        if (_probingUntil != default)
        {
            _node.Engine.Status = probing || Lease.Resuming ? NodeStatus.Progress : NodeStatus.Online;
        }

        _node.Engine.SetLease(1, Last.Term, Last.Holder, Active, Lease.Options.AckWindow, maintenance: Leaving);
        if (_leavingSince is not null || _stoppingToLeave)
        {
            Leave(now);
        }

        if (Trace is not null && before != (Last.Run, Last.Holder, Last.Term, State))
        {
            Trace.Add($"{now.TotalMilliseconds:0} {_node.Name}: run={Last.Run} term={Last.Term} holder={Last.Holder} state={State} heard={observation.Heard} hearsMe={observation.HearsMe} peer=({observation.PeerTerm},{observation.PeerHolder},{observation.PeerRunning}) witness={(observation.WitnessSince is { } w ? (now - w).TotalMilliseconds : -1):0} :: {Last.Reason}");
        }
    }
}
