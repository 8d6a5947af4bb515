using System.Diagnostics;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;
using SplitGuard.Daemon.Api;
using SplitGuard.Protocol.Sbp;

namespace SplitGuard.Client.Tests.Support;

/// <summary>
/// Stands in for the daemon: one gate plays the engine lock; <see cref="Emit"/> is the event loop publishing a link
/// event to every subscriber under it, and measures how long the subscribers took.
/// </summary>
public sealed class FakeAlarmSource : IAlarmSource
{
    private readonly object _gate = new();
    private readonly HashSet<ushort> _clusters;
    private readonly Dictionary<ushort, List<SbpMessage>> _alarms = [];
    private readonly List<Action<LinkEvent>> _listeners = [];
    private long _maxPublishTicks;
    private long _maxLockedTicks;

    public FakeAlarmSource(params ushort[] clusters)
    {
        _clusters = [.. clusters];
    }

    /// <summary>Longest time the subscribers took for one event.</summary>
    public TimeSpan MaxPublish => TimeSpan.FromTicks((long)(Interlocked.Read(ref _maxPublishTicks) * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency)));

    /// <summary>Longest time one <see cref="Emit"/> took including waiting for the gate (registrations take it too).</summary>
    public TimeSpan MaxLocked => TimeSpan.FromTicks((long)(Interlocked.Read(ref _maxLockedTicks) * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency)));

    public int Published { get; private set; }

    /// <summary>How long the subscribers took for each event, in order.</summary>
    public List<TimeSpan> PublishDurations { get; } = [];

    /// <summary>Garbage-collection pause time (all threads suspended) during each event's publishing.</summary>
    public List<TimeSpan> GcPauses { get; } = [];

    public bool HasCluster(ushort cluster) => _clusters.Contains(cluster);

    public void WithActiveAlarms(ushort cluster, Action<IReadOnlyList<SbpMessage>> underLock)
    {
        lock (_gate)
        {
            underLock(_alarms.TryGetValue(cluster, out var list) ? [.. list] : []);
        }
    }

    public void Subscribe(Action<LinkEvent> listener)
    {
        lock (_gate)
        {
            _listeners.Add(listener);
        }
    }

    /// <summary>Changes the alarm set as the engine would and publishes <paramref name="e"/> under the gate.</summary>
    public void Emit(LinkEvent e)
    {
        long entered = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (e.ToSbp() is { } m)
            {
                var key = m with { State = 0 };
                if (!_alarms.TryGetValue(e.Cluster, out var list))
                {
                    _alarms[e.Cluster] = list = [];
                }

                list.Remove(key);
                if (!e.InService)
                {
                    list.Add(key);
                }
            }

            var gcBefore = GC.GetTotalPauseDuration();
            long start = Stopwatch.GetTimestamp();
            foreach (var listener in _listeners)
            {
                listener(e);
            }

            long end = Stopwatch.GetTimestamp();
            Published++;
            PublishDurations.Add(Stopwatch.GetElapsedTime(start, end));
            GcPauses.Add(GC.GetTotalPauseDuration() - gcBefore);
            Max(ref _maxPublishTicks, end - start);
            Max(ref _maxLockedTicks, end - entered);
        }
    }

    public static LinkEvent Link(ushort cluster, ushort node, ushort link, bool inService, LinkType type = LinkType.Udp) =>
        new(LinkEventKind.Link, cluster, node, link, type, inService, TimeSpan.Zero, inService ? "heartbeats again" : "no heartbeat");

    public static LinkEvent Path(ushort cluster, ushort node, bool inService, LinkType type = LinkType.Udp) =>
        new(LinkEventKind.Path, cluster, node, 0, type, inService, TimeSpan.Zero, inService ? "a link is back" : "every link is down");

    private static void Max(ref long target, long value)
    {
        long seen = Interlocked.Read(ref target);
        while (value > seen)
        {
            long was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }
}
