using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace SplitGuard.Daemon.Hosting;

/// <summary>Log lines to stderr (Console.Error writes through): the daemon in the foreground, and the booth daemon (like boothd -S).</summary>
public sealed class StderrSink : ILogEventSink
{
    private readonly object _gate = new();
    private readonly MessageTemplateTextFormatter _format = new(
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}", System.Globalization.CultureInfo.InvariantCulture);

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _format.Format(logEvent, Console.Error);
        }
    }
}
