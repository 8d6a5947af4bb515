using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace SplitGuard.Daemon.Booth;

/// <summary>Log lines of the booth service on stderr (the booth daemon runs in the foreground, like boothd -S).</summary>
public sealed class StderrLineSink : ILogEventSink
{
    private readonly object _gate = new();
    private readonly MessageTemplateTextFormatter _format = new(
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}", System.Globalization.CultureInfo.InvariantCulture);

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _format.Format(logEvent, Console.Error);
            Console.Error.Flush();
        }
    }
}
