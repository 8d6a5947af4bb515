using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Serilog.Events;
using Serilog.Parsing;
using SplitGuard.Daemon.Hosting;
using Xunit;

namespace SplitGuard.Daemon.Tests;

/// <summary>
/// journald's native protocol (issue 14): PRIORITY, SYSLOG_IDENTIFIER, EVENT_ID and the message as fields; a message
/// with a line break in the length-prefixed form; a real datagram over a Unix socket standing in for journald's.
/// </summary>
public sealed class JournalSinkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sg-journal-").FullName;

    private static LogEvent Event(LogEventLevel level, int? eventId, string text, Exception? exception = null)
    {
        var properties = new List<LogEventProperty> { new("SourceContext", new ScalarValue("splitguard")) };
        if (eventId is { } id)
        {
            properties.Add(new LogEventProperty("EventId", new StructureValue(
                [new LogEventProperty("Id", new ScalarValue(id)), new LogEventProperty("Name", new ScalarValue("X"))])));
        }

        return new LogEvent(DateTimeOffset.UtcNow, level, exception, new MessageTemplateParser().Parse(text), properties);
    }

    /// <summary>Decodes the native protocol: NAME=value lines, or NAME, newline, 64-bit little-endian length, value, newline.</summary>
    private static Dictionary<string, string> Decode(byte[] datagram)
    {
        var fields = new Dictionary<string, string>();
        var i = 0;
        while (i < datagram.Length)
        {
            var end = Array.IndexOf(datagram, (byte)'\n', i);
            var eq = Array.IndexOf(datagram, (byte)'=', i, end - i);
            if (eq >= 0)
            {
                fields.Add(Encoding.ASCII.GetString(datagram, i, eq - i), Encoding.UTF8.GetString(datagram, eq + 1, end - eq - 1));
                i = end + 1;
                continue;
            }

            var name = Encoding.ASCII.GetString(datagram, i, end - i);
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(datagram.AsSpan(end + 1, 8));
            fields.Add(name, Encoding.UTF8.GetString(datagram, end + 9, length));
            Assert.Equal((byte)'\n', datagram[end + 9 + length]);
            i = end + 10 + length;
        }

        return fields;
    }

    [Theory]
    [InlineData(LogEventLevel.Fatal, "2")]
    [InlineData(LogEventLevel.Error, "3")]
    [InlineData(LogEventLevel.Warning, "4")]
    [InlineData(LogEventLevel.Information, "6")]
    [InlineData(LogEventLevel.Debug, "7")]
    public void Every_entry_has_its_priority_identifier_and_event_id(LogEventLevel level, string priority)
    {
        var fields = Decode(JournalSink.Entry(Event(level, 1100, "link down"), "splitguard"));

        Assert.Equal(priority, fields["PRIORITY"]);
        Assert.Equal("splitguard", fields["SYSLOG_IDENTIFIER"]);
        Assert.Equal("1100", fields["EVENT_ID"]);
        Assert.Equal("[1100] link down", fields["MESSAGE"]);
        Assert.Equal("splitguard", fields["SPLITGUARD_LOGGER"]);
    }

    [Fact]
    public void An_entry_without_event_id_has_no_EVENT_ID_field()
    {
        var fields = Decode(JournalSink.Entry(Event(LogEventLevel.Information, null, "hello"), "splitguard"));

        Assert.False(fields.ContainsKey("EVENT_ID"));
        Assert.Equal("hello", fields["MESSAGE"]);
    }

    [Fact]
    public void A_stack_trace_travels_in_the_length_prefixed_form()
    {
        Exception thrown;
        try
        {
            throw new InvalidOperationException("broken");
        }
        catch (InvalidOperationException e)
        {
            thrown = e;
        }

        var fields = Decode(JournalSink.Entry(Event(LogEventLevel.Error, 1003, "loop failed", thrown), "splitguard"));

        Assert.StartsWith("[1003] loop failed\nSystem.InvalidOperationException: broken\n", fields["MESSAGE"], StringComparison.Ordinal);
        Assert.Contains("A_stack_trace_travels_in_the_length_prefixed_form", fields["MESSAGE"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_sink_sends_one_datagram_per_entry_to_the_socket()
    {
        var path = Path.Combine(_dir, "socket");
        using var journal = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        journal.Bind(new UnixDomainSocketEndPoint(path));
        journal.ReceiveTimeout = 5000;
        using var sink = new JournalSink(path);

        sink.Emit(Event(LogEventLevel.Warning, 1100, "first"));
        sink.Emit(Event(LogEventLevel.Information, 1010, "second"));

        var buffer = new byte[65536];
        var first = Decode(buffer[..journal.Receive(buffer)]);
        var second = Decode(buffer[..journal.Receive(buffer)]);
        Assert.Equal(("[1100] first", "4"), (first["MESSAGE"], first["PRIORITY"]));
        Assert.Equal(("[1010] second", "6"), (second["MESSAGE"], second["PRIORITY"]));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
