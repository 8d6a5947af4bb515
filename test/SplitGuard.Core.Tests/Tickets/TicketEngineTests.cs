using SplitGuard.Core.Tickets;
using SplitGuard.Protocol.Booth;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Core.Tests.Tickets;

/// <summary>
/// The ticket state machine over a fake clock and network (<see cref="BoothSim"/>), with the recipe's timing: expire
/// 30 s, timeout 2 s, retries 3, renewal-freq 10 s, acquire-after 5 s. Members: 0 = site 10.98.0.1, 1 = site
/// 10.98.0.2, 2 = arbitrator 10.98.0.3. Every run also asserts S2 (never two valid leaders, one leader per term).
/// </summary>
public sealed class TicketEngineTests(ITestOutputHelper output)
{
    private const int S1 = 0;
    private const int S2 = 1;
    private const int Arb = 2;

    private static BoothSim NewSim(int seed = 1, string extra = "") => new(BoothConfigParserTests.Recipe + "\n" + extra, seed);

    private static BoothSim Granted(int seed = 1)
    {
        var sim = NewSim(seed);
        sim.Run(3000); // start-up: Stat/MIdx and the timeout wait
        sim.Grant(S1);
        sim.Run(200);
        return sim;
    }

    private void AssertSafe(BoothSim sim)
    {
        if (sim.Violations.Count > 0)
        {
            foreach (var l in sim.Log.TakeLast(60))
            {
                output.WriteLine(l);
            }
        }

        Assert.Empty(sim.Violations);
    }

