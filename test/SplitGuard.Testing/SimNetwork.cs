using System.Net;
using SplitGuard.Core.Links;

namespace SplitGuard.Testing;

/// <summary>
/// A fake network for engines: UDP between link addresses, and a witness that answers ICMP echo requests to
/// their source address (as a kernel does). Faults are predicates that drop a datagram; delivery is immediate.
/// Seeded: the same seed gives the same run.
/// </summary>
public sealed class SimNetwork
{
    private readonly List<SimNode> _nodes = [];
    private readonly Random _random;

    public SimNetwork(FakeClock clock, int seed = 1)
    {
        Clock = clock;
        _random = new Random(seed);
    }

    public FakeClock Clock { get; }

    /// <summary>Witness addresses that answer echo requests.</summary>
    public HashSet<IPAddress> Witnesses { get; } = [];

    /// <summary>Drop rules: (from node, datagram, hop description) -> true to drop.</summary>
    public List<Func<Hop, bool>> Drops { get; } = [];

    /// <summary>Random loss in [0, 1) applied to every datagram at its final delivery.</summary>
    public double Loss { get; set; }

    public long Delivered { get; private set; }

    public long Dropped { get; private set; }

    /// <summary>One hop of a datagram: from node to node (or witness), with the transport and addresses.</summary>
    public readonly record struct Hop(string From, string To, Transport Transport, IPAddress Source, IPAddress Destination);

    public SimNode Add(string name, HeartbeatEngine engine)
    {
        var node = new SimNode(name, engine) { NextTick = Clock.Now };
        _nodes.Add(node);
        return node;
    }

    /// <summary>Runs the network for <paramref name="duration"/> in steps of <paramref name="step"/> (default 1 ms).</summary>
    public void Run(TimeSpan duration, TimeSpan? step = null)
    {
        var until = Clock.Now + duration;
        var dt = step ?? TimeSpan.FromMilliseconds(1);
        while (Clock.Now < until)
        {
            foreach (var node in _nodes)
            {
                if (!node.Paused)
                {
                    Drain(node);
                    if (Clock.Now >= node.NextTick)
                    {
                        var sends = new List<OutgoingFrame>();
                        node.NextTick = node.Engine.Tick(Clock.Now, sends, node.Events);
                        foreach (var frame in sends)
                        {
                            Route(node, frame);
                        }
                    }

                    node.Step?.Invoke(Clock.Now);
                }
            }

            Clock.Advance(dt);
        }
    }

    private void Drain(SimNode node)
    {
        foreach (var (transport, source, data) in node.Backlog)
        {
            node.Engine.OnDatagram(transport, source, data, Clock.Now, node.Events);
        }

        node.Backlog.Clear();
    }

    private void Route(SimNode from, OutgoingFrame frame)
    {
        if (frame.Transport == Transport.Udp)
        {
            var to = Owner(frame.Destination);
            Deliver(new Hop(from.Name, to?.Name ?? "?", Transport.Udp, frame.Source, frame.Destination), to, Transport.Udp, frame.Source, frame.Bytes);
            return;
        }

        // An echo request to the witness; the witness answers to the request's source address.
        if (!Witnesses.Contains(frame.Destination))
        {
            return;
        }

        if (Lost(new Hop(from.Name, "witness", frame.Transport, frame.Source, frame.Destination), randomLoss: false))
        {
            return;
        }

        var target = Owner(frame.Source);
        Deliver(new Hop("witness", target?.Name ?? "?", frame.Transport, frame.Destination, frame.Source), target, Transport.IcmpRelay, frame.Destination, frame.Bytes);
    }

    private void Deliver(Hop hop, SimNode? to, Transport transport, IPAddress source, byte[] bytes)
    {
        if (to is null || Lost(hop))
        {
            return;
        }

        Delivered++;
        to.Backlog.Add((transport, source, bytes));
    }

    /// <summary>Drop rules apply to every hop; random loss only to the final delivery (as an input rule on the receiver would).</summary>
    private bool Lost(Hop hop, bool randomLoss = true)
    {
        if (Drops.Any(rule => rule(hop)) || (randomLoss && Loss > 0 && _random.NextDouble() < Loss))
        {
            Dropped++;
            return true;
        }

        return false;
    }

    private SimNode? Owner(IPAddress address) =>
        _nodes.FirstOrDefault(n => n.Engine.Links.Any(l => l.LocalIp.Equals(address)));
}
