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
    /// The owner leaves in maintenance (its resources run on), and its daemon comes back: while it probes them it names no
    /// holder and says PROGRESS; the peer must keep its lease meanwhile (it once took the "holder 0" for a release and
    /// claimed a new term, and the service moved), and the restarted daemon resumes the same term on the peer's
    /// acknowledgement, without restarting anything.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(300)]
    public void Back_from_maintenance_the_owner_keeps_its_lease_while_it_probes_and_resumes_it(int probeMs)
    {
        var sim = new OwnershipSim();
        sim.Run(TimeSpan.FromSeconds(1));
        Assert.Same(sim.O1, sim.Owner);
        LeaveInMaintenance(sim);

        sim.RestartDaemon(sim.N1, TimeSpan.FromMilliseconds(probeMs));
        sim.Run(TimeSpan.FromMilliseconds(probeMs - 1));
        Assert.Equal(Protocol.Heartbeat.NodeStatus.Progress, sim.N1.Engine.Status);
        Assert.Equal((1u, (ushort)1), (sim.O2.Lease.Term, sim.O2.Lease.Holder));
        sim.Run(TimeSpan.FromSeconds(2));

        Assert.Same(sim.O1, sim.Owner);
        Assert.Equal((1u, (ushort)1), (sim.O1.Lease.Term, sim.O1.Lease.Holder));
        Assert.Equal((1u, (ushort)1), (sim.O2.Lease.Term, sim.O2.Lease.Holder));
        Assert.Equal(1, sim.O1.Starts);
        Assert.Equal(0, sim.O2.Starts);
        Assert.Equal(0, sim.PossibleOverlapSteps);
        Assert.Equal(Protocol.Heartbeat.NodeStatus.Online, sim.N1.Engine.Status);
    }

    /// <summary>
    /// Back from maintenance while the peer does not hear it (n1 to n2 and n1 to the witness cut while it was away): the
    /// peer never acknowledges, so it must not resume (a seeded schedule found an earlier resume taking "the peer names
    /// me holder" as evidence, and both nodes ran the resource); it stops its resources, and once the cut heals one
    /// owner emerges.
    /// </summary>
    [Fact]
    public void Back_from_maintenance_unheard_by_the_peer_the_owner_does_not_resume_and_stops()
    {
        var sim = new OwnershipSim();
        sim.Run(TimeSpan.FromSeconds(1));
        LeaveInMaintenance(sim);
        sim.SetReachability(0b000101);

        sim.RestartDaemon(sim.N1, TimeSpan.FromMilliseconds(30));
        sim.Run(TimeSpan.FromSeconds(1));
        Assert.False(sim.O1.Active);
        Assert.False(sim.O2.Active);
        Assert.DoesNotContain("resumed", sim.O1.Last.Reason, StringComparison.Ordinal);

        sim.SetReachability(0);
        sim.Run(TimeSpan.FromSeconds(1));
        Assert.NotNull(sim.Owner);
        Assert.Equal(0, sim.PossibleOverlapSteps);
    }

    /// <summary>A leave in maintenance that the peer cannot confirm (it does not hear n1, not even through the witness) stops the resources instead.</summary>
    [Fact]
    public void Leaving_in_maintenance_unheard_by_the_peer_stops_the_resources_instead()
    {
        var sim = new OwnershipSim();
        sim.Run(TimeSpan.FromSeconds(1));
        sim.SetReachability(0b000101);
        sim.LeaveInMaintenance(sim.N1);
        sim.Run(TimeSpan.FromSeconds(2));

        Assert.True(sim.IsAway(sim.N1));
        Assert.False(sim.O1.Active);
        Assert.Same(sim.O2, sim.Owner);
        Assert.Equal(0, sim.PossibleOverlapSteps);
    }

    private static void LeaveInMaintenance(OwnershipSim sim)
    {
        sim.LeaveInMaintenance(sim.N1);
        for (int i = 0; i < 1000 && !sim.IsAway(sim.N1); i++)
        {
            sim.Run(TimeSpan.FromMilliseconds(1));
        }

        Assert.True(sim.IsAway(sim.N1));
        Assert.True(sim.O1.Started, "left running");
        sim.Run(TimeSpan.FromMilliseconds(500));
        Assert.False(sim.O2.Active, "the peer holds off while the daemon is away");
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
