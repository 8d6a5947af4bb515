using SplitGuard.Core.Config;
using SplitGuard.Core.Tickets;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Tests.Tickets;

/// <summary>
/// Booth members (the pure <see cref="TicketEngine"/>) over a fake network and a fake clock: 1 ms steps, 1 ms
/// latency, seeded loss, partitions, crashes and restarts, and handler results. Messages really go through the codec
/// with a key, so what the engines exchange is what the wire would carry. After every step it checks S2: at most one
/// member leads with a valid lease, and at most one leader per term.
/// </summary>
internal sealed class BoothSim
{
    private static readonly byte[] Key = "sim-booth-key-0123"u8.ToArray();

    private readonly List<(long At, int From, int To, byte[] Bytes)> _inFlight = [];
    private readonly Random _random;
    private readonly TicketEngine?[] _engines;
    private readonly Dictionary<uint, HashSet<uint>> _leadersByTerm = [];
    private long _nextRequest = 1;

    public BoothSim(string config, int seed = 1, long startMs = 1_000_000)
    {
        Config = BoothConfigParser.Parse(config).Config ?? throw new ArgumentException("bad config");
        _random = new Random(seed);
        Now = startMs + seed;
        _engines = new TicketEngine?[Config.Members.Count];
        for (var i = 0; i < _engines.Length; i++)
        {
            Restart(i);
        }
    }

    public BoothConfig Config { get; }

    public long Now { get; private set; }

    public string TicketName => Config.Tickets[0].Name;

    /// <summary>Percentage of datagrams dropped.</summary>
    public int LossPercent { get; set; }

    /// <summary>Directed cuts: (from, to) pairs that drop everything.</summary>
    public HashSet<(int From, int To)> Cuts { get; } = [];

    /// <summary>Per member: the before-acquire-handler's result.</summary>
    public Dictionary<int, bool> HandlerResults { get; } = [];

    /// <summary>Everything sent, as (time, from, to, message).</summary>
    public List<(long At, int From, int To, BoothMessage Message)> Sent { get; } = [];

    /// <summary>Client replies by request id.</summary>
    public Dictionary<long, List<BoothMessage>> Replies { get; } = [];

    public List<string> Log { get; } = [];

    public List<string> Violations { get; } = [];

    /// <summary>(member, granted, owner, term) of every CIB write.</summary>
    public List<(int Member, bool Granted, long Owner, uint Term)> CibWrites { get; } = [];

    public TicketEngine? Engine(int member) => _engines[member];

    public TicketView View(int member) => _engines[member]!.View(TicketName, Now);

    public uint Id(int member) => Config.Members[member].Id;

    public void Crash(int member) => _engines[member] = null;

    /// <summary>Restarts a member; a site first loads its last CIB write, as booth and splitguard do with crm_ticket.</summary>
    public void Restart(int member)
    {
        var engine = new TicketEngine(Config, Config.Members[member], seed: _random.Next());
        _engines[member] = engine;
        if (_cib.TryGetValue(member, out var cib))
        {
            Apply(member, engine.Load(TicketName, cib.State with { RemainingMs = Math.Max(0, cib.ExpiresAt - Now) }, Now));
        }

        Apply(member, engine.Start(Now));
    }

    private readonly Dictionary<int, (CibTicketState State, long ExpiresAt)> _cib = [];

    public void Partition(int member)
    {
        for (var i = 0; i < _engines.Length; i++)
        {
            if (i != member)
            {
                Cuts.Add((member, i));
                Cuts.Add((i, member));
            }
        }
    }

    public void Heal() => Cuts.Clear();

    public long Grant(int member, BoothClientOptions options = BoothClientOptions.None)
    {
        var id = _nextRequest++;
        Replies[id] = [];
        Apply(member, _engines[member]!.Grant(id, TicketName, options, Now));
        return id;
    }

    public long Revoke(int member)
    {
        var id = _nextRequest++;
        Replies[id] = [];
        Apply(member, _engines[member]!.Revoke(id, TicketName, Now));
        return id;
    }

