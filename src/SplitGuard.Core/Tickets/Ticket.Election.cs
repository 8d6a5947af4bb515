using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Tickets;

internal sealed partial class Ticket
{
    private long? _nextElectionAt;
    private BoothReason _scheduledReason;
    private long _electionEnd;
    private BoothReason _electionReason;
    private bool _lastWasTie;
    private int _rounds;
    private long? _pendingClient;
    private BoothCommand _pendingClientCommand;
    private HandlerPurpose? _handlerRunning;
    private BoothReason _handlerReason;

    /// <summary>Schedules an election after booth's random delay of 0..min(1 s, timeout) (sites, automatic tickets).</summary>
    private void ScheduleElection(BoothReason reason, long now, List<TicketAction> actions)
    {
        if (!IsSite || Config.IsManual)
        {
            return;
        }

        var delay = _ctx.Random.NextInt64(0, Math.Min(1000, Config.TimeoutMs) + 1);
        _nextElectionAt = now + delay;
        _scheduledReason = reason;
        Log(actions, $"election ({FourCc.Text((uint)reason)}) in {delay} ms");
    }

    /// <summary>booth's acquire_ticket: the before-acquire-handler first (if any), then the election.</summary>
    private void Acquire(BoothReason reason, long now, List<TicketAction> actions)
    {
        _nextElectionAt = null;
        if (_handlerRunning is not null || Role == TicketRole.Candidate)
        {
            return;
        }

        if (Config.BeforeAcquireHandler is { } handler)
        {
            _handlerRunning = HandlerPurpose.Acquire;
            _handlerReason = reason;
            actions.Add(new RunHandlerAction(Name, handler, HandlerPurpose.Acquire, Remaining(now)));
            return;
        }

        StartElection(reason, now, actions);
    }

    private void StartElection(BoothReason reason, long now, List<TicketAction> actions)
    {
        // booth's term rule: a new term only after a tie, or when a valid ticket was seen in this term or later.
        if (_lastWasTie || (LastValidTerm is { } valid && valid >= Term))
        {
            Term++;
        }

        _lastWasTie = false;
        Role = TicketRole.Candidate;
        Leader = NoOne;
        TermExpires = 0;
        VotedFor = LocalId;
        _votes.Clear();
        _votes[_ctx.Local.Index] = LocalId;
        _electionEnd = now + Config.TimeoutMs;
        _electionReason = reason;
        Log(actions, $"starting election for term {Term} ({FourCc.Text((uint)reason)})");
        Send(actions, null, Make(BoothCommand.RequestVote, now, reason: reason) with { Leader = LocalId, TermValidFor = 0 });
        if (_ctx.MemberCount == 1)
        {
            FinishElection(now, actions);
        }
    }

    private void ClearElection()
    {
        _votes.Clear();
        if (Role == TicketRole.Candidate)
        {
            Role = TicketRole.Init;
        }
    }

    /// <summary>A voter's answer to RVot (booth's answer_REQ_VOTE).</summary>
    private void OnRequestVote(int sender, BoothMessage m, long now, List<TicketAction> actions)
    {
        var valid = IsValid(now);
        if (m.Reason == BoothReason.TicketLost)
        {
            if (Role == TicketRole.Init && Revoked)
            {
                Reject(sender, m, BoothResult.YouOutdated, now, actions);
                return;
            }

            var ok = (IsLeaderHere && TermExpires > now)
                || (Role == TicketRole.Follower && TermExpires - now >= Config.ExpireMs / 3);
            if (ok)
            {
                Log(actions, $"{_ctx.Name(m.From)} claims that the ticket is lost, but it is ok here");
                Reject(sender, m, BoothResult.TermStillValid, now, actions);
                return;
            }
        }

        if (m.From != Leader && valid && m.Reason != BoothReason.StepDown)
        {
            Reject(sender, m, BoothResult.TermStillValid, now, actions);
            return;
        }

        // A lower term, or a term that already had a holder here (e.g. a member that restarted without a CIB asks
        // again for term 0 after a revoke): the candidate must take a newer term.
        if (m.Term < Term || (LastValidTerm is { } used && m.Term <= used && !(IsValid(now) && m.From == Leader)))
        {
            Reject(sender, m, BoothResult.TermOutdated, now, actions);
            return;
        }

        if (m.Term > Term)
        {
            Term = m.Term;
            VotedFor = null;
            if (Role == TicketRole.Candidate)
            {
                ClearElection();
            }
        }

        VotedFor ??= m.From;
        Send(actions, sender, Make(BoothCommand.VoteFor, now, BoothCommand.RequestVote) with { Leader = VotedFor.Value });
    }

