using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SplitGuard.Client.Tests.Support;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;
using SplitGuard.Daemon.Api;
using Xunit;

namespace SplitGuard.Client.Tests;

/// <summary>The JSON event stream: one object per line, every link event, the same isolation as the sbp API.</summary>
public sealed class EventStreamServerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TempSockets _dir = new();
    private readonly FakeAlarmSource _source = new(1000);
    private readonly ListLogger _log = new();

    private static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static async Task<List<JsonElement>> ReadLines(Socket socket, int count)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (text.ToString().Count(c => c == '\n') < count)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.NotEqual(0, n);
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        return [.. text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    [Fact]
    public async Task Every_link_event_is_one_json_line_with_the_documented_fields()
    {
        var now = new DateTimeOffset(2025, 3, 1, 12, 30, 45, 123, TimeSpan.Zero);
        using var server = new EventStreamServer(_dir.Path("events.sock"), null, _source, _log, new FixedTime(now));
        server.Start();
        using var client = Connect(server.SocketPath);
        Assert.True(await Wait.UntilAsync(() => server.ConnectionCount == 1, Timeout));

        _source.Emit(FakeAlarmSource.Link(1000, 2, 7, false));
        _source.Emit(FakeAlarmSource.Path(1000, 2, false, LinkType.Icmp));
        _source.Emit(new LinkEvent(LinkEventKind.Hop, 1000, 2, 9, LinkType.Icmp, true, TimeSpan.Zero, "witness answers"));
        _source.Emit(new LinkEvent(LinkEventKind.OneWay, 1000, 3, 4, LinkType.Udp, false, TimeSpan.Zero, "our frames are not acknowledged"));
        _source.Emit(new LinkEvent(LinkEventKind.SlowTick, 0, 0, 0, LinkType.Udp, false, TimeSpan.Zero, "tick 40 ms late"));
        var lines = await ReadLines(client, 5);

        var link = lines[0];
        Assert.Equal("2025-03-01T12:30:45.123000+00:00", link.GetProperty("time").GetString());
        Assert.Equal("link", link.GetProperty("kind").GetString());
        Assert.Equal(1000, link.GetProperty("cluster").GetInt32());
        Assert.Equal(2, link.GetProperty("node").GetInt32());
        Assert.Equal(7, link.GetProperty("link").GetInt32());
        Assert.Equal("udp", link.GetProperty("link_type").GetString());
        Assert.Equal("out_of_service", link.GetProperty("state").GetString());
        Assert.Equal(302, link.GetProperty("sbp_type").GetInt32());
        Assert.Equal("no heartbeat", link.GetProperty("detail").GetString());

        Assert.Equal("path", lines[1].GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, lines[1].GetProperty("link").ValueKind);
        Assert.Equal("icmp", lines[1].GetProperty("link_type").GetString());
        Assert.Equal(201, lines[1].GetProperty("sbp_type").GetInt32());

        Assert.Equal("hop", lines[2].GetProperty("kind").GetString());
        Assert.Equal("icmp_hop", lines[2].GetProperty("link_type").GetString());
        Assert.Equal("in_service", lines[2].GetProperty("state").GetString());
        Assert.Equal(303, lines[2].GetProperty("sbp_type").GetInt32());

        Assert.Equal("one_way", lines[3].GetProperty("kind").GetString());
        Assert.Equal(312, lines[3].GetProperty("sbp_type").GetInt32());

        Assert.Equal("slow_tick", lines[4].GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, lines[4].GetProperty("cluster").ValueKind);
        Assert.Equal(JsonValueKind.Null, lines[4].GetProperty("state").ValueKind);
        Assert.Equal("tick 40 ms late", lines[4].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Other_kinds_can_be_published_and_half_closed_clients_still_receive()
    {
        using var server = new EventStreamServer(_dir.Path("events.sock"), null, _source, _log);
        server.Start();
        using var client = Connect(server.SocketPath);
        client.Shutdown(SocketShutdown.Send);
        Assert.True(await Wait.UntilAsync(() => server.ConnectionCount == 1, Timeout));
        server.Publish("lease", json =>
        {
            json.WriteNumber("cluster", 1000);
            json.WriteString("lease", "master");
            json.WriteNumber("holder", 2);
        });
        var line = Assert.Single(await ReadLines(client, 1));
        Assert.Equal("lease", line.GetProperty("kind").GetString());
        Assert.Equal(2, line.GetProperty("holder").GetInt32());
        Assert.True(line.TryGetProperty("time", out _));
    }

    [Fact]
    public async Task A_client_that_never_reads_is_dropped_and_one_that_floods_too()
    {
        using var server = new EventStreamServer(_dir.Path("events.sock"), null, _source, _log) { QueueLimit = 16 * 1024, GarbageLimit = 1024 };
        server.Start();
        using var stuck = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveBufferSize = 4096 };
        stuck.Connect(new UnixDomainSocketEndPoint(server.SocketPath));
        using var flood = Connect(server.SocketPath);
        using var reader = Connect(server.SocketPath);
        Assert.True(await Wait.UntilAsync(() => server.ConnectionCount == 3, Timeout));
        flood.Send(new byte[8192]);
        Assert.True(await Wait.UntilAsync(() => _log.Has(1336, $"pid {Environment.ProcessId} "), Timeout));

        // Batches the reader can take (each below the queue limit); the stuck client fills the kernel buffer and its queue.
        var lines = new List<JsonElement>();
        for (int i = 0; i < 5000; i++)
        {
            _source.Emit(FakeAlarmSource.Link(1000, 2, (ushort)i, false));
            if (i % 50 == 49)
            {
                lines.AddRange(await ReadLines(reader, 50));
            }
        }

        Assert.True(await Wait.UntilAsync(() => server.DroppedSlowClients == 1, Timeout));
        Assert.True(_log.Has(1335, $"pid {Environment.ProcessId} "));
        Assert.Equal(Enumerable.Range(0, 5000), lines.Select(l => l.GetProperty("link").GetInt32()));
        Assert.True(await Wait.UntilAsync(() => server.ConnectionCount == 1, Timeout));
    }

    public void Dispose() => _dir.Dispose();

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }
}
