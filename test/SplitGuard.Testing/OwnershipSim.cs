using SplitGuard.Core.Placement;

namespace SplitGuard.Testing;

/// <summary>
/// Two nodes (n1, n2) and a witness over the simulated network, each node with a lease engine and an exclusive
/// resource; checks after every step that the resource is active on at most one node.
/// </summary>
public sealed class OwnershipSim
{
    private readonly HashSet<(string From, string To)> _blocked = [];

    public OwnershipSim(int seed = 1, double intervalSeconds = 0.02, int maxLoss = 4, double stopBudgetSeconds = 0.05)
    {
        var cluster = TestClusters.TwoNodes(intervalSeconds, maxLoss);
        (Net, N1, N2) = TestClusters.Pair(cluster, seed);
        var interval = TimeSpan.FromSeconds(intervalSeconds);
        var detection = (interval * maxLoss) + Core.Links.LinkMonitor.Slack(interval);
        Options = new LeaseOptions(detection, interval, TimeSpan.FromSeconds(stopBudgetSeconds));
        O1 = new SimOwner(N1, 1, 2, Options, Net.Clock.Now);
        O2 = new SimOwner(N2, 2, 1, Options, Net.Clock.Now);
        Net.Drops.Add(hop => _blocked.Contains((hop.From, hop.To)));
    }

    public SimNetwork Net { get; }

    public SimNode N1 { get; }

    public SimNode N2 { get; }

    public SimOwner O1 { get; }

    public SimOwner O2 { get; }

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

    /// <summary>Freezes (SIGSTOP) or thaws a node; while frozen its guard may stop its resources.</summary>
    public void Pause(SimNode node, bool paused)
    {
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

    /// <summary>Runs and checks after every 1 ms step.</summary>
    public void Run(TimeSpan duration)
    {
        var until = Net.Clock.Now + duration;
        while (Net.Clock.Now < until)
        {
            Net.Run(TimeSpan.FromMilliseconds(1));
            foreach (var (node, since) in _frozenSince)
            {
                (node == N1 ? O1 : O2).GuardCheck(Net.Clock.Now, since, Options.Detection);
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

    public SimOwner? Owner => O1.Started ? O1 : O2.Started ? O2 : null;
}
