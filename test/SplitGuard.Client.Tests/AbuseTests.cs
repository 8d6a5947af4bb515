using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SplitGuard.Client.Tests.Support;
using SplitGuard.Daemon.Api;
using SplitGuard.Protocol.Sbp;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Client.Tests;

/// <summary>
/// FAULTS.md F22 at the API level: a thousand misbehaving connections while the event loop publishes at 20/s. Publishing
/// must stay short (it only copies bytes), well-behaved clients must get every event, the server must stay up.
/// </summary>
[Collection(AbuseCollection.Name)]
public sealed class AbuseTests(ITestOutputHelper output) : IDisposable
{
    private const int Events = 60;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempSockets _dir = new();
    private readonly FakeAlarmSource _source = new(1000);
    private readonly ListLogger _log = new();
    private readonly List<Socket> _sockets = [];

    [Fact]
    public async Task A_thousand_misbehaving_connections_neither_slow_publishing_nor_starve_good_clients()
    {
        _source.Emit(FakeAlarmSource.Link(1000, 2, 5, false));
        using var server = new SbpApiServer(_dir.Path("sbp.sock"), null, _source, _log) { RegistrationTimeout = TimeSpan.FromSeconds(2) };
        server.Start();
        using var events = new EventStreamServer(_dir.Path("events.sock"), null, _source, _log);
        events.Start();

        // Well-behaved: 50 plain readers, 150 half-closed readers, one SbpClient.
        var good = new List<RawSbpClient>();
        for (int i = 0; i < 200; i++)
        {
            var c = new RawSbpClient(server.SocketPath, 1000);
            if (i >= 50)
            {
                c.Socket.Shutdown(SocketShutdown.Send);
            }

            good.Add(c);
        }

        var dotnet = new SbpClient(1000, socketPath: server.SocketPath);
        using var stop = new CancellationTokenSource(Timeout);
        var dotnetEvents = dotnet.ReadEventsAsync(stop.Token).Take(1 + Events).ToListAsync(stop.Token);
        Assert.True(await Wait.UntilAsync(() => server.RegisteredCount == 201, Timeout));
        var goodReads = good.Select(c => c.ReadAsync(1 + Events, Timeout)).ToList();

        // The event loop: 20 events/s on its own thread, measuring the gap between its ticks. Like the daemon's, it runs
        // under SCHED_RR where allowed (root): what is claimed is that the abuse does not delay the daemon's loop, which
        // is real-time there; at normal priority, CFS once let the 800 connections' setup delay it 460 ms in CI.
        double maxGapMs = 0;
        string? realtime = "not tried";
        var gcPauseBefore = GC.GetTotalPauseDuration();
        var loop = new Thread(() =>
        {
            SplitGuard.Daemon.Hosting.Realtime.Configure(50, TimeSpan.Zero);
            realtime = SplitGuard.Daemon.Hosting.Realtime.EnterCurrentThread() ?? "SCHED_RR 50";
            var clock = Stopwatch.StartNew();
            var last = TimeSpan.Zero;
            for (int i = 0; i < Events; i++)
            {
                var due = Interval * (i + 1);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    Thread.Sleep(wait);
                }

                var now = clock.Elapsed;
                maxGapMs = Math.Max(maxGapMs, (now - last).TotalMilliseconds);
                last = now;
                _source.Emit(FakeAlarmSource.Link(1000, 2, 7, inService: i % 2 == 1));
            }
        })
        { Name = "fake event loop", IsBackground = true };
        loop.Start();

