using System.Net;
using SplitGuard.Core.Links;

namespace SplitGuard.Testing;

/// <summary>
/// A fake network for engines: UDP between link addresses, and a witness that answers ICMP echo requests to
/// their source address (as a kernel does). Faults are predicates that drop a datagram, random loss, random delay
/// (which reorders) and duplication; without delay, delivery is immediate. Seeded: the same seed gives the same run.
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

    /// <summary>Each delivered datagram is delayed by a uniform random time up to this (zero: none); later ones may overtake it.</summary>
    public TimeSpan MaxDelay { get; set; }

    /// <summary>Probability in [0, 1) that a delivered datagram arrives twice (the copy with its own delay).</summary>
    public double Duplication { get; set; }

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
                Arrive(node);
                if (!node.Paused)
                {
                    var local = Clock.Now + node.ClockOffset;
                    Drain(node, local);
                    if (local >= node.NextTick)
                    {
                        var sends = new List<OutgoingFrame>();
                        node.NextTick = node.Engine.Tick(local, sends, node.Events);
                        foreach (var frame in sends)
                        {
                            Route(node, frame);
                        }
                    }

                    node.Step?.Invoke(local);
                }
            }

            Clock.Advance(dt);
        }
    }

    private void Drain(SimNode node, TimeSpan local)
    {
        foreach (var (transport, source, data) in node.Backlog)
        {
            node.Engine.OnDatagram(transport, source, data, local, node.Events);
        }

        node.Backlog.Clear();
    }

    /// <summary>Moves delayed datagrams that are due into the node's receive queue, earliest first.</summary>
    private void Arrive(SimNode node)
    {
        if (node.InFlight.Count == 0)
        {
            return;
        }

        node.InFlight.Sort((a, b) => a.Due.CompareTo(b.Due));
        int due = 0;
        while (due < node.InFlight.Count && node.InFlight[due].Due <= Clock.Now)
        {
            var (_, transport, source, data) = node.InFlight[due];
            node.Backlog.Add((transport, source, data));
            due++;
        }

        node.InFlight.RemoveRange(0, due);
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
        Enqueue(to, transport, source, bytes);
        if (Duplication > 0 && _random.NextDouble() < Duplication)
        {
            Enqueue(to, transport, source, bytes);
        }
    }

    private void Enqueue(SimNode to, Transport transport, IPAddress source, byte[] bytes)
    {
        if (MaxDelay <= TimeSpan.Zero)
        {
            to.Backlog.Add((transport, source, bytes));
            return;
        }

        var delay = TimeSpan.FromTicks((long)(_random.NextDouble() * MaxDelay.Ticks));
        to.InFlight.Add((Clock.Now + delay, transport, source, bytes));
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
