using System.Numerics;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Tickets;

internal sealed partial class Ticket
{
    private BoothCommand _lastRequest;
    private bool _acksExpected;
    private ulong _acked;
    private ulong _ackedThisTerm;
    private long _reqSentAt;
    private int _retry;
    private long _lastRenewal;
    private ulong _sitesAcked;

    private ulong AllMask => _ctx.MemberCount >= 64 ? ulong.MaxValue : (1UL << _ctx.MemberCount) - 1;

    private ulong LocalBit => 1UL << _ctx.Local.Index;

    private ulong SitesMask => _ctx.Config.Members.Where(x => x.IsSite).Aggregate(0UL, (mask, x) => mask | (1UL << x.Index));

    /// <summary>Won the election: lease from now, heartbeat to all, wait for a majority of acks.</summary>
    private void BecomeLeader(long now, List<TicketAction> actions)
    {
        Role = TicketRole.Leader;
        Leader = LocalId;
        VotedFor = LocalId;
        Revoked = false;
        TermExpires = now + Config.ExpireMs;
        LastValidTerm = Term;
        _sitesAcked = 0;
        Log(actions, $"won the election: leader for term {Term}");
        SendHeartbeat(now, actions);
    }

    private void SendHeartbeat(long now, List<TicketAction> actions)
    {
        _lastRenewal = now;
        Broadcast(BoothCommand.Heartbeat, now, actions);
    }

    private void Broadcast(BoothCommand cmd, long now, List<TicketAction> actions, BoothReason reason = BoothReason.JustSo)
    {
        _lastRequest = cmd;
        _acksExpected = true;
        _acked = LocalBit;
        _ackedThisTerm = LocalBit;
        _reqSentAt = now;
        _retry = 0;
        Send(actions, null, Make(cmd, now, reason: reason));
        if (_ctx.MemberCount == 1)
        {
            OnAllAcked(now, actions);
        }
    }

    private void ClearAcks()
    {
        _acksExpected = false;
        _acked = 0;
        _ackedThisTerm = 0;
    }

    /// <summary>booth's process_ACK: counts only an ack echoing the last request; for the majority, only one that
    /// names this leader and this term.</summary>
    private void OnAck(int sender, BoothMessage m, long now, List<TicketAction> actions)
    {
        if (!_acksExpected || m.Request != _lastRequest)
        {
            return;
        }

        _acked |= 1UL << sender;
        if (m.Term == Term && m.Leader == LocalId)
        {
            _ackedThisTerm |= 1UL << sender;
            _sitesAcked |= 1UL << sender;
        }

        // booth: "reset delay commit as all sites replied", whenever the last site's ack arrives
        if (DelayCommitUntil is not null && IsLeaderHere && ((_sitesAcked | LocalBit) & SitesMask) == SitesMask)
        {
            DelayCommitUntil = null;
            if (_lastRequest != BoothCommand.Heartbeat)
            {
                WriteCib(actions, true, LocalId, now); // LeaderUpdate has already run for this round
            }
        }

        if (_lastRequest == BoothCommand.Heartbeat && IsLeaderHere
            && _ctx.IsMajority(BitOperations.PopCount(_ackedThisTerm)))
        {
            LeaderUpdate(now, actions);
            return;
        }

        if ((_acked & AllMask) == AllMask)
        {
            OnAllAcked(now, actions);
        }
    }

    /// <summary>A majority acked the heartbeat: extend the lease, tell everyone (UpdE), commit to the CIB, answer the
    /// client that asked for the grant.</summary>
    private void LeaderUpdate(long now, List<TicketAction> actions)
    {
        var allSites = (_acked & SitesMask) == SitesMask;
        TermExpires = now + Config.ExpireMs;
        LastValidTerm = Term;
        if (DelayCommitUntil is not null && allSites)
        {
            DelayCommitUntil = null;
        }

        Broadcast(BoothCommand.Update, now, actions);
        if (DelayCommitUntil is null || DelayCommitUntil <= now)
        {
            DelayCommitUntil = null;
            WriteCib(actions, true, LocalId, now);
        }

        if (_pendingClient is { } id)
        {
            _pendingClient = null;
            actions.Add(new ClientReplyAction(id, Make(BoothCommand.ClientResult, now, _pendingClientCommand), true));
        }
    }

