using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Tickets;

internal sealed partial class Ticket
{
    private long _startupUntil;
    private bool _reacquireAtStart;

    /// <summary>Start-up: Init, then ask every member for its copy (Stat) and wait up to <c>timeout</c> for MIdx
    /// before acting on the ticket.</summary>
    public void Start(long now, List<TicketAction> actions)
    {
        _startupUntil = now + Config.TimeoutMs;
        Send(actions, null, Make(BoothCommand.Status, now));
    }

    /// <summary>A site's copy from the CIB, before <see cref="Start"/>: granted here means "reacquire", another owner
    /// means "follow it" for the rest of its validity.</summary>
    public void Load(CibTicketState state, long now, List<TicketAction> actions)
    {
        // Any CIB record means the ticket was used in that term: the next election must take a newer one.
        Term = state.Term;
        LastValidTerm = state.Term;
        if (state.Granted || state.Owner == LocalId)
        {
            _reacquireAtStart = IsSite && state.RemainingMs > 0;
            Log(actions, $"CIB says granted here (term {Term}): will reacquire");
            return;
        }

        if (state.Owner > 0 && state.Owner != NoOne && _ctx.IndexOf((uint)state.Owner) is not null && state.RemainingMs > 0)
        {
            Follow((uint)state.Owner, state.Term, state.RemainingMs, now);
            Log(actions, $"CIB says {_ctx.Name(Leader)} holds it (term {Term})");
        }
    }

    public void Tick(long now, List<TicketAction> actions)
    {
        if (now < _startupUntil)
        {
            return;
        }

        if (_reacquireAtStart)
        {
            _reacquireAtStart = false;
            if (Leader == NoOne || Leader == LocalId || !IsValid(now))
            {
                Acquire(BoothReason.Reacquire, now, actions);
                return;
            }
        }

        if (_nextElectionAt is { } at && now >= at)
        {
            if (IsValid(now) && Leader != LocalId)
            {
                _nextElectionAt = null; // someone took it meanwhile
            }
            else
            {
                Acquire(_scheduledReason, now, actions);
                return;
            }
        }

        switch (Role)
        {
            case TicketRole.Candidate when now >= _electionEnd:
                FinishElection(now, actions);
                break;
            case TicketRole.Leader when Leader == LocalId:
                LeaderTick(now, actions);
                break;
            case TicketRole.Follower or TicketRole.Init when Leader != NoOne && !Config.IsManual
                && now >= TermExpires + Config.AcquireAfterMs:
                Log(actions, $"lost at {_ctx.Name(Leader)}");
                Reset(revoked: false);
                WriteCib(actions, false, CibWriteAction.OwnerLost, now);
                ScheduleElection(BoothReason.TicketLost, now, actions);
                break;
            default:
                if (_acksExpected && _lastRequest == BoothCommand.Revoke)
                {
                    ResendRevoke(now, actions);
                }

                break;
        }
    }

    private void ResendRevoke(long now, List<TicketAction> actions)
    {
        if (now - _reqSentAt < Config.TimeoutMs)
        {
            return;
        }

        if (_retry >= Config.Retries)
        {
            _acksExpected = false;
            return;
        }

        _retry++;
        _reqSentAt = now;
        foreach (var member in _ctx.Config.Members)
        {
            if ((_acked & (1UL << member.Index)) == 0)
            {
                actions.Add(new SendAction(member.Index, Make(BoothCommand.Revoke, now)) { Resend = true });
            }
        }
    }

    /// <summary>The before-acquire-handler finished.</summary>
    public void HandlerDone(bool succeeded, long now, List<TicketAction> actions)
    {
        var purpose = _handlerRunning;
        _handlerRunning = null;
        switch (purpose)
        {
            case HandlerPurpose.Acquire when succeeded:
                if (IsValid(now) && Leader != LocalId)
                {
                    FailPendingClient(BoothResult.Overgrant, now, actions);
                    return;
                }

                StartElection(_handlerReason, now, actions);
                break;
            case HandlerPurpose.Acquire:
                Log(actions, "cannot acquire ticket, before-acquire-handler failed");
                FailPendingClient(BoothResult.ExternalFailed, now, actions);
                break;
            case HandlerPurpose.Renew when IsLeaderHere:
                if (succeeded)
                {
                    SendHeartbeat(now, actions);
                }
                else
                {
                    StepDown(now, actions);
                }

                break;
        }
    }
}
