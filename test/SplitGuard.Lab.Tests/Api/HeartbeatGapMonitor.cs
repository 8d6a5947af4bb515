using System.Diagnostics;
using System.Text.Json.Nodes;
using SplitGuard.Daemon.Api;
using SplitGuard.Lab.Tests.Infrastructure;

namespace SplitGuard.Lab.Tests.Api;

/// <summary>One status sample of one link: how long ago (ms) the node last received a frame on it.</summary>
public sealed record GapSample(DateTimeOffset At, string Node, int Link, double? LastReceivedMs, string State);

/// <summary>
/// Polls nodes' status through their control sockets every 20 ms on a thread of its own and records each link's
/// <c>last_received_ms</c>: the largest value seen bounds the gap between two heartbeats from below (to within the
/// polling period).
/// </summary>
public sealed class HeartbeatGapMonitor : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(20);
    private readonly LabCluster _cluster;
    private readonly IReadOnlyList<string> _nodes;
    private readonly Thread _thread;
    private readonly object _gate = new();
    private readonly List<GapSample> _samples = [];
    private readonly List<string> _errors = [];
    private readonly List<double> _queryMs = [];
    private volatile bool _stop;

    private HeartbeatGapMonitor(LabCluster cluster, IReadOnlyList<string> nodes)
    {
        _cluster = cluster;
        _nodes = nodes;
        _thread = new Thread(Run) { IsBackground = true, Name = "heartbeat gap monitor" };
    }

    /// <summary>Every sample so far.</summary>
    public IReadOnlyList<GapSample> Samples
    {
        get
        {
            lock (_gate)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>Failed status queries.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Round-trip times of the status queries, ms.</summary>
    public IReadOnlyList<double> QueryMs
    {
        get
        {
            lock (_gate)
            {
                return [.. _queryMs];
            }
        }
    }

    /// <summary>Starts polling <paramref name="nodes"/>.</summary>
    public static HeartbeatGapMonitor Start(LabCluster cluster, params string[] nodes)
    {
        var monitor = new HeartbeatGapMonitor(cluster, nodes);
        monitor._thread.Start();
        return monitor;
    }

    /// <summary>The largest <c>last_received_ms</c> of <paramref name="link"/> on <paramref name="node"/> among samples in the windows, and how many samples there were.</summary>
    public (double Max, int Count) MaxGap(string node, int link, params (DateTimeOffset From, DateTimeOffset To)[] windows)
    {
        var values = Samples
            .Where(s => s.Node == node && s.Link == link && s.LastReceivedMs is not null && windows.Any(w => s.At >= w.From && s.At <= w.To))
            .Select(s => s.LastReceivedMs!.Value)
            .ToList();
        return (values.Count == 0 ? double.NaN : values.Max(), values.Count);
    }

    private void Run()
    {
        var watch = Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        while (!_stop)
        {
            foreach (var node in _nodes)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var answer = ControlClient.Send(_cluster.ControlSocket(node), new JsonObject { ["command"] = "status" }, TimeSpan.FromSeconds(2));
                    var took = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    var at = DateTimeOffset.Now;
                    var links = answer["clusters"]![0]!["peers"]![0]!["links"]!.AsArray();
                    lock (_gate)
                    {
                        _queryMs.Add(took);
                        foreach (var l in links)
                        {
                            _samples.Add(new GapSample(
                                at,
                                node,
                                l!["id"]!.GetValue<int>(),
                                l["last_received_ms"]?.GetValue<double>(),
                                l["state"]!.GetValue<string>()));
                        }
                    }
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or NullReferenceException or System.Text.Json.JsonException or System.Net.Sockets.SocketException)
                {
                    lock (_gate)
                    {
                        _errors.Add($"{DateTimeOffset.Now:HH:mm:ss.fff} {node}: {e.Message}");
                    }
                }
            }

            next += Period;
            var wait = next - watch.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }
            else
            {
                next = watch.Elapsed;
            }
        }
    }

    /// <summary>Stops polling and waits for the thread.</summary>
    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(5));
    }
}
