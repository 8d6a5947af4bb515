using Microsoft.Extensions.Logging;

namespace SplitGuard.Core.Tests.Watchdog;

/// <summary>An <see cref="ILogger"/> that keeps every line with its event id, for exact assertions.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class ListLogger : ILogger
{
    public List<(int EventId, LogLevel Level, string Message)> Lines { get; } = [];

    public IReadOnlyList<int> EventIds => Lines.Select(l => l.EventId).ToList();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Add((eventId.Id, logLevel, formatter(state, exception)));
}
