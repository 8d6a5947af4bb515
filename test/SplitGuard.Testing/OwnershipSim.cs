using SplitGuard.Core.Placement;

namespace SplitGuard.Testing;

/// <summary>
/// Two nodes (n1, n2) and a witness over the simulated network, each node with a lease engine and an exclusive
/// resource; checks after every step that the resource is active on at most one node.
/// </summary>
public sealed class OwnershipSim
{
    private readonly HashSet<(string From, string To)> _blocked = [];
    private readonly HashSet<SimNode> _crashed = [];
    private readonly Core.Config.ClusterConfig _cluster;
    private ulong _incarnations;

    /// <param name="watchdogSeconds">The watchdog timeout of both nodes (0: none); it enters the lease arithmetic.</param>
    public OwnershipSim(int seed = 1, double intervalSeconds = 0.02, int maxLoss = 4, double stopBudgetSeconds = 0.05, double watchdogSeconds = 0)
    {
        var cluster = TestClusters.TwoNodes(intervalSeconds, maxLoss);
        _cluster = cluster;
        (Net, N1, N2) = TestClusters.Pair(cluster, seed);
        var interval = TimeSpan.FromSeconds(intervalSeconds);
        var detection = (interval * maxLoss) + Core.Links.LinkMonitor.Slack(interval);
        Options = new LeaseOptions(detection, interval, TimeSpan.FromSeconds(stopBudgetSeconds)) { Watchdog = TimeSpan.FromSeconds(watchdogSeconds) };
        O1 = new SimDaemon(N1, new TwoNodeLease(1, Options, Net.Clock.Now), [2]);
        O2 = new SimDaemon(N2, new TwoNodeLease(2, Options, Net.Clock.Now), [1]);
        if (watchdogSeconds > 0)
        {
            O1.Watchdog = O2.Watchdog = Options.Watchdog;
        }
        Net.Drops.Add(hop => _blocked.Contains((hop.From, hop.To)));
    }

    public SimNetwork Net { get; }

    public SimNode N1 { get; }

    public SimNode N2 { get; }

    public SimDaemon O1 { get; }

    public SimDaemon O2 { get; }

    public LeaseOptions Options { get; }

    /// <summary>Steps in which both nodes had the resource active (starting, started or stopping).</summary>
    public long PossibleOverlapSteps { get; private set; }

    /// <summary>Steps in which both nodes had the resource started.</summary>
    public long DefiniteOverlapSteps { get; private set; }

    /// <summary>The six directed edges among n1, n2 and the witness ("witness"): n1-n2, n2-n1, n1-w, w-n1, n2-w, w-n2.</summary>
    public static readonly (string From, string To)[] Edges =
        [("n1", "n2"), ("n2", "n1"), ("n1", "witness"), ("witness", "n1"), ("n2", "witness"), ("witness", "n2")];

    /// <summary>Blocks the directed edges whose bit is set in <paramref name="matrix"/> (0..63), unblocks the others.</summary>
    public void SetReachability(int matrix)
    {
        _blocked.Clear();
        for (int i = 0; i < Edges.Length; i++)
        {
            if ((matrix & (1 << i)) != 0)
            {
                _blocked.Add(Edges[i]);
            }
        }
    }

    private readonly Dictionary<SimNode, TimeSpan> _frozenSince = [];

    /// <summary>
    /// Freezes (SIGSTOP) or thaws a node's daemon; while frozen its guard may stop its resources, unless
    /// <paramref name="guardToo"/> freezes the guard with it (then only the watchdog can end them).
    /// </summary>
    public void Pause(SimNode node, bool paused, bool guardToo = false)
    {
        node.Paused = paused;
        OwnerOf(node).GuardFrozen = paused && guardToo;
        if (paused)
        {
            _frozenSince[node] = Net.Clock.Now;
        }
        else
        {
            _frozenSince.Remove(node);
        }
    }

    /// <summary>True while <paramref name="node"/> is crashed (see <see cref="Crash"/>).</summary>
    public bool IsCrashed(SimNode node) => _crashed.Contains(node);

    /// <summary>The node dies with its resources (power loss, kernel panic): silent until <see cref="Restart"/>.</summary>
    public void Crash(SimNode node)
    {
        node.Paused = true;
        _frozenSince.Remove(node);
        _crashed.Add(node);
        OwnerOf(node).Crash();
    }