        // Meanwhile, 800 misbehaving connections.
        var abuse = new List<Task>();
        for (int i = 0; i < 800; i++)
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _sockets.Add(s);
            switch (i % 5)
            {
                case 0:
                    // Never registers.
                    s.Connect(new UnixDomainSocketEndPoint(server.SocketPath));
                    break;
                case 1:
                    // Registers, then writes garbage as fast as it can.
                    s.Connect(new UnixDomainSocketEndPoint(server.SocketPath));
                    abuse.Add(Flood(s, register: true));
                    break;
                case 2:
                    // Garbage instead of a registration.
                    s.Connect(new UnixDomainSocketEndPoint(server.SocketPath));
                    abuse.Add(Flood(s, register: false));
                    break;
                case 3:
                    // Registers and never reads.
                    s.ReceiveBufferSize = 1024;
                    s.Connect(new UnixDomainSocketEndPoint(server.SocketPath));
                    Register(s);
                    break;
                default:
                    // Registers, half-closes, then disconnects mid-stream, or sends half an id and leaves; and event
                    // stream clients that never read.
                    if (i % 2 == 0)
                    {
                        s.Connect(new UnixDomainSocketEndPoint(server.SocketPath));
                        Register(s);
                        s.Shutdown(SocketShutdown.Send);
                        abuse.Add(Task.Delay(Random.Shared.Next(100, 2000)).ContinueWith(_ => s.Dispose(), TaskScheduler.Default));
                    }
                    else if (i % 3 == 0)
                    {
                        s.Connect(new UnixDomainSocketEndPoint(server.SocketPath));
                        s.Send([0xe8]);
                        s.Dispose();
                    }
                    else
                    {
                        s.ReceiveBufferSize = 1024;
                        s.Connect(new UnixDomainSocketEndPoint(events.SocketPath));
                    }

                    break;
            }
        }

        loop.Join(Timeout);
        Assert.False(loop.IsAlive);
        var goodDone = await Task.WhenAll(goodReads);
        var fromDotnet = await dotnetEvents;
        await Task.WhenAll(abuse).WaitAsync(Timeout);

        var durations = _source.PublishDurations.Select(d => d.TotalMilliseconds).Order().ToList();
        output.WriteLine($"publish p50 {durations[durations.Count / 2]:F3} ms, gc pauses during publishing {_source.GcPauses.Sum(p => p.TotalMilliseconds):F3} ms");
        output.WriteLine($"max publish {_source.MaxPublish.TotalMilliseconds:F3} ms, max publish incl. lock {_source.MaxLocked.TotalMilliseconds:F3} ms, " +
            $"max gap between ticks {maxGapMs:F1} ms ({realtime}, GC pauses meanwhile {(GC.GetTotalPauseDuration() - gcPauseBefore).TotalMilliseconds:F1} ms); " +
            $"connections {server.ConnectionCount}, registered {server.RegisteredCount}");

        // Publishing only copies bytes: a few ms at most even with 1000 connections.
        Assert.True(_source.MaxPublish < TimeSpan.FromMilliseconds(5), $"publish took {_source.MaxPublish.TotalMilliseconds} ms");
        Assert.True(maxGapMs < 2 * Interval.TotalMilliseconds, $"the event loop ({realtime}) stalled {maxGapMs} ms; GC pauses during the test {(GC.GetTotalPauseDuration() - gcPauseBefore).TotalMilliseconds:F1} ms");

        // Every well-behaved client got the replay and every event, in order.
        var expected = new List<SbpMessage> { new(SbpMessageType.UdpLink, 0, 1000, 2, 5) };
        expected.AddRange(Enumerable.Range(0, Events).Select(i => new SbpMessage(SbpMessageType.UdpLink, (ushort)(i % 2), 1000, 2, 7)));
        Assert.All(goodDone, Assert.True);
        Assert.All(good, c => Assert.Equal(expected, c.Received));
        Assert.Equal(expected.Select(SbpEvent.From), fromDotnet);

        // The server is still up and serving; the abusers were dropped and named.
        using var late = new RawSbpClient(server.SocketPath, 1000);
        Assert.True(await late.ReadAsync(1, Timeout));
        Assert.Equal(new SbpMessage(SbpMessageType.UdpLink, 0, 1000, 2, 5), late.Received[0]);
        Assert.True(await Wait.UntilAsync(() => _log.Has(1313), Timeout));
        Assert.True(_log.Has(1316));
        Assert.True(_log.Has(1312));
        Assert.True(await Wait.UntilAsync(() => server.ConnectionCount <= 201 + 160 + 1 + 1, Timeout), $"{server.ConnectionCount} connections left");
        good.ForEach(c => c.Dispose());
    }

    private static void Register(Socket s)
    {
        var id = new byte[2];
        MemoryMarshal.Write(id, (ushort)1000);
        s.Send(id);
    }

    private static async Task Flood(Socket s, bool register)
    {
        var garbage = new byte[1024];
        Random.Shared.NextBytes(garbage);
        if (register)
        {
            Register(s);
        }
        else
        {
            garbage[0] = 0xef;
            garbage[1] = 0xbe;
        }

        try
        {
            while (true)
            {
                await s.SendAsync(garbage, SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Dropped by the server, as it should be.
        }
    }

    public void Dispose()
    {
        _sockets.ForEach(s => s.Dispose());
        _dir.Dispose();
    }
}
