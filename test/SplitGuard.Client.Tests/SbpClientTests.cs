using System.Runtime.InteropServices;
using SplitGuard.Client.Tests.Support;
using SplitGuard.Core.Config;
using SplitGuard.Daemon.Api;
using SplitGuard.Protocol.Sbp;
using Xunit;

namespace SplitGuard.Client.Tests;

/// <summary>The .NET client: against the real server, and against a scripted daemon for partial reads and reconnects.</summary>
public sealed class SbpClientTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly SbpClientOptions Fast = new() { InitialReconnectDelay = TimeSpan.FromMilliseconds(10), MaxReconnectDelay = TimeSpan.FromMilliseconds(50) };
    private readonly TempSockets _dir = new();
    private readonly FakeAlarmSource _source = new(1000);
    private readonly ListLogger _log = new();

    private static SbpEvent Udp(ushort state, ushort node, ushort link) => new(SbpMessageType.UdpLink, state, 1000, node, SbpLinkType.Udp, link);

    private static SbpEvent UdpPath(ushort state, ushort node) => new(SbpMessageType.UdpPath, state, 1000, node, SbpLinkType.Udp, null);

    private static byte[] Bytes(params SbpMessage[] messages)
    {
        var bytes = new byte[messages.Length * 16];
        int at = 0;
        foreach (var m in messages)
        {
            at += m.Format(bytes.AsSpan(at));
        }

        return bytes[..at];
    }

    private static byte[] Legacy(params ushort[] words) => MemoryMarshal.AsBytes(words.AsSpan()).ToArray();

    [Fact]
    public async Task Receives_the_replay_then_live_events_from_the_real_server_and_tracks_the_alarms()
    {
        _source.Emit(FakeAlarmSource.Link(1000, 2, 7, false));
        _source.Emit(FakeAlarmSource.Path(1000, 2, false));
        using var server = new SbpApiServer(_dir.Path("sbp.sock"), null, _source, _log);
        server.Start();
        var client = new SbpClient(1000, socketPath: server.SocketPath, options: Fast);
        using var cts = new CancellationTokenSource(Timeout);
        var received = new List<SbpEvent>();
        await foreach (var e in client.ReadEventsAsync(cts.Token))
        {
            received.Add(e);
            if (received.Count == 2)
            {
                Assert.True(client.IsConnected);
                Assert.Equal([UdpPath(0, 2), Udp(0, 2, 7)], client.ActiveAlarms);
                _source.Emit(FakeAlarmSource.Link(1000, 2, 7, true));
                _source.Emit(FakeAlarmSource.Link(1000, 3, 1, false, LinkType.Icmp));
            }

            if (received.Count == 4)
            {
                break;
            }
        }

        Assert.Equal(
            [Udp(0, 2, 7), UdpPath(0, 2), Udp(1, 2, 7), new SbpEvent(SbpMessageType.IcmpLink, 0, 1000, 3, SbpLinkType.Icmp, 1)],
            received);
        Assert.Equal([UdpPath(0, 2), new SbpEvent(SbpMessageType.IcmpLink, 0, 1000, 3, SbpLinkType.Icmp, 1)], client.ActiveAlarms);
    }

    [Fact]
    public async Task Partial_reads_and_several_messages_per_read_are_decoded()
    {
        using var daemon = new FakeSbpDaemon(_dir.Path("fake.sock"));
        var client = new SbpClient(1000, socketPath: daemon.Path, options: Fast);
        using var cts = new CancellationTokenSource(Timeout);
        var reading = client.ReadEventsAsync(cts.Token).Take(5).ToListAsync(cts.Token);
        var (socket, cluster) = await daemon.AcceptAsync(Timeout);
        using (socket)
        {
            Assert.Equal((ushort)1000, cluster);

            // Three messages in one write, then one byte at a time, then one split across two writes.
            socket.Send(Bytes(new(SbpMessageType.UdpLink, 0, 1000, 2, 7), new(SbpMessageType.UdpPath, 0, 1000, 2, 0), new(SbpMessageType.IcmpHopLink, 0, 1000, 2, 9)));
            foreach (byte b in Bytes(new SbpMessage(SbpMessageType.UdpOneWay, 0, 1000, 2, 7)))
            {
                socket.Send([b]);
                await Task.Delay(5);
            }

            var last = Bytes(new SbpMessage(SbpMessageType.IcmpPath, 0, 1000, 4, 0));
            socket.Send(last[..3]);
            await Task.Delay(20);
            socket.Send(last[3..]);
            var events = await reading;
            Assert.Equal(
                [
                    Udp(0, 2, 7), UdpPath(0, 2), new SbpEvent(SbpMessageType.IcmpHopLink, 0, 1000, 2, SbpLinkType.IcmpHop, 9),
                    new SbpEvent(SbpMessageType.UdpOneWay, 0, 1000, 2, SbpLinkType.Udp, 7),
                    new SbpEvent(SbpMessageType.IcmpPath, 0, 1000, 4, SbpLinkType.Icmp, null),
                ],
                events);
        }
    }

    [Fact]
    public async Task Sbpd_layout_with_linktype_on_the_wire_is_decoded_too()
    {
        using var daemon = new FakeSbpDaemon(_dir.Path("fake.sock"));
        var client = new SbpClient(1000, socketPath: daemon.Path, options: Fast);
        using var cts = new CancellationTokenSource(Timeout);
        var reading = client.ReadEventsAsync(cts.Token).Take(2).ToListAsync(cts.Token);
        var (socket, _) = await daemon.AcceptAsync(Timeout);
        using (socket)
        {
            socket.Send([.. Legacy(14, 302, 0, 1000, 2, 1, 7), .. Legacy(12, 202, 0, 1000, 2, 1)]);
            Assert.Equal([Udp(0, 2, 7), UdpPath(0, 2)], await reading);
        }
    }

    [Fact]
    public async Task Reconnects_with_backoff_and_rebuilds_the_alarms_from_the_new_replay()
    {
        using var daemon = new FakeSbpDaemon(_dir.Path("fake.sock"));
        var client = new SbpClient(1000, socketPath: daemon.Path, options: Fast);
        int connected = 0;
        var disconnected = 0;
        client.Connected += (_, _) => Interlocked.Increment(ref connected);
        client.Disconnected += (_, _) => Interlocked.Increment(ref disconnected);
        using var cts = new CancellationTokenSource(Timeout);
        var reading = client.ReadEventsAsync(cts.Token).Take(3).ToListAsync(cts.Token);

        var (first, _) = await daemon.AcceptAsync(Timeout);
        first.Send(Bytes(new(SbpMessageType.UdpLink, 0, 1000, 2, 7), new(SbpMessageType.UdpPath, 0, 1000, 2, 0)));
        Assert.True(await Wait.UntilAsync(() => client.ActiveAlarms.Count == 2, Timeout));
        first.Dispose(); // the daemon restarts; meanwhile link 7 came back, link 8 went down

        var (second, cluster) = await daemon.AcceptAsync(Timeout);
        using (second)
        {
            Assert.Equal((ushort)1000, cluster);
            second.Send(Bytes(new SbpMessage(SbpMessageType.UdpLink, 0, 1000, 2, 8)));
            var events = await reading;
            Assert.Equal(Udp(0, 2, 8), events[2]);
            Assert.Equal([Udp(0, 2, 8)], client.ActiveAlarms);
            Assert.Equal(2, connected);
            Assert.Equal(1, disconnected);
        }
    }

    [Fact]
    public async Task Waits_for_a_daemon_that_is_not_there_yet()
    {
        string path = _dir.Path("later.sock");
        var client = new SbpClient(1000, socketPath: path, options: Fast);
        using var cts = new CancellationTokenSource(Timeout);
        var reading = client.ReadEventsAsync(cts.Token).Take(1).ToListAsync(cts.Token);
        await Task.Delay(200);
        Assert.False(reading.IsCompleted);
        using var daemon = new FakeSbpDaemon(path);
        var (socket, _) = await daemon.AcceptAsync(Timeout);
        using (socket)
        {
            socket.Send(Bytes(new SbpMessage(SbpMessageType.IcmpPath, 0, 1000, 2, 0)));
            Assert.Single(await reading);
        }
    }

    [Fact]
    public async Task Without_reconnect_the_stream_ends_with_the_connection()
    {
        using var daemon = new FakeSbpDaemon(_dir.Path("fake.sock"));
        var client = new SbpClient(1000, socketPath: daemon.Path, options: new SbpClientOptions { Reconnect = false });
        using var cts = new CancellationTokenSource(Timeout);
        var reading = client.ReadEventsAsync(cts.Token).ToListAsync(cts.Token);
        var (socket, _) = await daemon.AcceptAsync(Timeout);
        socket.Send(Bytes(new SbpMessage(SbpMessageType.UdpPath, 0, 1000, 2, 0)));
        socket.Dispose();
        Assert.Equal([UdpPath(0, 2)], await reading);
    }

    [Fact]
    public async Task Start_and_Stop_run_the_callback_on_its_own_thread()
    {
        _source.Emit(FakeAlarmSource.Path(1000, 2, false));
        using var server = new SbpApiServer(_dir.Path("sbp.sock"), null, _source, _log);
        server.Start();
        var received = new List<SbpEvent>();
        var threads = new HashSet<int>();
        using var client = new SbpClient(1000, e =>
        {
            lock (received)
            {
                received.Add(e);
                threads.Add(Environment.CurrentManagedThreadId);
            }
        }, server.SocketPath, Fast);
        client.Start();
        Assert.True(await Wait.UntilAsync(() => server.RegisteredCount == 1, Timeout));
        _source.Emit(FakeAlarmSource.Path(1000, 2, true));
        Assert.True(await Wait.UntilAsync(() => { lock (received) { return received.Count == 2; } }, Timeout));
        client.Stop();
        Assert.Equal([UdpPath(0, 2), UdpPath(1, 2)], received);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, threads);
        Assert.Empty(client.ActiveAlarms);
        Assert.True(await Wait.UntilAsync(() => server.RegisteredCount == 0, Timeout));
    }

    [Fact]
    public async Task Run_blocks_until_the_callback_calls_Stop_and_a_callback_fault_reaches_Stop()
    {
        _source.Emit(FakeAlarmSource.Path(1000, 2, false));
        _source.Emit(FakeAlarmSource.Path(1000, 3, false));
        using var server = new SbpApiServer(_dir.Path("sbp.sock"), null, _source, _log);
        server.Start();

        SbpClient? blocking = null;
        var seen = new List<SbpEvent>();
        blocking = new SbpClient(1000, e =>
        {
            seen.Add(e);
            blocking!.Stop();
        }, server.SocketPath, Fast);
        await Task.Run(() => blocking.Run()).WaitAsync(Timeout);
        Assert.Single(seen);

        using var faulty = new SbpClient(1000, _ => throw new InvalidOperationException("boom"), server.SocketPath, Fast);
        faulty.Start();
        Assert.True(await Wait.UntilAsync(() => faulty.Fault is not null, Timeout));
        Assert.Equal("boom", Assert.Throws<InvalidOperationException>(faulty.Stop).Message);
    }

    [Fact]
    public async Task One_instance_reads_one_stream_at_a_time()
    {
        using var daemon = new FakeSbpDaemon(_dir.Path("fake.sock"));
        var client = new SbpClient(1000, socketPath: daemon.Path, options: Fast);
        using var cts = new CancellationTokenSource(Timeout);
        await using var first = client.ReadEventsAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var moving = first.MoveNextAsync();
        var (socket, _) = await daemon.AcceptAsync(Timeout);
        using (socket)
        {
            await using var second = client.ReadEventsAsync(cts.Token).GetAsyncEnumerator(cts.Token);
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await second.MoveNextAsync());
            socket.Send(Bytes(new SbpMessage(SbpMessageType.UdpPath, 0, 1000, 2, 0)));
            Assert.True(await moving);
        }
    }

    public void Dispose() => _dir.Dispose();
}
