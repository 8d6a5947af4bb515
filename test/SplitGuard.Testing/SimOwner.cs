using SplitGuard.Core.Links;
using SplitGuard.Core.Placement;

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

    /// <summary>A crashed node's resources die with it.</summary>
    public void Crash() => State = ResourceState.Stopped;

    /// <summary>The daemon restarted: a fresh lease engine (nothing persisted), resources stopped.</summary>
    public void Restart(IOwnershipLease lease)
    {
        State = ResourceState.Stopped;
        Lease = lease;
        Last = default;
    }

    private void Step(TimeSpan now)
    {
        if (State is ResourceState.Starting or ResourceState.Stopping && now >= _transitionEnd)
        {
            State = State == ResourceState.Starting ? ResourceState.Started : ResourceState.Stopped;
        }

        for (int i = 0; i < _peers.Length; i++)
        {
            _observations[i] = _node.Engine.Peer(1, _peers[i]).Observe(now);
        }

        var observation = _observations[0];
        var before = (Last.Run, Last.Holder, Last.Term, State);
        Last = Lease.Decide(now, _observations, Active, _node.Engine.LastStall);
        if (Last.Run && State == ResourceState.Stopped)
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

        _node.Engine.SetLease(1, Last.Term, Last.Holder, Active, Lease.Options.AckWindow);
        if (Trace is not null && before != (Last.Run, Last.Holder, Last.Term, State))
        {
            Trace.Add($"{now.TotalMilliseconds:0} {_node.Name}: run={Last.Run} term={Last.Term} holder={Last.Holder} state={State} heard={observation.Heard} hearsMe={observation.HearsMe} peer=({observation.PeerTerm},{observation.PeerHolder},{observation.PeerRunning}) witness={(observation.WitnessSince is { } w ? (now - w).TotalMilliseconds : -1):0} :: {Last.Reason}");
        }
    }
}
