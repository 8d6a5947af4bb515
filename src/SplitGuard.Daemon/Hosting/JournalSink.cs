using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// Log entries straight to journald in its native protocol (one datagram per entry to
/// <c>/run/systemd/journal/socket</c>, fields as <c>NAME=value</c> lines), used when the daemon runs under systemd with
/// its output in the journal: each entry carries <c>PRIORITY</c> (so <c>journalctl -p warning</c> shows exactly the
/// warnings and worse), <c>SYSLOG_IDENTIFIER=splitguard</c>, the log's event id as <c>EVENT_ID</c>
/// (<c>journalctl EVENT_ID=1010</c>) and the logger as <c>SPLITGUARD_LOGGER</c>. A datagram the journal does not take
/// (socket gone, entry too big) is written to stderr instead, which systemd also sends to the journal: nothing is lost.
/// </summary>
public sealed class JournalSink : ILogEventSink, IDisposable
{
    /// <summary>Where journald listens for native entries.</summary>
    public const string DefaultSocket = "/run/systemd/journal/socket";

    private static readonly MessageTemplateTextFormatter Message = new("{Message:lj}{NewLine}{Exception}", CultureInfo.InvariantCulture);
    private readonly object _gate = new();
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endpoint;
    private readonly string _identifier;

    public JournalSink(string socketPath = DefaultSocket, string identifier = "splitguard")
    {
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _endpoint = new UnixDomainSocketEndPoint(socketPath);
        _identifier = identifier;
    }

    /// <summary>True when journald's native socket exists and stderr is the journal (systemd's <c>JOURNAL_STREAM</c>).</summary>
    public static bool Available() => JournalStream.IsStderr() && File.Exists(DefaultSocket);

    public void Emit(LogEvent logEvent)
    {
        var entry = Entry(logEvent, _identifier);
        lock (_gate)
        {
            try
            {
                _socket.SendTo(entry, _endpoint);
                return;
            }
            catch (SocketException)
            {
                // Fall through: stderr reaches the journal too.
            }
        }

        Console.Error.Write(StderrSink.Format(logEvent, journal: true));
    }

    /// <summary>The datagram for <paramref name="logEvent"/>: journald's native fields.</summary>
    public static byte[] Entry(LogEvent logEvent, string identifier)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        using var message = new StringWriter(CultureInfo.InvariantCulture);
        Message.Format(logEvent, message);
        var id = StderrSink.EventIdOf(logEvent);
        var text = id is { } n ? $"[{n.ToString(CultureInfo.InvariantCulture)}] {message.ToString().TrimEnd('\n')}" : message.ToString().TrimEnd('\n');
        var buffer = new MemoryStream();
        Field(buffer, "MESSAGE", text);
        Field(buffer, "PRIORITY", StderrSink.SyslogPriority(logEvent.Level).ToString(CultureInfo.InvariantCulture));
        Field(buffer, "SYSLOG_IDENTIFIER", identifier);
        if (id is { } eventId)
        {
            Field(buffer, "EVENT_ID", eventId.ToString(CultureInfo.InvariantCulture));
        }

        if (logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: string logger })
        {
            Field(buffer, "SPLITGUARD_LOGGER", logger);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// One field: <c>NAME=value\n</c>, or for a value with a line break (an exception's stack) the length-prefixed form
    /// <c>NAME\n</c>, the value's length as 64-bit little-endian, the value, <c>\n</c>.
    /// </summary>
    private static void Field(MemoryStream buffer, string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        buffer.Write(Encoding.ASCII.GetBytes(name));
        if (Array.IndexOf(bytes, (byte)'\n') < 0)
        {
            buffer.WriteByte((byte)'=');
            buffer.Write(bytes);
        }
        else
        {
            buffer.WriteByte((byte)'\n');
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        buffer.WriteByte((byte)'\n');
    }

    public void Dispose() => _socket.Dispose();
}