    private void OnAllAcked(long now, List<TicketAction> actions)
    {
        if (_lastRequest == BoothCommand.Heartbeat && IsLeaderHere)
        {
            LeaderUpdate(now, actions);
            return;
        }

        _acksExpected = false;
    }

    /// <summary>Leader timers: lease end without renewal, resends to members that did not ack, renewals.</summary>
    private void LeaderTick(long now, List<TicketAction> actions)
    {
        if (!Config.IsManual && TermExpires <= now)
        {
            Log(actions, "lease ended without a majority renewing it: revoking here");
            Reset(revoked: false);
            WriteCib(actions, false, CibWriteAction.OwnerLost, now);
            FailPendingClient(BoothResult.SyncFail, now, actions);
            ScheduleElection(BoothReason.Reacquire, now, actions);
            return;
        }

        if (DelayCommitUntil is { } delayed && now >= delayed)
        {
            DelayCommitUntil = null;
            WriteCib(actions, true, LocalId, now); // the safety delay of an admin grant has passed
        }

        if (_acksExpected && now - _reqSentAt >= Config.TimeoutMs)
        {
            if (_retry >= Config.Retries)
            {
                Log(actions, $"giving up on sending retries of {FourCc.Text((uint)_lastRequest)}");
                _acksExpected = false;
            }
            else
            {
                _retry++;
                _reqSentAt = now;
                foreach (var member in _ctx.Config.Members)
                {
                    if ((_acked & (1UL << member.Index)) == 0)
                    {
                        actions.Add(new SendAction(member.Index, Make(_lastRequest, now)) { Resend = true });
                    }
                }
            }
        }

        // booth renews when no more than expire - renewal-freq is left (so a 30 s lease renewed every 10 s carries 19)
        if (!Config.IsManual && TermExpires - now <= Config.ExpireMs - Config.RenewalFreqMs && now - _lastRenewal >= Config.TimeoutMs
            && _handlerRunning is null
            && !(_acksExpected && _lastRequest == BoothCommand.Heartbeat))
        {
            if (Config.BeforeAcquireHandler is { } handler)
            {
                _lastRenewal = now;
                _handlerRunning = HandlerPurpose.Renew;
                actions.Add(new RunHandlerAction(Name, handler, HandlerPurpose.Renew, Remaining(now)));
            }
            else
            {
                SendHeartbeat(now, actions);
            }
        }
    }

    /// <summary>The before-acquire-handler failed at renewal: give the ticket up (VtFr NO_ONE, reason LocF).</summary>
    private void StepDown(long now, List<TicketAction> actions)
    {
        Log(actions, "before-acquire-handler failed: giving the ticket up");
        var message = Make(BoothCommand.VoteFor, now, reason: BoothReason.LocalFail) with { Leader = NoOne };
        Reset(revoked: false);
        WriteCib(actions, false, CibWriteAction.OwnerLost, now);
        Send(actions, null, message);
    }

    /// <summary>Admin revoke at the leader: reset, commit, broadcast Revk (Admn) and expect acks.</summary>
    private void RevokeHere(long now, List<TicketAction> actions)
    {
        Log(actions, "revoked by the administrator");
        Reset(revoked: true);
        WriteCib(actions, false, CibWriteAction.OwnerRevoked, now);
        Broadcast(BoothCommand.Revoke, now, actions, BoothReason.Admin);
    }

    private void FailPendingClient(BoothResult result, long now, List<TicketAction> actions)
    {
        if (_pendingClient is { } id)
        {
            _pendingClient = null;
            actions.Add(new ClientReplyAction(id, Make(BoothCommand.ClientResult, now, _pendingClientCommand, result: result), true));
        }
    }
}
