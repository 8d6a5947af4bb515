using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// Log lines to stderr (Console.Error writes through): the daemon in the foreground, and the booth daemon (like boothd
/// -S). Every line carries its event id in brackets, as the log file does, so "grep the event id" works on both. When
/// stderr is the journal (systemd's <c>JOURNAL_STREAM</c> names it), each line starts with its syslog priority
/// (<c>&lt;4&gt;</c> for a warning; journald reads it) instead of a time stamp, which the journal adds itself.
/// </summary>
public sealed class StderrSink : ILogEventSink
{
    private static readonly MessageTemplateTextFormatter Message = new("{Message:lj}{NewLine}{Exception}", CultureInfo.InvariantCulture);
    private static readonly MessageTemplateTextFormatter TerminalPrefix = new("{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} ", CultureInfo.InvariantCulture);
    private readonly object _gate = new();
    private readonly bool _journal;

    /// <summary>A sink that finds out itself whether stderr is the journal.</summary>
    public StderrSink()
        : this(JournalStream.IsStderr())
    {
    }

    /// <summary>A sink that writes for the journal (<paramref name="journal"/>) or for a terminal or file.</summary>
    public StderrSink(bool journal) => _journal = journal;

    public void Emit(LogEvent logEvent)
    {
        var text = Format(logEvent, _journal);
        lock (_gate)
        {
            Console.Error.Write(text);
        }
    }

    /// <summary>
    /// The event as stderr shows it: "2026-12-03 18:00:00.123 WRN [1100] message", or for the journal
    /// "&lt;4&gt;[1100] message" with the priority on every line of a multi-line entry (an exception's stack).
    /// </summary>
    public static string Format(LogEvent logEvent, bool journal)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        using var message = new StringWriter(CultureInfo.InvariantCulture);
        Message.Format(logEvent, message);
        var id = EventIdOf(logEvent) is { } n ? $"[{n.ToString(CultureInfo.InvariantCulture)}] " : string.Empty;
        if (!journal)
        {
            using var prefix = new StringWriter(CultureInfo.InvariantCulture);
            TerminalPrefix.Format(logEvent, prefix);
            return $"{prefix}{id}{message}";
        }

        var priority = $"<{SyslogPriority(logEvent.Level)}>";
        var lines = message.ToString().TrimEnd('\n').Split('\n');
        return string.Concat(lines.Select((line, i) => $"{priority}{(i == 0 ? id : string.Empty)}{line}\n"));
    }

    /// <summary>syslog(3) priorities as journald reads them from a line's "&lt;N&gt;" prefix.</summary>
    public static int SyslogPriority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2, // LOG_CRIT: sbp's CRITICAL
        LogEventLevel.Error => 3, // LOG_ERR
        LogEventLevel.Warning => 4, // LOG_WARNING
        LogEventLevel.Information => 6, // LOG_INFO
        _ => 7, // LOG_DEBUG
    };

    /// <summary>The Microsoft.Extensions.Logging event id Serilog keeps as the EventId property (Id, Name), or null.</summary>
    internal static int? EventIdOf(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("EventId", out var value) && value is StructureValue structure
            && structure.Properties.FirstOrDefault(p => p.Name == "Id")?.Value is ScalarValue { Value: int id } && id != 0
            ? id
            : null;
}

/// <summary>
/// Whether stderr is connected to the journal: systemd sets <c>JOURNAL_STREAM=DEVICE:INODE</c> for a service whose
/// output goes there, and the stream stays the journal only while fd 2 is that same socket (a child with its stderr
/// redirected inherits the variable, not the socket).
/// </summary>
public static class JournalStream
{
    public static bool IsStderr() => Matches(Environment.GetEnvironmentVariable("JOURNAL_STREAM"), StderrTarget());

    /// <summary>True when <paramref name="journalStream"/> ("DEVICE:INODE") names the socket <paramref name="stderrTarget"/> ("socket:[INODE]").</summary>
    public static bool Matches(string? journalStream, string? stderrTarget)
    {
        if (string.IsNullOrEmpty(journalStream) || string.IsNullOrEmpty(stderrTarget))
        {
            return false;
        }

        var colon = journalStream.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < journalStream.Length - 1 && stderrTarget == $"socket:[{journalStream[(colon + 1)..]}]";
    }

    private static string? StderrTarget()
    {
        try
        {
            return new FileInfo("/proc/self/fd/2").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
