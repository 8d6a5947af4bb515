using SplitGuard.Core.Links;

namespace SplitGuard.Testing;

/// <summary>One simulated node: an engine, its next deadline, and every event it reported.</summary>
public sealed class SimNode(string name, HeartbeatEngine engine)
{
    public string Name { get; } = name;

    public HeartbeatEngine Engine { get; } = engine;

    public TimeSpan NextTick { get; set; }

    /// <summary>While true the node is frozen (SIGSTOP): it neither ticks nor reads; datagrams queue up.</summary>
    public bool Paused { get; set; }

    public List<LinkEvent> Events { get; } = [];

    public List<(Transport Transport, System.Net.IPAddress Source, byte[] Data)> Backlog { get; } = [];

    /// <summary>Called every simulation step after the engine (while not paused): ownership logic, resources.</summary>
    public Action<TimeSpan>? Step { get; set; }

    public LinkMonitor Link(ushort id) => Engine.Links.Single(l => l.Id == id);
}
