using SplitGuard.Testing;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Core.Tests.Placement;

/// <summary>The two-node lease with a witness, over the simulated network: at most one owner, always.</summary>
public sealed class TwoNodeLeaseTests(ITestOutputHelper output)
{
    [Fact]
    public void At_start_exactly_one_node_owns_and_the_tie_break_picks_the_lower_id()
    {
        var sim = new OwnershipSim();
        sim.Run(TimeSpan.FromSeconds(1));
        Assert.Same(sim.O1, sim.Owner);
        Assert.False(sim.O2.Active);
        Assert.Equal(0, sim.PossibleOverlapSteps);
        Assert.Equal(1, sim.O1.Starts);
        Assert.Equal(1u, sim.O1.Lease.Term);
        Assert.Equal(1u, sim.O2.Lease.Term);
        Assert.Equal((ushort)1, sim.O2.Lease.Holder);
    }

    [Fact]
    public void When_the_owner_dies_the_survivor_takes_over_after_the_takeover_time_and_not_before()
    {
        var sim = new OwnershipSim();
        sim.Run(TimeSpan.FromSeconds(1));
        var crash = sim.Net.Clock.Now;
        sim.N1.Paused = true;
        sim.O1.Crash();
        TimeSpan? tookOver = null;
        for (int i = 0; i < 3000 && tookOver is null; i++)
        {
            sim.Run(TimeSpan.FromMilliseconds(1));
            if (sim.O2.Active)
            {
                tookOver = sim.Net.Clock.Now - crash;
            }
        }

        Assert.NotNull(tookOver);
        output.WriteLine($"takeover {tookOver.Value.TotalMilliseconds} ms after the crash; bound {sim.Options.TakeoverAfter.TotalMilliseconds} ms + one interval");
        Assert.InRange(tookOver.Value, sim.Options.TakeoverAfter - sim.Options.Interval, sim.Options.TakeoverAfter + sim.Options.Interval + TimeSpan.FromMilliseconds(5));
        Assert.Equal(2u, sim.O2.Lease.Term);
    }

    [Fact]
    public void A_node_that_loses_peer_and_witness_stops_before_the_survivor_starts()
    {
        var sim = new OwnershipSim();
        sim.Run(TimeSpan.FromSeconds(1));
        // n1 (owner) is cut off from everything.
        sim.SetReachability(0b001111 | 0b000011);
        sim.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(0, sim.PossibleOverlapSteps);
        Assert.False(sim.O1.Active);
        Assert.Same(sim.O2, sim.Owner);
    }

    /// <summary>
    /// n1 (owner) goes unheard (n1 to n2 and n1 to the witness cut) while it still hears n2: n2 withdraws its
    /// acknowledgement one ack window after it last heard n1, so n1 stops within ack window + delivery + detection,
    /// not two detection times, and n2 starts only after that.
    /// </summary>
    [Fact]
    public void An_owner_nobody_hears_stops_one_ack_window_plus_detection_after_it_was_last_heard()
    {
        var sim = new OwnershipSim();
        sim.Run(TimeSpan.FromSeconds(1));
        Assert.Same(sim.O1, sim.Owner);
        var cut = sim.Net.Clock.Now;
        sim.SetReachability(0b000101);
        TimeSpan? stopped = null;
        TimeSpan? tookOver = null;
        for (int i = 0; i < 3000 && tookOver is null; i++)
        {
            sim.Run(TimeSpan.FromMilliseconds(1));
            stopped ??= sim.O1.Active ? null : sim.Net.Clock.Now - cut;
            tookOver ??= sim.O2.Active ? sim.Net.Clock.Now - cut : null;
        }

        var o = sim.Options;
        output.WriteLine($"owner stopped {stopped?.TotalMilliseconds} ms after the cut (bound {(o.AckWindow + (o.Interval * 2) + o.Detection).TotalMilliseconds} ms); survivor started at {tookOver?.TotalMilliseconds} ms");
        Assert.NotNull(stopped);
        Assert.NotNull(tookOver);
        Assert.True(stopped <= o.AckWindow + (o.Interval * 2) + o.Detection, $"stopped after {stopped}");
        Assert.True(stopped < tookOver);
        Assert.Equal(0, sim.PossibleOverlapSteps);
    }

    /// <summary>
    /// The decision table (CONVENTIONS 21): every one of the 64 directed reachability matrices among n1, n2 and the
    /// witness, applied to a running cluster whose owner is n1, then healed. At no step may both nodes have the
    /// resource active; after healing one owner emerges.
    /// </summary>
    [Fact]
    public void Every_directed_reachability_matrix_leads_to_at_most_one_owner()
    {
        var owners = new int[3];
        for (int matrix = 0; matrix < 64; matrix++)
        {
            var sim = new OwnershipSim(seed: matrix + 1);
            sim.Run(TimeSpan.FromSeconds(1));
            Assert.Same(sim.O1, sim.Owner);
            sim.SetReachability(matrix);
            sim.Run(TimeSpan.FromSeconds(3));
            Assert.True(sim.PossibleOverlapSteps == 0, $"matrix {Describe(matrix)}: both nodes active for {sim.PossibleOverlapSteps} ms");
            owners[sim.Owner == sim.O1 ? 1 : sim.Owner == sim.O2 ? 2 : 0]++;

            sim.SetReachability(0);
            sim.Run(TimeSpan.FromSeconds(2));
            Assert.True(sim.PossibleOverlapSteps == 0, $"matrix {Describe(matrix)} healed: both nodes active for {sim.PossibleOverlapSteps} ms");
            Assert.True(sim.Owner is not null, $"matrix {Describe(matrix)}: no owner 2 s after healing ({sim.O1.Last.Reason} / {sim.O2.Last.Reason})");
        }

        output.WriteLine($"during the fault: n1 owned in {owners[1]} matrices, n2 in {owners[2]}, nobody in {owners[0]}");
        Assert.Equal(64, owners.Sum());
        Assert.True(owners[2] > 0, "n2 never took over: the survivor must take over when n1 is cut off");
    }

    private static string Describe(int matrix) =>
        matrix + " (" + string.Join(", ", OwnershipSim.Edges.Where((_, i) => (matrix & (1 << i)) != 0).Select(e => $"{e.From}->{e.To} cut")) + ")";
}
