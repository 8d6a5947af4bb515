using SplitGuard.Core.Links;
using SplitGuard.Core.Node;
using SplitGuard.Core.Placement;

namespace SplitGuard.Testing;

/// <summary>
/// A simulated node's daemon: the shipped <see cref="NodeController"/> over a lease engine, executing its actions as
/// the daemon does (frames, resources, guard beats, hard kill, watchdog pets, leaving), plus a model of an exclusive
/// resource (an agent that takes <see cref="StartTime"/> to start and <see cref="StopTime"/> to stop, or never stops
/// by itself, or cannot be killed), the guard process and the watchdog. Records when it was active and started.
/// </summary>
public sealed class SimDaemon
{
    private readonly SimNode _node;
    private readonly PeerObservation[] _observations;
    private readonly ushort[] _peers;
    private TimeSpan _transitionEnd;
    private TimeSpan _probingUntil;
    private TimeSpan _beatAt;
    private GuardBeat _beat;
    private bool _guardKilled;
    private TimeSpan _stopBegan;

    /// <summary>A node with any lease engine, observing <paramref name="peers"/> of cluster 1.</summary>
    public SimDaemon(SimNode node, IOwnershipLease lease, ushort[] peers)
    {
        _node = node;
        _peers = peers;
        _observations = new PeerObservation[peers.Length];
        Controller = new NodeController(lease);
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

    /// <summary>How long a graceful stop takes; <see cref="TimeSpan.MaxValue"/>: it never ends by itself (a hung agent, a service ignoring SIGTERM).</summary>
    public TimeSpan StopTime { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The agent's stop timeout: a graceful stop still running after it fails, and the daemon's escalation kills the
    /// resource's processes (retried every timeout while they cannot be killed: the daemon's panic until recover).
    /// </summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long the hard kill (freeze, SIGKILL, thaw, addresses removed) takes.</summary>
    public TimeSpan KillTime { get; set; } = TimeSpan.FromMilliseconds(3);

    /// <summary>The resource's processes cannot be killed (uninterruptible sleep): only the watchdog's reset ends them.</summary>
    public bool Unkillable { get; set; }

    /// <summary>The watchdog timeout, or null without a watchdog.</summary>
    public TimeSpan? Watchdog { get; set; }

    /// <summary>When the daemon last petted the watchdog (node time).</summary>
    public TimeSpan LastPet { get; private set; }

    /// <summary>The guard process is frozen together with the daemon (it does nothing until thawed).</summary>
    public bool GuardFrozen { get; set; }

    public NodeController Controller { get; private set; }

    public IOwnershipLease Lease => Controller.Lease;

    public ResourceState State { get; private set; }

    public OwnershipDecision Last => Controller.Decision;

    public int Starts { get; private set; }

    /// <summary>Hard kills carried out (by the daemon or the guard).</summary>
    public int HardKills { get; private set; }

    /// <summary>When set, every change of decision or resource state is appended (for replaying a failing seed).</summary>
    public List<string>? Trace { get; set; }

    /// <summary>Active (possible owner): starting, started or stopping.</summary>
    public bool Active => State != ResourceState.Stopped;

    /// <summary>Definite owner: started.</summary>
    public bool Started => State == ResourceState.Started;

    /// <summary>The daemon has gone (left in maintenance, or stopped): its node sends nothing; the watchdog is disarmed.</summary>
    public bool Away { get; private set; }

    /// <summary>The daemon is on its way out: leaving in maintenance, or stopping its resources to leave.</summary>
    public bool Departing => Controller.Stopping;

    /// <summary>
    /// The guard process while the daemon is frozen (called every step by the simulation for paused nodes): the
    /// resource's transitions go on; with no beat for the time the last beat gave, the guard starts the graceful stop,
    /// then kills. A guard frozen together with the daemon does nothing.
    /// </summary>
    public void GuardCheck(TimeSpan now)
    {
        Advance(now);
        if (GuardFrozen || Away || !_beat.Active)
        {
            return;
        }

        if (now >= _beatAt + _beat.HardIn)
        {
            if (!_guardKilled)
            {
                _guardKilled = true;
                Kill(now, "guard");
            }
        }
        else if (now >= _beatAt + _beat.GracefulIn && State is ResourceState.Starting or ResourceState.Started)
        {
            BeginStop(now);
            Note(now, "guard: graceful stop");
        }
    }

    /// <summary>True when an armed watchdog expired at <paramref name="now"/> (node time): the node must reset.</summary>
    public bool WatchdogExpired(TimeSpan now) => Watchdog is { } timeout && !Away && now - LastPet >= timeout;

    /// <summary>`splitguard stop --leave-running`; false when the controller refuses (no peer hears this node).</summary>
    public bool LeaveInMaintenance(TimeSpan now)
    {
        _ = now;
        var refused = Controller.RequestStop(leaveRunning: true);
        Trace?.Add($"{now.TotalMilliseconds:0} {_node.Name}: leave in maintenance: {refused ?? "accepted"}");
        return refused is null;
    }

    /// <summary>A crashed (or reset) node's resources die with it.</summary>
    public void Crash() => State = ResourceState.Stopped;

    /// <summary>The daemon restarted after a crash: a fresh controller over <paramref name="lease"/>, resources stopped.</summary>
    public void Restart(IOwnershipLease lease, TimeSpan now)
    {
        Away = false;
        State = ResourceState.Stopped;
        Controller = new NodeController(lease);
        _probingUntil = now;
        Fresh(now);
    }

    /// <summary>
    /// The daemon alone restarted (back from maintenance, or a quick restart) while its resources ran on: a fresh
    /// controller over <paramref name="lease"/> (with the stored term), the resources left as they are, probed for
    /// <paramref name="probeFor"/> first: the controller sees Probing, says PROGRESS and drives nothing meanwhile.
    /// </summary>
    public void Relaunch(IOwnershipLease lease, TimeSpan now, TimeSpan probeFor)
    {
        Away = false;
        Controller = new NodeController(lease);
        _probingUntil = now + probeFor;
        Fresh(now);
        _node.Engine.Status = Protocol.Heartbeat.NodeStatus.Progress;
        _node.Engine.SetLease(1, lease.Term, 0, Active, lease.Options.AckWindow);
    }

    private void Fresh(TimeSpan now)
    {
        LastPet = now;
        _beat = default;
        _beatAt = now;
        _guardKilled = false;
        GuardFrozen = false;
    }

    private void Step(TimeSpan now)
    {
        Advance(now);
        for (int i = 0; i < _peers.Length; i++)
        {
            _observations[i] = _node.Engine.Peer(1, _peers[i]).Observe(now);
        }

        var before = (Last.Run, Last.Holder, Last.Term, State);
        bool probing = now < _probingUntil;
        var actions = Controller.Step(now, new NodeInputs(_observations, Active, probing, false, null, false, null, _node.Engine.LastStall));

        // As the daemon executes them.
        _node.Engine.Status = actions.Status;
        _node.Engine.SetLease(1, actions.Term, actions.Holder, actions.Running, Lease.Options.AckWindow, actions.GatewaysLost, actions.Maintenance);
        if (actions.Run is { } run)
        {
            Drive(run, now);
        }

        if (actions.HardKill)
        {
            Kill(now, "daemon");
        }

        _beatAt = now;
        _beat = actions.Guard;
        _guardKilled = false;
        if (actions.PetWatchdog)
        {
            LastPet = now;
        }

        if (actions.Exit)
        {
            // The daemon leaves: the guard exits, the watchdog is disarmed (magic close), the node falls silent.
            Away = true;
            _beat = default;
            _node.Paused = true;
            Note(now, "daemon left");
        }

        if (Trace is not null && before != (Last.Run, Last.Holder, Last.Term, State))
        {
            var o = _observations[0];
            Trace.Add($"{now.TotalMilliseconds:0} {_node.Name}: run={Last.Run} term={Last.Term} holder={Last.Holder} state={State} heard={o.Heard} hearsMe={o.HearsMe} peer=({o.PeerTerm},{o.PeerHolder},{o.PeerRunning}) witness={(o.WitnessSince is { } w ? (now - w).TotalMilliseconds : -1):0} :: {Last.Reason}");
        }
    }

    private void Drive(bool run, TimeSpan now)
    {
        if (run && State == ResourceState.Stopped)
        {
            State = ResourceState.Starting;
            Starts++;
            _transitionEnd = now + StartTime;
        }
        else if (!run && State is ResourceState.Starting or ResourceState.Started)
        {
            BeginStop(now);
        }
    }

    private void BeginStop(TimeSpan now)
    {
        State = ResourceState.Stopping;
        _stopBegan = now;
        _transitionEnd = StopTime == TimeSpan.MaxValue ? TimeSpan.MaxValue : now + StopTime;
    }

    private void Kill(TimeSpan now, string by)
    {
        if (!Active)
        {
            return;
        }

        HardKills++;
        Note(now, $"{by}: hard kill{(Unkillable ? " (the processes cannot be killed)" : string.Empty)}");
        if (!Unkillable)
        {
            var end = now + KillTime;
            _transitionEnd = State == ResourceState.Stopping && _transitionEnd < end ? _transitionEnd : end;
            State = ResourceState.Stopping;
        }
    }

    private void Advance(TimeSpan now)
    {
        if (State == ResourceState.Stopping && now < _transitionEnd && now - _stopBegan >= StopTimeout && !Away)
        {
            _stopBegan = now;
            Kill(now, "stop timed out: escalation");
        }

        if (State is ResourceState.Starting or ResourceState.Stopping && now >= _transitionEnd)
        {
            State = State == ResourceState.Starting ? ResourceState.Started : ResourceState.Stopped;
        }
    }

    private void Note(TimeSpan now, string what) => Trace?.Add($"{now.TotalMilliseconds:0} {_node.Name}: {what}");
}
