using SplitGuard.Core.Links;

namespace SplitGuard.Testing;

/// <summary>One simulated node: an engine, its next deadline, and every event it reported.</summary>
public sealed class SimNode(string name, HeartbeatEngine engine)
{
    public string Name { get; } = name;

    /// <summary>The node's engine; replaced when its daemon restarts (a new incarnation).</summary>
    public HeartbeatEngine Engine { get; set; } = engine;

    /// <summary>
    /// This node's monotonic clock minus the network's: grows when the node's clock jumps forward (a suspended VM
    /// resumed). The node's engine and owner see the network time plus this.
    /// </summary>
    public TimeSpan ClockOffset { get; set; }

    public TimeSpan NextTick { get; set; }

    /// <summary>While true the node is frozen (SIGSTOP): it neither ticks nor reads; datagrams queue up.</summary>
    public bool Paused { get; set; }

    public List<LinkEvent> Events { get; } = [];

    public List<(Transport Transport, System.Net.IPAddress Source, byte[] Data)> Backlog { get; } = [];

    /// <summary>Datagrams on their way to this node, with the network time at which they arrive.</summary>
    public List<(TimeSpan Due, Transport Transport, System.Net.IPAddress Source, byte[] Data)> InFlight { get; } = [];

    /// <summary>Called every simulation step after the engine (while not paused): ownership logic, resources.</summary>
    public Action<TimeSpan>? Step { get; set; }

    public LinkMonitor Link(ushort id) => Engine.Links.Single(l => l.Id == id);
}
