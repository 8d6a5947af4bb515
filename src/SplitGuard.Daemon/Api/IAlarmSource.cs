using SplitGuard.Core.Links;
using SplitGuard.Protocol.Sbp;

namespace SplitGuard.Daemon.Api;

/// <summary>What the API servers need from the daemon: the clusters, and the active alarms taken atomically with live events.</summary>
public interface IAlarmSource
{
    /// <summary>True when this node is a member of <paramref name="cluster"/>.</summary>
    bool HasCluster(ushort cluster);

    /// <summary>
    /// Runs <paramref name="underLock"/> with the active alarms of <paramref name="cluster"/> while holding the daemon's
    /// engine lock. Live events are published under the same lock, so a client added to the live list inside
    /// <paramref name="underLock"/> neither misses nor duplicates an event between its replay and the live stream.
    /// </summary>
    void WithActiveAlarms(ushort cluster, Action<IReadOnlyList<SbpMessage>> underLock);

    /// <summary>Adds a listener called (under the engine lock, on the event-loop thread) for every link event. It must never block.</summary>
    void Subscribe(Action<LinkEvent> listener);
}
