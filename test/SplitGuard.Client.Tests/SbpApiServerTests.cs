using System.Net.Sockets;
using SplitGuard.Client.Tests.Support;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;
using SplitGuard.Daemon.Api;
using SplitGuard.Protocol.Sbp;
using Xunit;

namespace SplitGuard.Client.Tests;

/// <summary>The sbp API server on real unix sockets: registration, replay, live events, and misbehaving clients.</summary>
public sealed class SbpApiServerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TempSockets _dir = new();
    private readonly FakeAlarmSource _source = new(1000, 2000);
    private readonly ListLogger _log = new();

    private SbpApiServer Server(int maxClients = SbpApiServer.DefaultMaxClients, int queueLimit = SbpApiServer.DefaultQueueLimit,
        int garbageLimit = SbpApiServer.DefaultGarbageLimit, TimeSpan? registration = null, int pendingLimit = SbpApiServer.DefaultPendingLimit)
    {
        var server = new SbpApiServer(_dir.Path("sbp.sock"), null, _source, _log)
        {
            PendingLimit = pendingLimit,
            MaxClients = maxClients,
            QueueLimit = queueLimit,
            GarbageLimit = garbageLimit,
            RegistrationTimeout = registration ?? TimeSpan.FromSeconds(5),
        };
        server.Start();
        return server;
    }

    [Fact]
    public void Socket_file_has_mode_0660()
    {
        using var server = Server();
        var mode = File.GetUnixFileMode(server.SocketPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
        Assert.True(_log.Has(1310, server.SocketPath));
    }

    [Fact]
    public async Task Registering_replays_every_active_alarm_of_the_cluster_at_once()
    {
        _source.Emit(FakeAlarmSource.Link(1000, 2, 7, false));
        _source.Emit(FakeAlarmSource.Path(1000, 2, false));
        _source.Emit(FakeAlarmSource.Link(1000, 3, 9, false, LinkType.Icmp));
        _source.Emit(FakeAlarmSource.Link(2000, 2, 1, false));
        using var server = Server();

        using var client = new RawSbpClient(server.SocketPath, 1000);
        Assert.True(await client.ReadAsync(3, Timeout));
        Assert.Equal(
            [
                new SbpMessage(SbpMessageType.UdpLink, 0, 1000, 2, 7),
                new SbpMessage(SbpMessageType.UdpPath, 0, 1000, 2, 0),
                new SbpMessage(SbpMessageType.IcmpLink, 0, 1000, 3, 9),
            ],
            client.Received);
        Assert.True(await Wait.UntilAsync(() => _log.Has(1311, "3 active alarm(s)"), Timeout));
    }

    [Fact]
    public async Task In_service_messages_only_go_out_live_and_only_to_the_cluster_they_belong_to()
    {
        using var server = Server();
        using var early = new RawSbpClient(server.SocketPath, 1000);
        using var other = new RawSbpClient(server.SocketPath, 2000);
        Assert.True(await Wait.UntilAsync(() => server.RegisteredCount == 2, Timeout));

        _source.Emit(FakeAlarmSource.Link(1000, 2, 7, false));
        _source.Emit(FakeAlarmSource.Link(1000, 2, 8, false));
        _source.Emit(FakeAlarmSource.Link(1000, 2, 7, true));
        _source.Emit(new LinkEvent(LinkEventKind.SlowTick, 0, 0, 0, LinkType.Udp, false, TimeSpan.Zero, "stall"));
        _source.Emit(FakeAlarmSource.Path(2000, 5, false));

        Assert.True(await early.ReadAsync(3, Timeout));
        Assert.Equal(
            [
                new SbpMessage(SbpMessageType.UdpLink, 0, 1000, 2, 7),
                new SbpMessage(SbpMessageType.UdpLink, 0, 1000, 2, 8),
                new SbpMessage(SbpMessageType.UdpLink, 1, 1000, 2, 7),
            ],
            early.Received);
        Assert.True(await other.ReadAsync(1, Timeout));
        Assert.Equal([new SbpMessage(SbpMessageType.UdpPath, 0, 2000, 5, 0)], other.Received);

        // A client connecting now gets the one remaining alarm, no in-service message.
        using var late = new RawSbpClient(server.SocketPath, 1000);
        Assert.True(await late.ReadAsync(1, Timeout));
        Assert.False(await late.ReadAsync(2, TimeSpan.FromMilliseconds(200)));
        Assert.Equal([new SbpMessage(SbpMessageType.UdpLink, 0, 1000, 2, 8)], late.Received);
    }

    [Fact]
    public async Task Unknown_cluster_is_logged_with_pid_and_uid_and_disconnected()
    {
        using var server = Server();
        using var client = new RawSbpClient(server.SocketPath, 4242);
        Assert.True(await client.ClosedWithinAsync(Timeout));
        Assert.True(await Wait.UntilAsync(() => _log.Has(1312, "4242"), Timeout));
        var line = _log.Lines.Single(l => l.Id == 1312).Text;
        Assert.Contains($"pid {Environment.ProcessId} ", line, StringComparison.Ordinal);
        Assert.Contains("uid ", line, StringComparison.Ordinal);
        Assert.True(await Wait.UntilAsync(() => server.ConnectionCount == 0, Timeout));
    }

    [Fact]
    public async Task A_client_that_never_registers_is_dropped_after_the_timeout()
    {
        using var server = Server(registration: TimeSpan.FromMilliseconds(300));
        using var silent = new RawSbpClient(server.SocketPath);
        using var halfId = new RawSbpClient(server.SocketPath);
        halfId.Socket.Send([0xe8]);
        Assert.True(await silent.ClosedWithinAsync(Timeout));
        Assert.True(await halfId.ClosedWithinAsync(Timeout));
        Assert.True(await Wait.UntilAsync(() => _log.Has(1313, $"pid {Environment.ProcessId} "), Timeout));
        Assert.True(await Wait.UntilAsync(() => server.ConnectionCount == 0, Timeout));
    }

    [Fact]
    public async Task Registration_split_over_two_writes_works()
    {
        _source.Emit(FakeAlarmSource.Path(1000, 2, false));
        using var server = Server();
        using var client = new RawSbpClient(server.SocketPath);
        client.Socket.Send([0xe8]); // 1000 = 0x03e8, native (little-endian) order
        await Task.Delay(50);
        client.Socket.Send([0x03]);
        Assert.True(await client.ReadAsync(1, Timeout));
    }

    [Fact]
    public async Task Connections_beyond_the_cap_are_refused_with_a_log_line()
    {
        using var server = Server(maxClients: 3);
        var clients = Enumerable.Range(0, 3).Select(_ => new RawSbpClient(server.SocketPath, 1000)).ToList();
        try
        {
            Assert.True(await Wait.UntilAsync(() => server.RegisteredCount == 3, Timeout));
            using var refused = new RawSbpClient(server.SocketPath, 1000);
            Assert.True(await refused.ClosedWithinAsync(Timeout));
            Assert.True(await Wait.UntilAsync(() => _log.Has(1314, "already 3 clients"), Timeout));

            _source.Emit(FakeAlarmSource.Link(1000, 2, 7, false));
            foreach (var c in clients)
            {
                Assert.True(await c.ReadAsync(1, Timeout));
            }

            // A slot frees up when a client leaves.
            clients[0].Dispose();
            Assert.True(await Wait.UntilAsync(() => server.ConnectionCount == 2, Timeout));
            using var next = new RawSbpClient(server.SocketPath, 1000);
            Assert.True(await next.ReadAsync(1, Timeout));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Some_bytes_after_registering_are_ignored_a_flood_is_dropped()
    {
        using var server = Server(garbageLimit: 1024);
        using var chatty = new RawSbpClient(server.SocketPath, 1000);
        using var flood = new RawSbpClient(server.SocketPath, 1000);
        Assert.True(await Wait.UntilAsync(() => server.RegisteredCount == 2, Timeout));
        chatty.Socket.Send(new byte[100]);
        flood.Socket.Send(new byte[4096]);
        Assert.True(await flood.ClosedWithinAsync(Timeout));
        Assert.True(await Wait.UntilAsync(() => _log.Has(1316, $"pid {Environment.ProcessId} "), Timeout));

        _source.Emit(FakeAlarmSource.Link(1000, 2, 7, false));
        Assert.True(await chatty.ReadAsync(1, Timeout));
    }

    [Fact]
    public async Task A_half_closed_client_keeps_receiving_and_a_gone_client_is_removed()
    {
        using var server = Server();
        using var half = new RawSbpClient(server.SocketPath, 1000);
        half.Socket.Shutdown(SocketShutdown.Send);
        var gone = new RawSbpClient(server.SocketPath, 1000);
        Assert.True(await Wait.UntilAsync(() => server.RegisteredCount == 2, Timeout));
        gone.Dispose();

        _source.Emit(FakeAlarmSource.Link(1000, 2, 7, false));
        Assert.True(await half.ReadAsync(1, Timeout));
        Assert.True(await Wait.UntilAsync(() => server.RegisteredCount == 1, Timeout));
        _source.Emit(FakeAlarmSource.Link(1000, 2, 7, true));
        Assert.True(await half.ReadAsync(2, Timeout));
    }

    [Fact]
    public async Task A_client_that_never_reads_is_dropped_once_its_queue_is_full_and_the_others_get_everything()
    {
        using var server = Server(queueLimit: 16 * 1024);
        using var stuck = new RawSbpClient(server.SocketPath, 1000, receiveBuffer: 4096);
        using var reader = new RawSbpClient(server.SocketPath, 1000);
        Assert.True(await Wait.UntilAsync(() => server.RegisteredCount == 2, Timeout));

        // Batches the reader can take (each below the queue limit); the stuck client fills the kernel buffer
        // (about 200 KB) and then its queue.
        const int events = 40_000;
        var reading = reader.ReadAsync(events, TimeSpan.FromSeconds(60));
        for (int i = 0; i < events; i++)
        {
            _source.Emit(FakeAlarmSource.Link(1000, 2, (ushort)(i % 100), i % 2 == 1));
            if (i % 1000 == 999)
            {
                int published = i + 1;
                Assert.True(await Wait.UntilAsync(() => reader.Count >= published, Timeout));
            }
        }

        Assert.True(await Wait.UntilAsync(() => server.DroppedSlowClients == 1, Timeout));
        Assert.True(await Wait.UntilAsync(() => _log.Has(1315, $"pid {Environment.ProcessId} "), Timeout));
        Assert.True(await reading);
        for (int i = 0; i < events; i++)
        {
            Assert.Equal(new SbpMessage(SbpMessageType.UdpLink, (ushort)(i % 2), 1000, 2, (ushort)(i % 100)), reader.Received[i]);
        }

        Assert.True(await stuck.ClosedWithinAsync(Timeout));
        Assert.Equal(1, server.RegisteredCount);
    }

    [Fact]
    public async Task Replay_and_live_events_neither_miss_nor_repeat_while_clients_register_during_a_burst()
    {
        using var server = Server();
        var connecting = true;
        var publisher = new Thread(() =>
        {
            // Links 0-9 alternate down/up; keep going while clients connect, then bring every link back.
            var down = new bool[10];
            for (int i = 0; Volatile.Read(ref connecting) || i < 200; i++)
            {
                int link = i % 10;
                down[link] = !down[link];
                _source.Emit(FakeAlarmSource.Link(1000, 2, (ushort)link, !down[link]));
                if (link == 9)
                {
                    Thread.Sleep(1);
                }
            }

            for (int link = 0; link < 10; link++)
            {
                if (down[link])
                {
                    _source.Emit(FakeAlarmSource.Link(1000, 2, (ushort)link, true));
                }
            }
        });
        publisher.Start();
        var clients = new List<RawSbpClient>();
        for (int i = 0; i < 50; i++)
        {
            clients.Add(new RawSbpClient(server.SocketPath, 1000));
            Thread.Sleep(2);
        }

        Volatile.Write(ref connecting, false);
        publisher.Join();
        await Task.WhenAll(clients.Select(c => c.ReadAsync(int.MaxValue, TimeSpan.FromSeconds(1))));
        foreach (var client in clients)
        {
            // Replay + live applied to a set must alternate down/up per link and end with every link in service.
            var alarms = new HashSet<ushort>();
            foreach (var m in client.Received)
            {
                if (m.State == 0)
                {
                    Assert.True(alarms.Add(m.Link), $"link {m.Link} reported down twice in a row");
                }
                else
                {
                    Assert.True(alarms.Remove(m.Link), $"link {m.Link} reported up while not down");
                }
            }

            Assert.Empty(alarms);
            client.Dispose();
        }
    }

    [Fact]
    public async Task When_the_dispatcher_falls_behind_clients_are_disconnected_never_silently_short_of_events()
    {
        using var server = Server(pendingLimit: 4);
        var clients = Enumerable.Range(0, 20).Select(_ => new RawSbpClient(server.SocketPath, 1000)).ToList();
        try
        {
            Assert.True(await Wait.UntilAsync(() => server.RegisteredCount == 20, Timeout));
            const int events = 20_000;
            for (int i = 0; i < events; i++)
            {
                _source.Emit(FakeAlarmSource.Link(1000, 2, (ushort)(i % 100), i % 2 == 1));
            }

            Assert.True(await Wait.UntilAsync(() => _log.Has(1321), Timeout), "no events were lost; the test proves nothing");
            foreach (var client in clients)
            {
                bool all = await client.ReadAsync(events, TimeSpan.FromSeconds(2));
                if (all)
                {
                    Assert.Equal(events, client.Received.Count);
                }
                else
                {
                    Assert.True(await client.ClosedWithinAsync(Timeout), $"a client got {client.Received.Count} of {events} events and stays connected");
                }
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    public void Dispose() => _dir.Dispose();
}
