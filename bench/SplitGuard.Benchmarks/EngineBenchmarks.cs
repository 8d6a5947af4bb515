using System.Net;
using BenchmarkDotNet.Attributes;
using SplitGuard.Core.Links;
using SplitGuard.Testing;

namespace SplitGuard.Benchmarks;

/// <summary>Core work per heartbeat: one frame received through the engine and one tick that sends.</summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private readonly List<OutgoingFrame> _sends = [];
    private readonly List<LinkEvent> _events = [];
    private HeartbeatEngine _receiver = null!;
    private HeartbeatEngine _sender = null!;
    private TimeSpan _now;
    private IPAddress _peer = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cluster = TestClusters.TwoNodes(icmp: false);
        _now = TimeSpan.FromSeconds(1000);
        _sender = new HeartbeatEngine([new ClusterMembership(cluster, 2)], TestClusters.Key, 1, _now);
        _receiver = new HeartbeatEngine([new ClusterMembership(cluster, 1)], TestClusters.Key, 2, _now);
        _peer = IPAddress.Parse("10.0.0.2");
    }

    /// <summary>The sender ticks (builds and MACs a frame), the receiver takes it and ticks.</summary>
    [Benchmark]
    public int OneHeartbeat()
    {
        _now += TimeSpan.FromMilliseconds(50);
        _sends.Clear();
        _events.Clear();
        _sender.Tick(_now, _sends, _events);
        foreach (var frame in _sends)
        {
            _receiver.OnDatagram(Transport.Udp, _peer, frame.Bytes, _now, _events);
        }

        _receiver.Tick(_now, _sends, _events);
        return _sends.Count;
    }
}