    /// <summary>A candidate counts a vote; a VtFr with NO_ONE from the holder means it stepped down.</summary>
    private void OnVoteFor(int sender, BoothMessage m, long now, List<TicketAction> actions)
    {
        if (m.Leader == NoOne && m.From == Leader && Leader != LocalId)
        {
            Log(actions, $"{_ctx.Name(m.From)} stepped down ({FourCc.Text((uint)m.Reason)})");
            Reset(revoked: false);
            WriteCib(actions, false, CibWriteAction.OwnerLost, now);
            ScheduleElection(BoothReason.StepDown, now, actions);
            return;
        }

        if (Role != TicketRole.Candidate)
        {
            return;
        }

        if (m.Term < Term)
        {
            Reject(sender, m, BoothResult.TermOutdated, now, actions);
            return;
        }

        if (m.Term > Term)
        {
            Term = m.Term;
            _votes.Clear();
            _votes[_ctx.Local.Index] = LocalId;
        }

        _votes[sender] = m.Leader;
        if (_votes.Count >= _ctx.MemberCount)
        {
            FinishElection(now, actions);
        }
    }

    /// <summary>booth's elections_end: the winner needs more than half of all members' votes.</summary>
    private void FinishElection(long now, List<TicketAction> actions)
    {
        var tally = _votes.Values.Where(v => v != NoOne).GroupBy(v => v).Select(g => (Id: g.Key, Count: g.Count()))
            .OrderByDescending(g => g.Count).ToList();
        var winner = tally.FirstOrDefault(g => _ctx.IsMajority(g.Count));
        _votes.Clear();
        if (winner.Count > 0 && winner.Id == LocalId)
        {
            _rounds = 0;
            BecomeLeader(now, actions);
            return;
        }

        if (winner.Count > 0)
        {
            Log(actions, $"{_ctx.Name(winner.Id)} won the election for term {Term}");
            _rounds = 0;
            Role = TicketRole.Init;
            VotedFor = winner.Id;
            FailPendingClient(BoothResult.SyncFail, now, actions);
            return;
        }

        _lastWasTie = tally.Count > 1 && tally[0].Count == tally[1].Count;
        Role = TicketRole.Init;
        _rounds++;
        if (_rounds > Config.Retries)
        {
            Log(actions, $"no winner after {_rounds} elections; giving up");
            _rounds = 0;
            FailPendingClient(BoothResult.SyncFail, now, actions);
            return;
        }

        Log(actions, $"nobody won the election for term {Term}{(_lastWasTie ? " (tie)" : string.Empty)}; new election");
        ScheduleElection(_electionReason, now, actions);
    }

    private void Reject(int sender, BoothMessage m, BoothResult code, long now, List<TicketAction> actions) =>
        Send(actions, sender, Make(BoothCommand.Rejected, now, m.Command, result: code));

    /// <summary>booth's process_REJECTED.</summary>
    private void OnRejected(BoothMessage m, long now, List<TicketAction> actions)
    {
        Log(actions, $"{_ctx.Name(m.From)} rejected {FourCc.Text((uint)m.Request)}: {FourCc.Text((uint)m.Result)}");
        switch (m.Result)
        {
            case BoothResult.TermStillValid when Role == TicketRole.Candidate && m.Leader != NoOne && m.Leader != LocalId && m.TermValidFor > 0:
                FailPendingClient(BoothResult.Overgrant, now, actions);
                Follow(m.Leader, Math.Max(Term, m.Term), _ctx.FromWire(m.TermValidFor), now);
                break;
            case BoothResult.TermOutdated when Role == TicketRole.Candidate && m.Term == Term:
                // this term already had a holder elsewhere: abandon the round, the next one takes a newer term
                LastValidTerm = Term;
                ClearElection();
                ScheduleElection(_electionReason, now, actions);
                break;
            case BoothResult.TermOutdated when m.Term > Term && Role is TicketRole.Candidate or TicketRole.Leader:
                FailPendingClient(BoothResult.SyncFail, now, actions);
                if (m.Leader != NoOne && m.Leader != LocalId && m.TermValidFor > 0)
                {
                    Follow(m.Leader, m.Term, _ctx.FromWire(m.TermValidFor), now);
                }
                else
                {
                    Reset(revoked: false);
                    Term = m.Term;
                }

                WriteCib(actions, false, Leader == NoOne ? CibWriteAction.OwnerLost : Leader, now);
                break;
            case BoothResult.YouOutdated when Role == TicketRole.Candidate:
                FailPendingClient(BoothResult.SyncFail, now, actions);
                Reset(revoked: true);
                break;
        }
    }
}
