using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Tickets;

internal sealed partial class Ticket
{
    /// <summary>A client's grant (booth's ticket_answer_grant / do_grant_ticket).</summary>
    public void Grant(long requestId, BoothClientOptions options, long now, List<TicketAction> actions)
    {
        void Reply(BoothResult result, bool final) =>
            actions.Add(new ClientReplyAction(requestId, Make(BoothCommand.ClientResult, now, BoothCommand.ClientGrant, result: result), final));

        if (!IsSite)
        {
            Reply(BoothResult.InvalidArgument, true);
            return;
        }

        if (Config.IsManual)
        {
            if (IsLeaderHere || (IsValid(now) && (options & BoothClientOptions.Immediate) == 0))
            {
                Reply(BoothResult.Overgrant, true);
                return;
            }

            Log(actions, "manual ticket granted here");
            ClearElection();
            Role = TicketRole.Leader;
            Leader = LocalId;
            Revoked = false;
            TermExpires = long.MaxValue;
            WriteCib(actions, true, LocalId, now);
            SendHeartbeat(now, actions);
            Reply(BoothResult.Success, true);
            return;
        }

        if (IsValid(now))
        {
            Reply(BoothResult.Overgrant, true);
            return;
        }

        if (_pendingClient is not null || Role == TicketRole.Candidate || _handlerRunning is not null)
        {
            Reply(BoothResult.More, false);
            Reply(BoothResult.SyncFail, true);
            return;
        }

        if ((options & BoothClientOptions.Immediate) != 0)
        {
            Log(actions, "granting ticket immediately (-F): unreachable sites are assumed not to hold it");
            DelayCommitUntil = null;
        }
        else
        {
            DelayCommitUntil = now + Config.ExpireMs + Config.AcquireAfterMs;
        }

        _pendingClient = requestId;
        _pendingClientCommand = BoothCommand.ClientGrant;
        Reply(BoothResult.More, false);
        Acquire(BoothReason.Admin, now, actions);
    }

    /// <summary>A client's revoke: only the holder revokes; others redirect to it, or say the ticket is idle.</summary>
    public void Revoke(long requestId, long now, List<TicketAction> actions)
    {
        BoothResult result;
        if (IsLeaderHere)
        {
            RevokeHere(now, actions);
            result = BoothResult.Success;
        }
        else if (Leader != NoOne && Leader != LocalId)
        {
            result = BoothResult.Redirect;
        }
        else
        {
            result = BoothResult.TicketIdle;
        }

        actions.Add(new ClientReplyAction(requestId, Make(BoothCommand.ClientResult, now, BoothCommand.ClientRevoke, result: result), true));
    }
}
