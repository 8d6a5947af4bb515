using SplitGuard.Core.Links;
using SplitGuard.Core.Node;
using SplitGuard.Core.Placement;
using SplitGuard.Protocol.Heartbeat;
using Xunit;

namespace SplitGuard.Core.Tests.Node;

/// <summary>
/// Decision tables of the node policy, over a scripted lease engine: what the daemon puts into its frames, when it is
/// eligible, when it kills, pets, tells its guard, and leaves. The lease engines have their own tests; the seeded
/// schedules run this controller with the real ones.
/// </summary>
public sealed class NodeControllerTests
{
    // interval 10 ms, detection 45 ms, stop budget 40 ms: kill margin 10 ms, hard deadline = basis + 75 ms.
    private static readonly LeaseOptions Options = new(Ms(45), Ms(10), Ms(40));

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    private static PeerObservation Peer(bool heard = true, bool hearsMe = true, TimeSpan? lastHeard = null, NodeStatus status = NodeStatus.Online) =>
        new(2, heard, lastHeard, hearsMe, 1, 0, false, status, true, true, null);

    private static NodeInputs Inputs(PeerObservation? peer = null, bool active = false, bool probing = false, bool needsMove = false,
        string? panic = null, bool termError = false, bool? gatewaysLost = null) =>
        new([peer ?? Peer(heard: false, hearsMe: false)], active, probing, needsMove, panic, termError, gatewaysLost, null);

    [Fact]
    public void The_deadline_arithmetic_follows_the_lease()
    {
        Assert.Equal(Ms(10), StopDeadlines.KillMargin(Options));
        Assert.Equal(Ms(100 + 45 + 20), StopDeadlines.GuardGraceful(Ms(100), Options));
        Assert.Equal(Ms(100 + 45 + 40 - 10), StopDeadlines.Hard(Ms(100), Options));

        // The peer takes over no earlier than basis + lease + acquire-after: the kill has the margin plus acquire-after.
        var takeover = Ms(100) + Options.TakeoverAfter;
        Assert.Equal(StopDeadlines.KillMargin(Options) + Options.AcquireAfter, takeover - StopDeadlines.Hard(Ms(100), Options));

        // A watchdog lengthens every takeover by its timeout.
        Assert.Equal(Options.TakeoverAfter + Ms(200), (Options with { }).TakeoverAfter + Ms(200));
        Assert.Equal(Options.TakeoverAfter + Ms(200), new LeaseOptions(Ms(45), Ms(10), Ms(40)) { Watchdog = Ms(200) }.TakeoverAfter);
    }

    [Theory]
    [InlineData("probing", NodeStatus.Progress, false)]
    [InlineData("panic", NodeStatus.Standby, false)]
    [InlineData("needs-move", NodeStatus.Standby, false)]
    [InlineData("term-store-error", NodeStatus.Standby, false)]
    [InlineData("gateway-give-up", NodeStatus.Standby, false)]
    [InlineData("gateways-lost-everywhere", NodeStatus.Online, true)]
    [InlineData("healthy", NodeStatus.Online, true)]
    public void Status_and_eligibility_follow_the_facts(string fact, NodeStatus status, bool eligible)
    {
        var lease = new ScriptedLease();
        var controller = new NodeController(lease);
        var inputs = fact switch
        {
            "probing" => Inputs(probing: true),
            "panic" => Inputs(panic: "stop of vip failed"),
            "needs-move" => Inputs(needsMove: true),
            "term-store-error" => Inputs(termError: true),
            "gateway-give-up" => Inputs(peer: Peer(), gatewaysLost: true),
            "gateways-lost-everywhere" => Inputs(peer: Peer(heard: false), gatewaysLost: true),
            _ => Inputs(),
        };

        var actions = controller.Step(Ms(1), inputs);

        Assert.Equal(status, actions.Status);
        Assert.Equal(eligible, lease.Eligible);
        Assert.Equal(fact == "probing" ? null : false, actions.Run);
    }

    [Fact]
    public void Operator_windows_set_the_status_and_end_on_time()
    {
        var lease = new ScriptedLease();
        var controller = new NodeController(lease);
        controller.SetAvailability("standby", Ms(0));
        Assert.Equal(NodeStatus.Standby, controller.Step(Ms(1), Inputs()).Status);
        Assert.False(lease.Eligible);

        controller.SetAvailability("offline", Ms(10), TimeSpan.FromSeconds(2));
        Assert.Equal(NodeStatus.Offline, controller.Step(Ms(2009), Inputs()).Status);
        var back = controller.Step(Ms(2010), Inputs());
        Assert.Equal(NodeStatus.Online, back.Status);
        Assert.True(lease.Eligible);
        Assert.Contains(back.Events, e => e.Id == 1407);
    }