    /// <summary>Runs for <paramref name="ms"/> milliseconds in 1 ms steps.</summary>
    public void Run(long ms)
    {
        var end = Now + ms;
        while (Now < end)
        {
            Now++;
            Deliver();
            for (var i = 0; i < _engines.Length; i++)
            {
                if (_engines[i] is { } e)
                {
                    Apply(i, e.Tick(Now));
                }
            }

            Check();
        }
    }

    /// <summary>Runs until <paramref name="condition"/> holds, at most <paramref name="maxMs"/>; returns the time taken or -1.</summary>
    public long RunUntil(Func<bool> condition, long maxMs)
    {
        var start = Now;
        while (Now - start < maxMs)
        {
            if (condition())
            {
                return Now - start;
            }

            Run(1);
        }

        return condition() ? Now - start : -1;
    }

    /// <summary>Members that think they lead with time left.</summary>
    public List<int> ValidLeaders() =>
        Enumerable.Range(0, _engines.Length)
            .Where(i => _engines[i] is { } e && e.View(TicketName, Now) is { Role: TicketRole.Leader } v
                && v.Leader == Id(i) && (v.ExpiresAtMs is null || v.ExpiresAtMs > Now))
            .ToList();

    /// <summary>The holder every live member agrees on, or null if they disagree.</summary>
    public uint? AgreedLeader()
    {
        var leaders = Enumerable.Range(0, _engines.Length).Where(i => _engines[i] is not null).Select(i => View(i).Leader).Distinct().ToList();
        return leaders.Count == 1 ? leaders[0] : null;
    }

    public int CountSent(BoothCommand command, int? from = null) => Sent.Count(s => s.Message.Command == command && (from is null || s.From == from));

    private void Check()
    {
        var leaders = ValidLeaders();
        if (leaders.Count > 1)
        {
            Violations.Add($"{Now}: {leaders.Count} valid leaders: {string.Join(',', leaders)}");
        }

        foreach (var i in leaders)
        {
            var v = View(i);
            if (!_leadersByTerm.TryGetValue(v.Term, out var set))
            {
                _leadersByTerm[v.Term] = set = [];
            }

            set.Add(v.Leader);
            if (set.Count > 1)
            {
                Violations.Add($"{Now}: term {v.Term} had leaders {string.Join(',', set.Select(x => x.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)))}");
            }
        }
    }

    private void Deliver()
    {
        var due = _inFlight.Where(p => p.At <= Now).ToList();
        _inFlight.RemoveAll(p => p.At <= Now);
        foreach (var (_, from, to, bytes) in due)
        {
            if (_engines[to] is not { } engine)
            {
                continue;
            }

            if (BoothMessage.TryParse(bytes, Key, out var m) != BoothPacketError.None)
            {
                Violations.Add($"{Now}: a sent message did not parse");
                continue;
            }

            Apply(to, engine.Receive(m, Now));
        }
    }

    private void Apply(int member, IReadOnlyList<TicketAction> actions)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case SendAction s:
                    for (var to = 0; to < _engines.Length; to++)
                    {
                        if (to == member || (s.To is { } only && only != to))
                        {
                            continue;
                        }

                        Sent.Add((Now, member, to, s.Message));
                        if (Cuts.Contains((member, to)) || _random.Next(100) < LossPercent)
                        {
                            continue;
                        }

                        _inFlight.Add((Now + 1, member, to, (s.Message with { Secs = 1, Usecs = 2 }).ToBytes(Key)));
                    }

                    break;
                case ClientReplyAction r:
                    Replies[r.RequestId].Add(r.Message);
                    break;
                case RunHandlerAction h:
                    var ok = HandlerResults.GetValueOrDefault(member, true);
                    var engine = _engines[member]!;
                    Apply(member, engine.HandlerDone(h.Ticket, ok, Now));
                    break;
                case CibWriteAction c:
                    CibWrites.Add((member, c.Granted, c.Owner, c.Term));
                    _cib[member] = (new CibTicketState(c.Granted, c.Owner, c.Term, 0), Now + c.ExpiresInMs);
                    break;
                case TicketLogAction l:
                    Log.Add($"{Now} m{member}: {l.Text}");
                    break;
            }
        }
    }
}
