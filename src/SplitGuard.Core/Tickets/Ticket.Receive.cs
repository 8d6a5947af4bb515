using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Tickets;

internal sealed partial class Ticket
{
    /// <summary>One peer message about this ticket, from the member with index <paramref name="sender"/> (already
    /// authenticated and checked by the shell and the engine).</summary>
    public void Receive(int sender, BoothMessage m, long now, List<TicketAction> actions)
    {
        switch (m.Command)
        {
            case BoothCommand.Status:
                Send(actions, sender, Make(BoothCommand.MyIndex, now, BoothCommand.Status));
                break;
            case BoothCommand.MyIndex:
                OnMyIndex(sender, m, now, actions);
                break;
            case BoothCommand.RequestVote:
                OnRequestVote(sender, m, now, actions);
                break;
            case BoothCommand.VoteFor:
                OnVoteFor(sender, m, now, actions);
                break;
            case BoothCommand.Heartbeat:
                OnHeartbeat(sender, m, now, actions);
                break;
            case BoothCommand.Update:
                OnUpdate(sender, m, now, actions);
                break;
            case BoothCommand.Ack:
                OnAck(sender, m, now, actions);
                break;
            case BoothCommand.Revoke:
                OnRevoke(sender, m, now, actions);
                break;
            case BoothCommand.Rejected:
                OnRejected(m, now, actions);
                break;
        }
    }

    /// <summary>booth's process_MY_INDEX: adopt a newer or equal valid copy, answer an older one.</summary>
    private void OnMyIndex(int sender, BoothMessage m, long now, List<TicketAction> actions)
    {
        var theirValid = m.Leader != NoOne && m.TermValidFor > 0;
        var mine = IsValid(now) ? Term : LastValidTerm ?? Term;
        if (IsValid(now) && mine > m.Term)
        {
            Send(actions, sender, Make(BoothCommand.MyIndex, now));
            if (IsLeaderHere)
            {
                Send(actions, sender, Make(BoothCommand.Update, now));
            }

            return;
        }

        if (!theirValid)
        {
            return;
        }

        if (IsLeaderHere && m.Leader == LocalId)
        {
            return; // they follow us
        }

        if (IsValid(now) && m.Term == Term && m.Leader == Leader)
        {
            return; // same view
        }

        if (IsLeaderHere && m.Term <= Term)
        {
            return;
        }

        if (m.Leader == LocalId && !IsSite)
        {
            return;
        }

        var wasGrantedHere = _reacquireAtStart;
        Follow(m.Leader, m.Term, _ctx.FromWire(m.TermValidFor), now);
        _reacquireAtStart = false;
        if (Role == TicketRole.Leader)
        {
            Log(actions, $"{_ctx.Name(m.From)} says the ticket is ours (term {Term}): leading again");
            SendHeartbeat(now, actions);
            return;
        }

        Log(actions, wasGrantedHere
            ? $"ticket was granted here, but it's live at {_ctx.Name(Leader)} (revoking here)"
            : $"adopted {_ctx.Name(Leader)} as leader (term {Term}) from {_ctx.Name(m.From)}");
        WriteCib(actions, false, Leader, now);
    }

    /// <summary>booth's answer_HEARTBEAT.</summary>
    private void OnHeartbeat(int sender, BoothMessage m, long now, List<TicketAction> actions)
    {
        if (IsLeaderHere && TermExpires > now && m.From != LocalId && m.Term <= Term)
        {
            Log(actions, $"unexpected HrtB from {_ctx.Name(m.From)} while leading");
            Reject(sender, m, BoothResult.TermStillValid, now, actions);
            return;
        }

        if (m.Term < Term && m.From != Leader && Leader != NoOne && IsValid(now))
        {
            Reject(sender, m, BoothResult.TermOutdated, now, actions);
            return;
        }

        if (IsLeaderHere || Role == TicketRole.Candidate)
        {
            FailPendingClient(BoothResult.SyncFail, now, actions);
        }

        var adopted = Leader != m.From || Term != m.Term;
        ClearAcks();
        Follow(m.From, m.Term, _ctx.FromWire(m.TermValidFor), now);
        VotedFor = m.From;
        if (adopted)
        {
            Log(actions, $"following {_ctx.Name(m.From)} (term {Term})");
        }

        Send(actions, sender, Make(BoothCommand.Ack, now, BoothCommand.Heartbeat));
    }

    /// <summary>booth's process_UPDATE: a new expiry from the leader; sites record it as "revoked, owner = leader".</summary>
    private void OnUpdate(int sender, BoothMessage m, long now, List<TicketAction> actions)
    {
        if (IsLeaderHere && TermExpires > now && m.Term <= Term)
        {
            Log(actions, $"unexpected UpdE from {_ctx.Name(m.From)} while leading");
            Reject(sender, m, BoothResult.TermStillValid, now, actions);
            return;
        }

        if (Leader != NoOne && Leader != m.From && IsValid(now) && m.Term <= Term)
        {
            Reject(sender, m, BoothResult.TermOutdated, now, actions);
            return;
        }

        var adopted = Leader != m.From || Term != m.Term;
        ClearAcks();
        Follow(m.From, m.Term, _ctx.FromWire(m.TermValidFor), now);
        VotedFor = m.From;
        if (adopted)
        {
            Log(actions, $"following {_ctx.Name(m.From)} (term {Term})");
        }

        WriteCib(actions, false, Leader, now);
        Send(actions, sender, Make(BoothCommand.Ack, now, BoothCommand.Update));
    }

    /// <summary>booth's process_REVOKE: only the holder can revoke; a lost ack is answered again.</summary>
    private void OnRevoke(int sender, BoothMessage m, long now, List<TicketAction> actions)
    {
        if (Role == TicketRole.Init && Leader == NoOne)
        {
            Send(actions, sender, Make(BoothCommand.Ack, now, BoothCommand.Revoke));
            return;
        }

        if (m.From != Leader)
        {
            Log(actions, $"ignoring Revk from {_ctx.Name(m.From)}: the holder is {_ctx.Name(Leader)}");
            return;
        }

        Log(actions, $"revoked by {_ctx.Name(m.From)}");
        Reset(revoked: true);
        WriteCib(actions, false, CibWriteAction.OwnerRevoked, now);
        Send(actions, sender, Make(BoothCommand.Ack, now, BoothCommand.Revoke));
    }
}