    /// <summary>
    /// The crashed node boots and its daemon starts: a new engine (a higher incarnation, no link history), a new lease
    /// engine with the term it had stored (DESIGN.md section 4 rule 7), resources stopped; datagrams queued while it
    /// was down are gone with the old sockets.
    /// </summary>
    public void Restart(SimNode node)
    {
        var (lease, now) = Reboot(node);
        OwnerOf(node).Restart(lease, now);
        _bootAt.Remove(node);
        OwnerOf(node).Trace?.Add($"{Net.Clock.Now.TotalMilliseconds:0} {node.Name}: restarted (node time {now.TotalMilliseconds:0})");
        _crashed.Remove(node);
        node.Paused = false;
    }

    /// <summary>
    /// The node's daemon alone restarts (back from maintenance, or a quick restart) while its resources run on: a new
    /// engine and a lease engine with the stored term; it probes for <paramref name="probeFor"/> before deciding.
    /// </summary>
    public void RestartDaemon(SimNode node, TimeSpan probeFor)
    {
        var (lease, now) = Reboot(node);
        OwnerOf(node).Relaunch(lease, now, probeFor);
        _frozenSince.Remove(node);
        node.Paused = false;
    }

    /// <summary>A new daemon on <paramref name="node"/>: a new engine (higher incarnation, empty queues) and a lease engine with the stored term.</summary>
    private (TwoNodeLease Lease, TimeSpan Now) Reboot(SimNode node)
    {
        ushort self = node == N1 ? (ushort)1 : (ushort)2;
        var now = Net.Clock.Now + node.ClockOffset;
        node.Engine = new Core.Links.HeartbeatEngine([new Core.Links.ClusterMembership(_cluster, self)], TestClusters.Key, (self * 1000UL) + ++_incarnations, now);
        node.NextTick = now;
        node.Backlog.Clear();
        node.InFlight.Clear();
        return (new TwoNodeLease(self, Options, now, OwnerOf(node).Lease.Term), now);
    }

    /// <summary>`splitguard stop --leave-running` on <paramref name="node"/>; false when the daemon refuses it.</summary>
    public bool LeaveInMaintenance(SimNode node) => OwnerOf(node).LeaveInMaintenance(Net.Clock.Now + node.ClockOffset);

    /// <summary>True while <paramref name="node"/>'s daemon is gone (left in maintenance, or stopped); see <see cref="RestartDaemon"/>.</summary>
    public bool IsAway(SimNode node) => OwnerOf(node).Away;

    /// <summary>True while <paramref name="node"/>'s daemon is on its way out (see <see cref="SimDaemon.Departing"/>).</summary>
    public bool IsDeparting(SimNode node) => OwnerOf(node).Departing;

    /// <summary>The node's monotonic clock jumps forward by <paramref name="by"/> (a suspended VM resumes).</summary>
    public static void Jump(SimNode node, TimeSpan by) => node.ClockOffset += by;

    public SimDaemon OwnerOf(SimNode node) => node == N1 ? O1 : O2;

    /// <summary>Watchdog resets so far (the node reset by its watchdog: it reboots and its daemon starts after <see cref="BootTime"/>).</summary>
    public int WatchdogResets { get; private set; }

    /// <summary>How long a node reset by its watchdog takes to boot and start its daemon again.</summary>
    public TimeSpan BootTime { get; set; } = TimeSpan.FromMilliseconds(300);

    private readonly Dictionary<SimNode, TimeSpan> _bootAt = [];

    /// <summary>Runs and checks after every 1 ms step.</summary>
    public void Run(TimeSpan duration)
    {
        var until = Net.Clock.Now + duration;
        while (Net.Clock.Now < until)
        {
            Net.Run(TimeSpan.FromMilliseconds(1));
            foreach (var (node, _) in _frozenSince)
            {
                OwnerOf(node).GuardCheck(Net.Clock.Now + node.ClockOffset);
            }

            foreach (var node in new[] { N1, N2 })
            {
                if (!_crashed.Contains(node) && OwnerOf(node).WatchdogExpired(Net.Clock.Now + node.ClockOffset))
                {
                    WatchdogResets++;
                    OwnerOf(node).Trace?.Add($"{Net.Clock.Now.TotalMilliseconds:0} {node.Name}: WATCHDOG RESET");
                    Crash(node);
                    _bootAt[node] = Net.Clock.Now + BootTime;
                }
                else if (_crashed.Contains(node) && _bootAt.TryGetValue(node, out var boot) && Net.Clock.Now >= boot)
                {
                    Restart(node);
                }
            }

            if (O1.Active && O2.Active)
            {
                PossibleOverlapSteps++;
            }

            if (O1.Started && O2.Started)
            {
                DefiniteOverlapSteps++;
            }
        }
    }

    public SimDaemon? Owner => O1.Started ? O1 : O2.Started ? O2 : null;
}