    [Fact]
    public void Start_up_broadcasts_Stat_and_answers_with_MIdx()
    {
        var sim = NewSim();
        sim.Run(50);
        Assert.Equal(6, sim.CountSent(BoothCommand.Status));
        Assert.Equal(6, sim.CountSent(BoothCommand.MyIndex));
        Assert.All(sim.Sent.Where(s => s.Message.Command == BoothCommand.MyIndex), s => Assert.Equal(BoothCommand.Status, s.Message.Request));
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(BoothMessage.NoOne, sim.View(i).Leader));
    }

    [Fact]
    public void Grant_runs_booths_exchange_with_term_0_and_answers_More_then_success()
    {
        var sim = NewSim();
        sim.Run(3000);
        var request = sim.Grant(S1);
        sim.Run(100);
        var sequence = sim.Sent.Where(s => s.From == S1).Select(s => s.Message.Command).Distinct().ToList();
        Assert.Equal(new[] { BoothCommand.Status, BoothCommand.MyIndex, BoothCommand.RequestVote, BoothCommand.Heartbeat, BoothCommand.Update }, sequence);
        var rvot = sim.Sent.First(s => s.Message.Command == BoothCommand.RequestVote).Message;
        Assert.Equal((BoothReason.Admin, sim.Id(S1), 0u, 0u), (rvot.Reason, rvot.Leader, rvot.Term, rvot.TermValidFor));
        var hb = sim.Sent.First(s => s.Message.Command == BoothCommand.Heartbeat).Message;
        Assert.Equal(29u, hb.TermValidFor);
        Assert.Equal(new[] { BoothResult.More, BoothResult.Success }, sim.Replies[request].Select(r => r.Result));
        Assert.Equal(sim.Id(S1), sim.Replies[request][1].Leader);
        Assert.Equal(sim.Id(S1), sim.AgreedLeader());
        Assert.Equal(TicketRole.Leader, sim.View(S1).Role);
        Assert.Equal(TicketRole.Follower, sim.View(S2).Role);
        Assert.Equal(TicketRole.Follower, sim.View(Arb).Role);
        Assert.Equal(0u, sim.View(S1).Term);
        // all sites replied: the CIB commit is not delayed; the arbitrator never writes a CIB
        Assert.Null(sim.View(S1).CommitPendingUntilMs);
        Assert.Contains((S1, true, (long)sim.Id(S1), 0u), sim.CibWrites);
        Assert.DoesNotContain(sim.CibWrites, w => w.Member == Arb);
        AssertSafe(sim);
    }

    [Fact]
    public void Renewals_every_renewal_freq_carry_the_remaining_then_the_full_validity()
    {
        var sim = Granted();
        var before = sim.CountSent(BoothCommand.Heartbeat, S1);
        sim.Run(60_000);
        Assert.Equal(before + 12, sim.CountSent(BoothCommand.Heartbeat, S1)); // 6 renewals x 2 peers
        var renewals = sim.Sent.Where(s => s.From == S1 && s.Message.Command == BoothCommand.Heartbeat).Skip(2).Select(s => s.Message.TermValidFor).Distinct();
        Assert.Equal(new[] { 19u }, renewals);
        var updates = sim.Sent.Where(s => s.From == S1 && s.Message.Command == BoothCommand.Update).Select(s => s.Message.TermValidFor).Distinct();
        Assert.Equal(new[] { 29u }, updates);
        Assert.Equal(sim.Id(S1), sim.AgreedLeader());
        Assert.True(sim.View(S2).ExpiresAtMs > sim.Now + 18_000);
        AssertSafe(sim);
    }

    [Fact]
    public void Failover_after_expire_plus_acquire_after_goes_to_the_other_site_in_term_1()
    {
        var sim = Granted();
        sim.Run(5_000);
        var lastUpdate = sim.Sent.Last(s => s.From == S1 && s.Message.Command == BoothCommand.Update).At;
        sim.Crash(S1);
        var took = sim.RunUntil(() => sim.View(S2).Role == TicketRole.Leader, 60_000);
        Assert.True(took > 0, "no failover");
        var at = sim.Now - lastUpdate;
        output.WriteLine($"failover {at} ms after the last UpdE");
        // S2's lease (29 s after the UpdE) + acquire-after 5 s + 0..1 s delay + the election's timeout (2 s: the dead
        // site never answers), as booth: declared lost at +35 s, leader 2 s later
        Assert.InRange(at, 36_000, 37_100);
        Assert.Equal(1u, sim.View(S2).Term);
        var rvot = sim.Sent.Last(s => s.Message.Command == BoothCommand.RequestVote).Message;
        Assert.Equal((BoothReason.TicketLost, 1u), (rvot.Reason, rvot.Term));
        sim.Run(100);
        Assert.Equal(sim.Id(S2), sim.View(Arb).Leader);
        AssertSafe(sim);
    }

    [Fact]
    public void The_old_holder_rejoins_as_follower()
    {
        var sim = Granted();
        sim.Crash(S1);
        sim.RunUntil(() => sim.View(S2).Role == TicketRole.Leader, 60_000);
        sim.Run(1000);
        sim.Restart(S1);
        sim.Run(3000);
        Assert.Equal(TicketRole.Follower, sim.View(S1).Role);
        Assert.Equal(sim.Id(S2), sim.AgreedLeader());
        Assert.Equal(1u, sim.View(S1).Term);
        sim.Run(30_000);
        Assert.Equal(sim.Id(S2), sim.AgreedLeader());
        AssertSafe(sim);
    }

    [Fact]
    public void Revoke_at_a_non_leader_redirects_and_at_the_leader_revokes_everywhere()
    {
        var sim = Granted();
        var redirect = sim.Revoke(S2);
        var r = Assert.Single(sim.Replies[redirect]);
        Assert.Equal((BoothResult.Redirect, sim.Id(S1)), (r.Result, r.Leader));
        var arb = sim.Revoke(Arb);
        Assert.Equal(BoothResult.Redirect, Assert.Single(sim.Replies[arb]).Result);

        var revoke = sim.Revoke(S1);
        Assert.Equal(BoothResult.Success, Assert.Single(sim.Replies[revoke]).Result);
        sim.Run(100);
        var revk = sim.Sent.Last(s => s.Message.Command == BoothCommand.Revoke).Message;
        Assert.Equal((BoothReason.Admin, BoothMessage.NoOne), (revk.Reason, revk.Leader));
        Assert.Equal(2, sim.Sent.Count(s => s.Message.Command == BoothCommand.Ack && s.Message.Request == BoothCommand.Revoke));
        Assert.All(Enumerable.Range(0, 3), i => Assert.True(sim.View(i).Revoked && sim.View(i).Leader == BoothMessage.NoOne));
        Assert.Contains((S1, false, -1L, 0u), sim.CibWrites);

        var idle = sim.Revoke(S1);
        Assert.Equal(BoothResult.TicketIdle, Assert.Single(sim.Replies[idle]).Result);
        sim.Run(60_000);
        Assert.Equal(BoothMessage.NoOne, sim.AgreedLeader()); // a revoked ticket is not re-acquired
        // the next grant takes a new term
        sim.Grant(S2);
        sim.Run(200);
        Assert.Equal((sim.Id(S2), 1u), (sim.View(Arb).Leader, sim.View(Arb).Term));
        AssertSafe(sim);
    }

    [Fact]
    public void Client_errors_unknown_ticket_overgrant_and_grant_at_an_arbitrator()
    {
        var sim = Granted();
        var engine = sim.Engine(S2)!;
        var unknown = Assert.IsType<ClientReplyAction>(Assert.Single(engine.Grant(99, "nope", 0, sim.Now)));
        Assert.Equal((BoothResult.InvalidArgument, true), (unknown.Message.Result, unknown.Final));
        Assert.Equal(BoothResult.InvalidArgument, Assert.IsType<ClientReplyAction>(Assert.Single(engine.Revoke(98, "nope", sim.Now))).Message.Result);
        var over = Assert.IsType<ClientReplyAction>(Assert.Single(engine.Grant(97, sim.TicketName, 0, sim.Now)));
        Assert.Equal((BoothResult.Overgrant, sim.Id(S1)), (over.Message.Result, over.Message.Leader));
        var arb = Assert.IsType<ClientReplyAction>(Assert.Single(sim.Engine(Arb)!.Grant(96, sim.TicketName, 0, sim.Now)));
        Assert.Equal(BoothResult.InvalidArgument, arb.Message.Result);
    }

    [Fact]
    public void Split_leader_the_isolated_holder_gives_up_and_the_others_take_over_after_expiry()
    {
        var sim = Granted();
        sim.Run(2_000);
        sim.Partition(S1);
        var took = sim.RunUntil(() => sim.View(S2).Role == TicketRole.Leader, 60_000);
        Assert.True(took > 0);
        Assert.NotEqual(TicketRole.Leader, sim.View(S1).Role);
        Assert.Contains(sim.Log, l => l.Contains("m0: lease ended without a majority", StringComparison.Ordinal));
        sim.Heal();
        sim.Run(15_000);
        Assert.Equal(sim.Id(S2), sim.AgreedLeader());
        AssertSafe(sim);
    }

    [Fact]
    public void Split_follower_the_holder_keeps_the_ticket_and_the_isolated_site_comes_back_as_follower()
    {
        var sim = Granted();
        sim.Partition(S2);
        sim.Run(60_000);
        Assert.Equal(TicketRole.Leader, sim.View(S1).Role);
        Assert.Equal(sim.Id(S1), sim.View(Arb).Leader);
        Assert.NotEqual(TicketRole.Leader, sim.View(S2).Role);
        Assert.Contains(sim.Log, l => l.Contains("m1: lost at 10.98.0.1", StringComparison.Ordinal));
        sim.Heal();
        sim.Run(15_000);
        Assert.Equal(sim.Id(S1), sim.AgreedLeader());
        Assert.Equal(TicketRole.Follower, sim.View(S2).Role);
        AssertSafe(sim);
    }

    [Fact]
    public void A_lost_claim_while_the_ticket_is_valid_is_rejected_TVld()
    {
        var sim = Granted();
        var engine = sim.Engine(Arb)!;
        var claim = new BoothMessage(sim.Id(S2), BoothCommand.RequestVote, 0, 0, BoothReason.TicketLost, 0, sim.TicketName, sim.Id(S2), 1, 0);
        var reply = Assert.IsType<SendAction>(engine.Receive(claim, sim.Now).Single(a => a is SendAction));
        Assert.Equal((BoothCommand.Rejected, BoothCommand.RequestVote, BoothResult.TermStillValid, S2), (reply.Message.Command, reply.Message.Request, reply.Message.Result, reply.To));
        Assert.Equal(sim.Id(S1), sim.View(Arb).Leader);
    }

    [Fact]
    public void Messages_naming_an_unknown_ticket_or_leader_or_sender_change_nothing()
    {
        var sim = Granted();
        var engine = sim.Engine(S2)!;
        var before = sim.View(S2);
        var hb = new BoothMessage(sim.Id(Arb), BoothCommand.Heartbeat, 0, 0, 0, 0, sim.TicketName, sim.Id(Arb), 9, 29);
        Assert.Empty(engine.Receive(hb with { Ticket = "other" }, sim.Now));
        Assert.Empty(engine.Receive(hb with { Leader = 12345 }, sim.Now));
        Assert.Empty(engine.Receive(hb with { From = 12345 }, sim.Now));
        Assert.False(engine.IsValidMessage(hb with { Ticket = "other" }));
        Assert.False(engine.IsValidMessage(hb with { Leader = 12345 }));
        Assert.Equal(before, sim.View(S2));
    }

    [Fact]
    public void A_handler_failure_at_renewal_gives_the_ticket_up_and_the_other_site_takes_it()
    {
        var sim = NewSim(extra: "    before-acquire-handler = /usr/local/bin/check\n");
        sim.Run(3000);
        sim.Grant(S1);
        sim.Run(200);
        Assert.Equal(TicketRole.Leader, sim.View(S1).Role);
        sim.HandlerResults[S1] = false;
        var took = sim.RunUntil(() => sim.View(S2).Role == TicketRole.Leader, 20_000);
        Assert.True(took > 0);
        var stepDown = sim.Sent.First(s => s.From == S1 && s.Message.Command == BoothCommand.VoteFor).Message;
        Assert.Equal((BoothMessage.NoOne, BoothReason.LocalFail), (stepDown.Leader, stepDown.Reason));
        Assert.Equal(BoothReason.StepDown, sim.Sent.Last(s => s.Message.Command == BoothCommand.RequestVote).Message.Reason);
        sim.Run(100);
        Assert.Equal(sim.Id(S2), sim.AgreedLeader());
        AssertSafe(sim);
    }

    [Fact]
    public void A_handler_failure_before_a_grant_answers_XPrg()
    {
        var sim = NewSim(extra: "    before-acquire-handler = /usr/local/bin/check\n");
        sim.Run(3000);
        sim.HandlerResults[S1] = false;
        var request = sim.Grant(S1);
        sim.Run(100);
        Assert.Equal(new[] { BoothResult.More, BoothResult.ExternalFailed }, sim.Replies[request].Select(r => r.Result));
        Assert.Equal(0, sim.CountSent(BoothCommand.RequestVote));
    }

    [Fact]
    public void Without_all_sites_the_commit_is_delayed_unless_forced()
    {
        var sim = NewSim();
        sim.Crash(S2);
        sim.Run(3000);
        sim.Grant(S1);
        sim.Run(100);
        Assert.Equal(TicketRole.Candidate, sim.View(S1).Role); // waits for the missing vote until the election ends
        sim.Run(2000);
        Assert.Equal(TicketRole.Leader, sim.View(S1).Role);
        Assert.NotNull(sim.View(S1).CommitPendingUntilMs);
        Assert.DoesNotContain(sim.CibWrites, w => w.Granted);

        var forced = NewSim(2);
        forced.Crash(S2);
        forced.Run(3000);
        forced.Grant(S1, BoothClientOptions.Immediate);
        forced.Run(2100);
        Assert.Null(forced.View(S1).CommitPendingUntilMs);
        Assert.Contains(forced.CibWrites, w => w.Granted && w.Member == S1);
    }

    [Fact]
    public void Restart_of_every_member_keeps_one_holder()
    {
        var sim = Granted();
        sim.Run(1000);
        sim.Crash(Arb);
        sim.Restart(Arb);
        sim.Run(3000);
        Assert.Equal(sim.Id(S1), sim.AgreedLeader());
        sim.Crash(S2);
        sim.Restart(S2);
        sim.Run(3000);
        Assert.Equal(sim.Id(S1), sim.AgreedLeader());
        sim.Crash(S1);
        sim.Restart(S1);
        sim.RunUntil(() => sim.AgreedLeader() is { } l && l != BoothMessage.NoOne && sim.ValidLeaders().Count == 1, 60_000);
        sim.Run(5_000);
        Assert.NotEqual(BoothMessage.NoOne, sim.AgreedLeader() ?? BoothMessage.NoOne);
        AssertSafe(sim);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Thirty_percent_loss_keeps_the_ticket_where_it_is(int seed)
    {
        var sim = Granted(seed);
        sim.LossPercent = 30;
        sim.Run(300_000);
        AssertSafe(sim);
        sim.LossPercent = 0;
        sim.Run(15_000);
        Assert.Equal(sim.Id(S1), sim.AgreedLeader());
        Assert.Equal(0u, sim.View(S1).Term);
        AssertSafe(sim);
    }

    [Fact]
    public void Milliseconds_mode_puts_29999_in_a_fresh_heartbeat()
    {
        var sim = new BoothSim(BoothConfigParserTests.Recipe.Replace("timeout = 2", "timeout = 1500ms", StringComparison.Ordinal));
        Assert.True(sim.Config.MillisecondUnits);
        sim.Run(3000);
        sim.Grant(S1);
        sim.Run(100);
        Assert.Equal(29_999u, sim.Sent.First(s => s.Message.Command == BoothCommand.Heartbeat).Message.TermValidFor);
    }
    [Fact]
    public void A_manual_ticket_is_granted_at_once_never_expires_and_needs_F_for_a_second_holder()
    {
        var sim = new BoothSim(BoothConfigParserTests.Recipe + "\n    mode = manual\n");
        sim.Run(3000);
        var first = sim.Grant(S1);
        Assert.Equal(new[] { BoothResult.Success }, sim.Replies[first].Select(r => r.Result));
        Assert.Equal(0, sim.CountSent(BoothCommand.RequestVote));
        sim.Run(120_000);
        Assert.Equal(TicketRole.Leader, sim.View(S1).Role);
        Assert.True(sim.View(S1).Manual);
        Assert.Null(sim.View(S1).ExpiresAtMs);
        Assert.Equal(BoothResult.Overgrant, sim.Replies[sim.Grant(S2)].Single().Result);
    }

    [Fact]
    public void A_member_restarted_without_a_cib_cannot_win_a_used_term_again()
    {
        // s2 never hears the term-0 grant (cut off), s1 revokes while s2 is down; then s2 asks for term 0 again.
        var sim = NewSim();
        sim.Run(3000);
        sim.Partition(S2);
        sim.Grant(S1);
        sim.Run(2_200);
        Assert.Equal((TicketRole.Leader, 0u), (sim.View(S1).Role, sim.View(S1).Term));
        sim.Revoke(S1);
        sim.Run(100);
        sim.Heal();
        var request = sim.Grant(S2);
        sim.Run(5_000);
        Assert.Contains(sim.Sent, s => s.Message.Command == BoothCommand.Rejected && s.Message.Result == BoothResult.TermOutdated && s.To == S2);
        Assert.Equal((TicketRole.Leader, 1u), (sim.View(S2).Role, sim.View(S2).Term));
        Assert.Equal(BoothResult.Success, sim.Replies[request].Last().Result);
        AssertSafe(sim);
    }
    [Fact]
    public void The_commit_delay_ends_when_the_last_site_acks_later_or_when_it_runs_out()
    {
        var sim = NewSim();
        sim.Run(3000);
        sim.Cuts.Add((S1, S2));
        sim.Grant(S1);
        sim.Run(2100);
        Assert.Equal(TicketRole.Leader, sim.View(S1).Role);
        Assert.NotNull(sim.View(S1).CommitPendingUntilMs);
        Assert.DoesNotContain(sim.CibWrites, w => w.Granted);
        sim.Heal();
        sim.Run(2500); // the UpdE resend (timeout 2 s) reaches s2, whose ack completes "all sites replied"
        Assert.Null(sim.View(S1).CommitPendingUntilMs);
        Assert.Contains(sim.CibWrites, w => w.Granted && w.Member == S1);

        var slow = NewSim(2);
        slow.Crash(S2);
        slow.Run(3000);
        slow.Grant(S1);
        slow.Run(2100);
        var pending = slow.View(S1).CommitPendingUntilMs!.Value;
        slow.Run(pending - slow.Now - 1);
        Assert.DoesNotContain(slow.CibWrites, w => w.Granted);
        slow.Run(2);
        Assert.Contains(slow.CibWrites, w => w.Granted && w.Member == S1); // committed when expire + acquire-after passed
    }
}
