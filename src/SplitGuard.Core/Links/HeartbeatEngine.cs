using System.Net;
using SplitGuard.Core.Config;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Links;

/// <summary>
/// All links of this node in every cluster it belongs to: receives datagrams, decides what to send and when,
/// and reports every change of link, path, one-way and witness state as <see cref="LinkEvent"/>s.
/// Pure: no clock, no socket. The shell passes monotonic time and carries out the sends.
/// </summary>
public sealed partial class HeartbeatEngine
{
    private readonly byte[] _key;
    private readonly Dictionary<ushort, ClusterLinks> _clusters = [];
    private readonly Dictionary<(ushort Cluster, ushort Link), LinkMonitor> _links = [];
    private readonly TimeSpan _stallThreshold;
    private TimeSpan? _expectedWake;

    public HeartbeatEngine(IEnumerable<ClusterMembership> memberships, ReadOnlySpan<byte> key, ulong incarnation, TimeSpan now)
    {
        if (key.Length < 16)
        {
            throw new ArgumentException($"the frame key has {key.Length} bytes; at least 16 are required", nameof(key));
        }

        _key = key.ToArray();
        Incarnation = incarnation;
        Started = now;
        var minInterval = TimeSpan.MaxValue;
        foreach (var membership in memberships)
        {
            var cluster = new ClusterLinks(membership.Cluster, membership.LocalNode);
            _clusters.Add(membership.Cluster.Id, cluster);
            foreach (var linkConfig in membership.Cluster.Links)
            {
                if (linkConfig.EndpointOf(membership.LocalNode) is null)
                {
                    continue;
                }

                var monitor = new LinkMonitor(membership.Cluster.Id, membership.LocalNode, linkConfig, now);
                _links.Add((membership.Cluster.Id, linkConfig.Id), monitor);
                var member = membership.Cluster.Members.First(m => m.Id == monitor.Peer);
                if (!cluster.Peers.TryGetValue(monitor.Peer, out var peer))
                {
                    peer = new PeerLinks(membership.Cluster.Id, member, now);
                    cluster.Peers.Add(monitor.Peer, peer);
                }

                peer.Links.Add(monitor);
                minInterval = linkConfig.Interval < minInterval ? linkConfig.Interval : minInterval;
            }
        }

        _stallThreshold = minInterval == TimeSpan.MaxValue ? TimeSpan.FromSeconds(1)
            : TimeSpan.FromTicks(Math.Max(minInterval.Ticks * 2, TimeSpan.FromMilliseconds(25).Ticks));
    }

    /// <summary>This daemon's incarnation (boot id): increases with every start, so replays from an earlier run are refused.</summary>
    public ulong Incarnation { get; }

    public TimeSpan Started { get; }

    /// <summary>The status this node announces in every frame.</summary>
    public NodeStatus Status { get; set; } = NodeStatus.Online;

    public DropCounters Drops { get; } = new();

    /// <summary>When the last stall was noticed (null: never). Evidence older than this is not to be trusted by the lease.</summary>
    public TimeSpan? LastStall { get; private set; }

    /// <summary>Late ticks charged as stalls so far.</summary>
    public long SlowTicks { get; private set; }

    public IEnumerable<LinkMonitor> Links => _links.Values;

    public IReadOnlyCollection<ushort> ClusterIds => _clusters.Keys;

    /// <summary>Local addresses used by udp links (the shell binds one socket to each).</summary>
    public IEnumerable<IPAddress> UdpLocalAddresses => _links.Values.Where(l => l.Type == LinkType.Udp).Select(l => l.LocalIp).Distinct();

    /// <summary>True when some link needs raw ICMP (root or CAP_NET_RAW).</summary>
    public bool NeedsRawIcmp => _links.Values.Any(l => l.Type == LinkType.Icmp);

    /// <summary>
    /// Sets what this node announces about a cluster's lease in every following frame. Frames to the holder carry
    /// <see cref="Protocol.Heartbeat.HeartbeatFrame.FlagLeaseAck"/> while the holder was heard within
    /// <paramref name="ackWindow"/> (on any link): a holder this node no longer hears stops being renewed by it soon,
    /// so the time a survivor must wait for the holder's lease to end is short (docs/ownership.md).
    /// </summary>
    public void SetLease(ushort cluster, uint term, ushort holder, bool running, TimeSpan ackWindow, bool gatewayLost = false, bool maintenance = false)
    {
        var links = _clusters[cluster];
        links.LeaseTerm = term;
        links.LeaseHolder = holder;
        links.LeaseFlags = (byte)((running ? Protocol.Heartbeat.HeartbeatFrame.FlagRunning : 0)
            | (gatewayLost ? Protocol.Heartbeat.HeartbeatFrame.FlagGatewayLost : 0)
            | (maintenance ? Protocol.Heartbeat.HeartbeatFrame.FlagMaintenance : 0));
        links.AckWindow = ackWindow;
    }

    /// <summary>The links and paths to one peer.</summary>
    public PeerLinks Peer(ushort cluster, ushort peer) => _clusters[cluster].Peers[peer];

    /// <summary>Every peer of every cluster.</summary>
    public IEnumerable<PeerLinks> Peers => _clusters.Values.SelectMany(c => c.Peers.Values);

    internal sealed class ClusterLinks(ClusterConfig config, ushort local)
    {
        public ClusterConfig Config { get; } = config;

        public ushort Local { get; } = local;

        public Dictionary<ushort, PeerLinks> Peers { get; } = [];

        public uint LeaseTerm { get; set; }

        public ushort LeaseHolder { get; set; }

        public byte LeaseFlags { get; set; }

        public TimeSpan AckWindow { get; set; }

        public bool IsMember(ushort node) => Config.Members.Any(m => m.Id == node);
    }

    private void DetectStall(TimeSpan now, List<LinkEvent> events)
    {
        if (_expectedWake is not { } expected)
        {
            return;
        }

        var late = now - expected;
        if (late <= _stallThreshold)
        {
            return;
        }

        SlowTicks++;
        LastStall = now;
        _expectedWake = now;
        foreach (var link in _links.Values)
        {
            link.ChargeStall(late, now);
        }

        events.Add(new LinkEvent(LinkEventKind.SlowTick, 0, 0, 0, LinkType.Udp, false, now,
            $"tick {late.TotalMilliseconds:0} ms late: charged as one interval; this node doubts itself, not its peers"));
    }
}
