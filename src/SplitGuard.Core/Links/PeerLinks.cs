using SplitGuard.Core.Config;

namespace SplitGuard.Core.Links;

/// <summary>The links and paths from this node to one peer of one cluster.</summary>
public sealed class PeerLinks
{
    private readonly Dictionary<LinkType, PathState> _paths = [];
    private readonly Dictionary<LinkType, TimeSpan> _pathSince = [];

    public PeerLinks(ushort cluster, MemberConfig member, TimeSpan now)
    {
        Cluster = cluster;
        Member = member;
        Created = now;
    }

    public ushort Cluster { get; }

    public MemberConfig Member { get; }

    public TimeSpan Created { get; }

    public List<LinkMonitor> Links { get; } = [];

    public PathState PathOf(LinkType type) => _paths.GetValueOrDefault(type);

    public TimeSpan PathSince(LinkType type) => _pathSince.GetValueOrDefault(type, Created);

    /// <summary>The link types present (one path each), in order. Computed once: the engine adds every link while it is built.</summary>
    public IReadOnlyList<LinkType> PathTypes => _pathTypes ??= Links.Select(l => l.Type).Distinct().OrderBy(t => t).ToArray();

    private LinkType[]? _pathTypes;

    /// <summary>True when this node cannot reach the witness of one of its icmp links to this peer.</summary>
    public bool WitnessLost()
    {
        foreach (var link in Links)
        {
            if (link.Hop == HopState.OutOfService)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the peer said (over any in-service link) that it cannot reach a witness.</summary>
    public bool PeerReportsWitnessLost(TimeSpan now) =>
        Links.Where(l => l.RxFresh(now)).OrderByDescending(l => l.LastReceived).FirstOrDefault() is { } freshest
        && (freshest.PeerFlags & Protocol.Heartbeat.HeartbeatFrame.FlagWitnessLost) != 0;

    /// <summary>What this node knows of the peer at <paramref name="now"/>, for the ownership decision.</summary>
    public PeerObservation Observe(TimeSpan now)
    {
        LinkMonitor? freshest = null;
        LinkMonitor? latest = null;
        TimeSpan? lastHeard = null;
        bool hearsMe = false;
        foreach (var link in Links)
        {
            if (link.LastReceived is { } at && (lastHeard is null || at > lastHeard))
            {
                lastHeard = at;
                latest = link;
            }

            if (link.RxFresh(now))
            {
                hearsMe |= (link.PeerFlags & Protocol.Heartbeat.HeartbeatFrame.FlagPeerHeard) != 0;

                // The peer's lease view: the highest term any fresh link carries (a link's last frame may be older than
                // another's: after a stall every queued frame arrives at the same instant), then the latest frame.
                if (freshest is null || link.PeerLeaseTerm > freshest.PeerLeaseTerm
                    || (link.PeerLeaseTerm == freshest.PeerLeaseTerm && link.LastReceived > freshest.LastReceived))
                {
                    freshest = link;
                }
            }
        }

        TimeSpan? witnessSince = null;
        TimeSpan? roundTrip = null;
        bool hasWitness = false;
        bool relayHealthy = false;
        foreach (var link in Links)
        {
            if (link.Type != LinkType.Icmp)
            {
                continue;
            }

            hasWitness = true;
            relayHealthy |= link.EverInService;
            if (link.LastHopReply is { } reply && (roundTrip is null || reply > roundTrip))
            {
                roundTrip = reply;
            }

            if (link.WitnessReachableSince(now) is { } since && (witnessSince is null || since < witnessSince))
            {
                witnessSince = since;
            }
        }

        return new PeerObservation(
            Member.Id,
            freshest is not null,
            lastHeard,
            hearsMe,
            freshest?.PeerLeaseTerm ?? 0,
            freshest?.PeerLeaseHolder ?? 0,
            freshest is not null && (freshest.PeerFlags & Protocol.Heartbeat.HeartbeatFrame.FlagRunning) != 0,
            freshest?.PeerStatus,
            hasWitness,
            relayHealthy,
            witnessSince,
            roundTrip)
        {
            AcksLease = freshest is not null && latest is not null && (latest.PeerFlags & Protocol.Heartbeat.HeartbeatFrame.FlagLeaseAck) != 0,
            PeerGatewayLost = latest is not null && (latest.PeerFlags & Protocol.Heartbeat.HeartbeatFrame.FlagGatewayLost) != 0,
            PeerMaintenance = latest is not null && (latest.PeerFlags & Protocol.Heartbeat.HeartbeatFrame.FlagMaintenance) != 0,
        };
    }

    /// <summary>
    /// True when this peer, heard within <paramref name="window"/> before <paramref name="now"/>, says it holds the lease of
    /// <paramref name="term"/>, or says PROGRESS naming nobody in that term (its daemon restarted and probes what runs
    /// there): the condition under which this node, which names it holder, acknowledges it. The restarted holder resumes
    /// its lease only on such an acknowledgement, the same evidence a renewal needs.
    /// </summary>
    public bool ClaimsLease(uint term, TimeSpan now, TimeSpan window)
    {
        foreach (var link in Links)
        {
            if (link.LastReceived is { } at && now - at <= window && link.PeerLeaseTerm == term
                && (link.PeerLeaseHolder == Member.Id || (link.PeerLeaseHolder == 0 && link.PeerStatus == Protocol.Heartbeat.NodeStatus.Progress)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>When a valid frame from this peer last arrived on any link, or null.</summary>
    public TimeSpan? LastHeard
    {
        get
        {
            TimeSpan? last = null;
            foreach (var link in Links)
            {
                if (link.LastReceived is { } at && (last is null || at > last))
                {
                    last = at;
                }
            }

            return last;
        }
    }

    /// <summary>Recomputes each path from its links; appends an event for every change sbp would report.</summary>
    public void EvaluatePaths(TimeSpan now, List<LinkEvent> events)
    {
        foreach (var type in PathTypes)
        {
            PathState next = PathState.Unknown;
            bool anyUnknown = false;
            foreach (var link in Links)
            {
                if (link.Type != type)
                {
                    continue;
                }

                if (link.State == LinkState.InService)
                {
                    next = PathState.InService;
                    break;
                }

                anyUnknown |= link.State == LinkState.Unknown;
            }

            if (next == PathState.Unknown && !anyUnknown)
            {
                next = PathState.OutOfService;
            }

            var previous = PathOf(type);
            if (next == previous || next == PathState.Unknown)
            {
                continue;
            }

            _paths[type] = next;
            _pathSince[type] = now;
            events.Add(new LinkEvent(LinkEventKind.Path, Cluster, Member.Id, 0, type, next == PathState.InService, now,
                next == PathState.InService ? $"{type.ToString().ToLowerInvariant()} path to node {Member.Id} in service"
                                             : $"all {type.ToString().ToLowerInvariant()} links to node {Member.Id} out of service"));
        }
    }
}