    [Fact]
    public void A_move_is_refused_unless_this_node_holds_and_another_is_heard_online()
    {
        var lease = new ScriptedLease();
        var controller = new NodeController(lease);
        controller.Step(Ms(1), Inputs(peer: Peer()));
        Assert.False(controller.MoveAway(Ms(1), "vip").Ok);

        lease.Next = new OwnershipDecision(true, 1, 1, "holder");
        controller.Step(Ms(2), Inputs(peer: Peer(status: NodeStatus.Standby), active: true));
        Assert.False(controller.MoveAway(Ms(2), "vip").Ok);

        controller.Step(Ms(3), Inputs(peer: Peer(), active: true));
        Assert.True(controller.MoveAway(Ms(3), "vip").Ok);
        controller.Step(Ms(4), Inputs(peer: Peer(), active: true));
        Assert.False(lease.Eligible);
        Assert.False(controller.Step(Ms(4 + 60_000), Inputs(peer: Peer())).Events.Count == 0);
        Assert.True(lease.Eligible);
    }

    [Fact]
    public void A_holder_that_loses_its_lease_is_killed_at_the_hard_deadline_and_not_before()
    {
        var lease = new ScriptedLease { Holder = 1, LastEvidence = Ms(100), Next = new OwnershipDecision(true, 1, 1, "holder") };
        var controller = new NodeController(lease);
        controller.Step(Ms(120), Inputs(active: true));

        // Self-fence: no evidence; the lease is released while eligible; the agent's stop runs and runs.
        lease.Holder = 0;
        lease.Next = new OwnershipDecision(false, 1, 0, "no evidence");
        var hard = StopDeadlines.Hard(Ms(100), Options);
        for (var t = Ms(145); t < hard; t += Ms(1))
        {
            var step = controller.Step(t, Inputs(peer: Peer(heard: false, hearsMe: false), active: true));
            Assert.False(step.HardKill, $"killed at {t.TotalMilliseconds} ms, before the hard deadline {hard.TotalMilliseconds} ms");
            Assert.True(step.PetWatchdog);
        }

        var at = controller.Step(hard, Inputs(active: true));
        Assert.True(at.HardKill);
        Assert.Contains(at.Events, e => e.Id == 1409 && e.Level == NodeEventLevel.Error);
        Assert.Equal(hard, controller.HardDeadline);

        // Once: the processes could not be killed (still active): no more pets, no second kill.
        var after = controller.Step(hard + Ms(5), Inputs(active: true));
        Assert.False(after.HardKill);
        Assert.False(after.PetWatchdog);

        // Down at last: pets again, nothing bounds the next stop.
        var down = controller.Step(hard + Ms(6), Inputs(active: false));
        Assert.True(down.PetWatchdog);
        Assert.Null(controller.HardDeadline);
    }

    [Fact]
    public void A_stop_the_peer_waits_for_is_not_killed_while_the_peer_hears_this_node()
    {
        var lease = new ScriptedLease { Holder = 1, LastEvidence = Ms(100), Next = new OwnershipDecision(true, 1, 1, "holder") };
        var controller = new NodeController(lease);
        controller.Step(Ms(100), Inputs(peer: Peer(lastHeard: Ms(100)), active: true));

        // Standby: released on purpose, the agent takes its time; the peer's frames keep saying it hears this node.
        controller.SetAvailability("standby", Ms(100));
        lease.Holder = 0;
        lease.Next = new OwnershipDecision(false, 1, 0, "released");
        TimeSpan t;
        for (t = Ms(101); t < Ms(2000); t += Ms(1))
        {
            var heard = Ms(Math.Floor(t.TotalMilliseconds / 10) * 10);
            Assert.False(controller.Step(t, Inputs(peer: Peer(lastHeard: heard), active: true)).HardKill, $"killed at {t.TotalMilliseconds} ms while heard");
        }

        // The peer stops hearing it (last said so at 1990 ms): the basis is that frame minus the detection time plus
        // the ack window and an interval; the kill follows at the hard deadline from there.
        var basis = Ms(1990) - Options.Detection + Options.AckWindow + Options.Interval;
        var hard = StopDeadlines.Hard(basis, Options);
        for (; t < hard; t += Ms(1))
        {
            Assert.False(controller.Step(t, Inputs(peer: Peer(hearsMe: false, lastHeard: t), active: true)).HardKill);
        }

        Assert.True(controller.Step(hard, Inputs(peer: Peer(hearsMe: false, lastHeard: hard), active: true)).HardKill);
    }

