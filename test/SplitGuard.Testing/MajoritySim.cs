using System.Net;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;
using SplitGuard.Core.Placement;

namespace SplitGuard.Testing;

/// <summary>
/// N nodes (n1..nN, N ≥ 3) with a udp link between every pair and no witness, each with a <see cref="MajorityLease"/>
/// and an exclusive resource, over the simulated network; checks after every 1 ms step that the resource is active on
/// at most one node.
/// </summary>
public sealed class MajoritySim
{
    private readonly HashSet<(string From, string To)> _blocked = [];
    private readonly Dictionary<ushort, int> _priorities;
    private readonly ClusterConfig _cluster;
    private ulong _incarnations;
    private readonly Dictionary<SimNode, TimeSpan> _frozenSince = [];

    public MajoritySim(int nodes = 3, int seed = 1, double intervalSeconds = 0.02, int maxLoss = 4, double stopBudgetSeconds = 0.05)
    {
        var interval = TimeSpan.FromSeconds(intervalSeconds);
        var members = Enumerable.Range(1, nodes).Select(i => new MemberConfig((ushort)i, $"n{i}")).ToList();
        var links = new List<LinkConfig>();
        for (int i = 1; i <= nodes; i++)
        {
            for (int j = i + 1; j <= nodes; j++)
            {
                links.Add(new LinkConfig((ushort)((i * 16) + j), LinkType.Udp, interval, maxLoss, null,
                    new LinkEndpoint((ushort)i, Address(i)), new LinkEndpoint((ushort)j, Address(j))));
            }
        }

        var cluster = new ClusterConfig(1, members, links);
        _cluster = cluster;
        var clock = new FakeClock(seed);
        Net = new SimNetwork(clock, seed);
        var detection = (interval * maxLoss) + LinkMonitor.Slack(interval);
        Options = new LeaseOptions(detection, interval, TimeSpan.FromSeconds(stopBudgetSeconds));
        _priorities = members.ToDictionary(m => m.Id, _ => 0);
        for (int i = 1; i <= nodes; i++)
        {
            var node = Net.Add($"n{i}", new HeartbeatEngine([new ClusterMembership(cluster, (ushort)i)], TestClusters.Key, (ulong)(i * 1000), clock.Now));
            Nodes.Add(node);
            var peers = members.Where(m => m.Id != i).Select(m => m.Id).ToArray();
            Owners.Add(new SimDaemon(node, NewLease((ushort)i), peers));
        }

        Net.Drops.Add(hop => _blocked.Contains((hop.From, hop.To)));
    }

    public SimNetwork Net { get; }

    public List<SimNode> Nodes { get; } = [];

    public List<SimDaemon> Owners { get; } = [];

    public LeaseOptions Options { get; }

    /// <summary>Steps in which two or more nodes had the resource active (starting, started or stopping).</summary>
    public long PossibleOverlapSteps { get; private set; }

    /// <summary>Steps in which two or more nodes had the resource started.</summary>
    public long DefiniteOverlapSteps { get; private set; }

    /// <summary>The node that runs the resource, or null.</summary>
    public SimDaemon? Owner => Owners.FirstOrDefault(o => o.Started);

    public static IPAddress Address(int node) => IPAddress.Parse($"10.0.0.{node}");

    public MajorityLease NewLease(ushort self) => new(self, _priorities, Options, Net.Clock.Now);

    /// <summary>Blocks the directed edge from node <paramref name="from"/> to node <paramref name="to"/> (1-based), or unblocks it.</summary>
    public void Block(int from, int to, bool blocked = true)
    {
        if (blocked)
        {
            _blocked.Add(($"n{from}", $"n{to}"));
        }
        else
        {
            _blocked.Remove(($"n{from}", $"n{to}"));
        }
    }

    /// <summary>Cuts every link between the two groups, both ways.</summary>
    public void Partition(IEnumerable<int> side)
    {
        var a = side.ToHashSet();
        for (int i = 1; i <= Nodes.Count; i++)
        {
            for (int j = 1; j <= Nodes.Count; j++)
            {
                if (a.Contains(i) != a.Contains(j))
                {
                    Block(i, j);
                }
            }
        }
    }

    public void Heal() => _blocked.Clear();

    /// <summary>Freezes (SIGSTOP) or thaws node <paramref name="index"/> (0-based); while frozen its guard may stop its resources.</summary>
    public void Pause(int index, bool paused)
    {
        var node = Nodes[index];
        node.Paused = paused;
        if (paused)
        {
            _frozenSince[node] = Net.Clock.Now;
        }
        else
        {
            _frozenSince.Remove(node);
        }
    }

    /// <summary>Kills node <paramref name="index"/>'s daemon and resources; it stays silent until <see cref="Restart"/>.</summary>
    public void Crash(int index)
    {
        Nodes[index].Paused = true;
        _frozenSince.Remove(Nodes[index]);
        Owners[index].Crash();
    }

    /// <summary>Starts node <paramref name="index"/>'s daemon again with a fresh lease engine (term 0).</summary>
    public void Restart(int index)
    {
        Owners[index].Restart(NewLease((ushort)(index + 1)), Net.Clock.Now);
        Nodes[index].Backlog.Clear();
        Nodes[index].Paused = false;
    }

    /// <summary>`splitguard stop --leave-running` on node <paramref name="index"/>; false when the daemon refuses it.</summary>
    public bool LeaveInMaintenance(int index) => Owners[index].LeaveInMaintenance(Net.Clock.Now);

    /// <summary>
    /// Node <paramref name="index"/>'s daemon alone restarts while its resources run on: a lease engine with the stored
    /// term; it probes for <paramref name="probeFor"/> (status PROGRESS) before deciding.
    /// </summary>
    public void RestartDaemon(int index, TimeSpan probeFor)
    {
        var lease = new MajorityLease((ushort)(index + 1), _priorities, Options, Net.Clock.Now, Owners[index].Lease.Term);
        Nodes[index].Engine = new HeartbeatEngine([new ClusterMembership(_cluster, (ushort)(index + 1))], TestClusters.Key, (ulong)((index + 1) * 1000) + ++_incarnations, Net.Clock.Now);
        Owners[index].Relaunch(lease, Net.Clock.Now, probeFor);
        Nodes[index].NextTick = Net.Clock.Now;
        Nodes[index].InFlight.Clear();
        Nodes[index].Backlog.Clear();
        _frozenSince.Remove(Nodes[index]);
        Nodes[index].Paused = false;
    }

    /// <summary>Runs and checks after every 1 ms step.</summary>
    public void Run(TimeSpan duration)
    {
        var until = Net.Clock.Now + duration;
        while (Net.Clock.Now < until)
        {
            Net.Run(TimeSpan.FromMilliseconds(1));
            foreach (var (node, _) in _frozenSince)
            {
                Owners[Nodes.IndexOf(node)].GuardCheck(Net.Clock.Now);
            }

            int active = 0;
            int started = 0;
            foreach (var owner in Owners)
            {
                active += owner.Active ? 1 : 0;
                started += owner.Started ? 1 : 0;
            }

            PossibleOverlapSteps += active > 1 ? 1 : 0;
            DefiniteOverlapSteps += started > 1 ? 1 : 0;
        }
    }
}
