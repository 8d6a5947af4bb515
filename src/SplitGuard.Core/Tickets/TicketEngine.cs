using SplitGuard.Core.Config;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Tickets;

/// <summary>
/// Every booth ticket of one member (site or arbitrator): the pure core of SplitGuard's booth compatibility. Inputs
/// are peer messages (after the shell checked codec, MAC and replay window), client requests, handler results and
/// ticks, each with <c>now</c> in monotonic milliseconds; outputs are <see cref="TicketAction"/>s. No clock, socket,
/// process or file is touched here. Not thread-safe: the shell calls it from one loop.
/// </summary>
public sealed class TicketEngine
{
    private readonly TicketContext _ctx;
    private readonly Dictionary<string, Ticket> _tickets;

    public TicketEngine(BoothConfig config, BoothMember local, int seed = 0)
    {
        _ctx = new TicketContext(config, local, seed);
        _tickets = config.Tickets.ToDictionary(t => t.Name, t => new Ticket(_ctx, t), StringComparer.Ordinal);
    }

    public BoothConfig Config => _ctx.Config;

    public BoothMember Local => _ctx.Local;

    /// <summary>The ticket names, in config order.</summary>
    public IEnumerable<string> TicketNames => _ctx.Config.Tickets.Select(t => t.Name);

    /// <summary>Broadcasts Stat for every ticket and starts the start-up wait.</summary>
    public IReadOnlyList<TicketAction> Start(long now)
    {
        var actions = new List<TicketAction>();
        foreach (var t in _tickets.Values)
        {
            t.Start(now, actions);
        }

        return actions;
    }

    /// <summary>A site's CIB copy of <paramref name="ticket"/>, before <see cref="Start"/>.</summary>
    public IReadOnlyList<TicketAction> Load(string ticket, CibTicketState state, long now)
    {
        var actions = new List<TicketAction>();
        if (_tickets.TryGetValue(ticket, out var t))
        {
            t.Load(state, now, actions);
        }

        return actions;
    }

    /// <summary>
    /// booth's "invalid" check after authentication: the ticket is configured and the leader field is NO_ONE or a
    /// member. False means: drop and count as invalid.
    /// </summary>
    public bool IsValidMessage(BoothMessage message) =>
        _tickets.ContainsKey(message.Ticket)
        && (message.Leader == BoothMessage.NoOne || _ctx.IndexOf(message.Leader) is not null);

    /// <summary>A peer message. Messages from non-members, about unknown tickets or naming an unknown leader change
    /// nothing (the shell counts them).</summary>
    public IReadOnlyList<TicketAction> Receive(BoothMessage message, long now)
    {
        var actions = new List<TicketAction>();
        if (_ctx.IndexOf(message.From) is not { } sender || sender == _ctx.Local.Index || !IsValidMessage(message))
        {
            return actions;
        }

        _tickets[message.Ticket].Receive(sender, message, now, actions);
        return actions;
    }

    /// <summary>Timers of every ticket: call at least every <see cref="PollIntervalMs"/>.</summary>
    public IReadOnlyList<TicketAction> Tick(long now)
    {
        var actions = new List<TicketAction>();
        foreach (var t in _tickets.Values)
        {
            t.Tick(now, actions);
        }

        return actions;
    }

    /// <summary>booth's poll interval: min(100 ms, min(timeout)/10).</summary>
    public long PollIntervalMs =>
        Math.Max(1, Math.Min(100, _ctx.Config.Tickets.Count == 0 ? 100 : _ctx.Config.Tickets.Min(t => t.TimeoutMs) / 10));

    /// <summary>A client grant; unknown tickets get IArg.</summary>
    public IReadOnlyList<TicketAction> Grant(long requestId, string ticket, BoothClientOptions options, long now)
    {
        var actions = new List<TicketAction>();
        if (!_tickets.TryGetValue(ticket, out var t))
        {
            actions.Add(UnknownTicket(requestId, ticket, BoothCommand.ClientGrant));
            return actions;
        }

        t.Grant(requestId, options, now, actions);
        return actions;
    }

    /// <summary>A client revoke; unknown tickets get IArg.</summary>
    public IReadOnlyList<TicketAction> Revoke(long requestId, string ticket, long now)
    {
        var actions = new List<TicketAction>();
        if (!_tickets.TryGetValue(ticket, out var t))
        {
            actions.Add(UnknownTicket(requestId, ticket, BoothCommand.ClientRevoke));
            return actions;
        }

        t.Revoke(requestId, now, actions);
        return actions;
    }

    /// <summary>The before-acquire-handler of <paramref name="ticket"/> finished.</summary>
    public IReadOnlyList<TicketAction> HandlerDone(string ticket, bool succeeded, long now)
    {
        var actions = new List<TicketAction>();
        if (_tickets.TryGetValue(ticket, out var t))
        {
            t.HandlerDone(succeeded, now, actions);
        }

        return actions;
    }

    /// <summary>Every ticket as seen here.</summary>
    public IReadOnlyList<TicketView> Views(long now) => _ctx.Config.Tickets.Select(c => _tickets[c.Name].View(now)).ToList();

    /// <summary>One ticket as seen here.</summary>
    public TicketView View(string ticket, long now) => _tickets[ticket].View(now);

    private ClientReplyAction UnknownTicket(long requestId, string ticket, BoothCommand request) =>
        new(requestId, new BoothMessage(_ctx.Local.Id, BoothCommand.ClientResult, request, BoothClientOptions.None,
            BoothReason.JustSo, BoothResult.InvalidArgument, ticket.Length < BoothMessage.TicketNameSize ? ticket : string.Empty,
            BoothMessage.NoOne, 0, 0), true);
}