    [Fact]
    public void The_guard_is_told_the_lease_deadlines_and_never_less_than_two_intervals()
    {
        var lease = new ScriptedLease { Holder = 1, LastEvidence = Ms(100), Next = new OwnershipDecision(true, 1, 1, "holder") };
        var controller = new NodeController(lease);
        var beat = controller.Step(Ms(110), Inputs(active: true)).Guard;
        Assert.True(beat.Active);
        Assert.Equal(StopDeadlines.GuardGraceful(Ms(100), Options) - Ms(110), beat.GracefulIn);
        Assert.Equal(StopDeadlines.Hard(Ms(100), Options) - Ms(110), beat.HardIn);

        // Late in the stop: the floor keeps a beat two intervals late from looking like a dead daemon.
        var late = controller.Step(Ms(170), Inputs(active: true)).Guard;
        Assert.Equal(Options.Interval * 2, late.GracefulIn);

        // Nothing runs: the guard idles.
        lease.Holder = 0;
        Assert.False(controller.Step(Ms(300), Inputs(active: false)).Guard.Active);
    }

    [Fact]
    public void A_stopping_daemon_leaves_only_once_its_resources_are_down_and_never_in_panic()
    {
        var lease = new ScriptedLease();
        var controller = new NodeController(lease);
        Assert.Null(controller.RequestStop(leaveRunning: false));
        var first = controller.Step(Ms(1), Inputs(active: true));
        Assert.Equal(NodeStatus.Offline, first.Status);
        Assert.False(lease.Eligible);
        for (var t = Ms(2); t < Ms(1000); t += Ms(10))
        {
            Assert.False(controller.Step(t, Inputs(active: true)).Exit);
        }

        Assert.False(controller.Step(Ms(1000), Inputs(active: false)).Exit);
        Assert.False(controller.Step(Ms(1049), Inputs(active: false)).Exit);
        Assert.True(controller.Step(Ms(1050), Inputs(active: false)).Exit);

        var panicking = new NodeController(new ScriptedLease());
        panicking.RequestStop(leaveRunning: false);
        var stuck = panicking.Step(Ms(1), Inputs(active: true, panic: "stop of vip failed"));
        Assert.Contains(stuck.Events, e => e.Id == 1416);
        Assert.False(panicking.Step(Ms(60_000), Inputs(active: true, panic: "stop of vip failed")).Exit);
    }

    [Fact]
    public void Leaving_running_needs_a_peer_that_hears_this_node_and_something_running()
    {
        var controller = new NodeController(new ScriptedLease());
        controller.Step(Ms(1), Inputs(peer: Peer(hearsMe: false)));
        Assert.NotNull(controller.RequestStop(leaveRunning: true));
        Assert.False(controller.Stopping);

        controller.Step(Ms(2), Inputs(peer: Peer()));
        Assert.NotNull(controller.RequestStop(leaveRunning: true, panic: "stop failed"));
        Assert.Null(controller.RequestStop(leaveRunning: true));

        // Nothing runs to leave running: a plain stop (ineligible at once, so it cannot claim and start first).
        var lease = (ScriptedLease)controller.Lease;
        var step = controller.Step(Ms(3), Inputs(peer: Peer(), active: false));
        Assert.False(lease.Eligible);
        Assert.Equal(NodeStatus.Offline, step.Status);
        Assert.False(step.Maintenance);
        Assert.False(controller.LeavingRunning);
    }

    [Fact]
    public void Leaving_running_flags_the_frames_while_the_resources_run()
    {
        var lease = new ScriptedLease { Holder = 1, LastEvidence = Ms(1), Next = new OwnershipDecision(true, 1, 1, "holder") };
        var controller = new NodeController(lease);
        controller.Step(Ms(1), Inputs(peer: Peer(lastHeard: Ms(1)), active: true));
        Assert.Null(controller.RequestStop(leaveRunning: true));
        var step = controller.Step(Ms(2), Inputs(peer: Peer(lastHeard: Ms(2)), active: true));
        Assert.True(step.Maintenance);
        Assert.True(lease.Eligible);
        Assert.Equal(true, step.Run);

        // No proof within the patience: the resources are stopped instead.
        var giveUp = controller.Step(Ms(2) + MaintenanceLeave.Patience(Options), Inputs(peer: Peer(lastHeard: Ms(2)), active: true));
        Assert.Contains(giveUp.Events, e => e.Id == 1405);
        controller.Step(Ms(3) + MaintenanceLeave.Patience(Options), Inputs(peer: Peer(), active: true));
        Assert.False(lease.Eligible);
    }

    /// <summary>A lease engine that answers what the test sets.</summary>
    private sealed class ScriptedLease : IOwnershipLease
    {
        public ushort Self => 1;

        public uint Term => Next.Term;

        public ushort Holder { get; set; }

        public TimeSpan LastEvidence { get; set; }

        public LeaseOptions Options => NodeControllerTests.Options;

        public TimeSpan TakeoverAfter => Options.TakeoverAfter;

        public bool Eligible { get; set; } = true;

        public bool Resuming { get; set; }

        public OwnershipDecision Next { get; set; } = new(false, 1, 0, "no holder");

        public OwnershipDecision Decide(TimeSpan now, IReadOnlyList<PeerObservation> peers, bool resourcesActive, TimeSpan? lastStall) => Next;
    }
}
