using Serilog.Events;
using Serilog.Parsing;
using SplitGuard.Daemon.Hosting;
using Xunit;

namespace SplitGuard.Daemon.Tests;

/// <summary>
/// The daemon's stderr lines (issues 13 and 14): the event id on every line, and for the journal a syslog priority
/// prefix on each line instead of a time stamp. Pure: no process, no namespace.
/// </summary>
public sealed class StderrSinkTests
{
    private static LogEvent Event(LogEventLevel level, int? eventId, string text, Exception? exception = null)
    {
        var properties = new List<LogEventProperty>();
        if (eventId is { } id)
        {
            properties.Add(new LogEventProperty("EventId", new StructureValue(
                [new LogEventProperty("Id", new ScalarValue(id)), new LogEventProperty("Name", new ScalarValue("X"))])));
        }

        return new LogEvent(new DateTimeOffset(2026, 12, 3, 18, 0, 0, 123, TimeSpan.Zero), level, exception,
            new MessageTemplateParser().Parse(text), properties);
    }

    [Fact]
    public void A_terminal_line_has_time_level_and_event_id()
    {
        var line = StderrSink.Format(Event(LogEventLevel.Warning, 1100, "link down"), journal: false);

        Assert.EndsWith("WRN [1100] link down" + Environment.NewLine, line, StringComparison.Ordinal);
        Assert.StartsWith("2026-12-03 ", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LogEventLevel.Fatal, "<2>")]
    [InlineData(LogEventLevel.Error, "<3>")]
    [InlineData(LogEventLevel.Warning, "<4>")]
    [InlineData(LogEventLevel.Information, "<6>")]
    [InlineData(LogEventLevel.Debug, "<7>")]
    public void A_journal_line_starts_with_its_syslog_priority_and_no_time(LogEventLevel level, string prefix)
    {
        Assert.Equal($"{prefix}[1010] reloaded\n", StderrSink.Format(Event(level, 1010, "reloaded"), journal: true));
    }

    [Fact]
    public void Each_line_of_a_multi_line_journal_entry_keeps_the_priority_and_a_line_without_event_id_has_no_brackets()
    {
        var text = StderrSink.Format(Event(LogEventLevel.Error, null, "failed", new InvalidOperationException("boom")), journal: true);

        var lines = text.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length >= 2, text);
        Assert.All(lines, l => Assert.StartsWith("<3>", l, StringComparison.Ordinal));
        Assert.Equal("<3>failed", lines[0]);
    }

    [Theory]
    [InlineData("8:123456", "socket:[123456]", true)]
    [InlineData("8:123456", "socket:[123457]", false)]
    [InlineData("8:123456", "/dev/pts/0", false)]
    [InlineData(null, "socket:[123456]", false)]
    [InlineData("garbage", "socket:[123456]", false)]
    [InlineData("8:", "socket:[]", false)]
    public void The_journal_is_stderr_only_while_fd_2_is_the_named_socket(string? journalStream, string target, bool expected) =>
        Assert.Equal(expected, JournalStream.Matches(journalStream, target));
}
