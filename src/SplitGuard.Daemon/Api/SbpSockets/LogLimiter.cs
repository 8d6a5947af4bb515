using System.Diagnostics;

namespace SplitGuard.Daemon.Api.SbpSockets;

/// <summary>
/// Bounds the log lines a flood of misbehaving clients can cause: per event id, at most <c>perWindow</c> lines per
/// window; the rest are counted, and the count is reported with the next line of that id that is let through. Each id
/// has its own budget, so a flood of one kind (say, registrations) cannot hide another (say, dropped clients).
/// </summary>
internal sealed class LogLimiter
{
    private readonly object _gate = new();
    private readonly int _perWindow;
    private readonly long _windowTicks;
    private readonly Dictionary<int, Budget> _budgets = [];

    public LogLimiter(int perWindow, TimeSpan window)
    {
        _perWindow = perWindow;
        _windowTicks = (long)(window.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>True when a line with <paramref name="eventId"/> may be written now; <paramref name="suppressed"/> is how many were held back before it.</summary>
    public bool TryEnter(int eventId, out long suppressed)
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            if (!_budgets.TryGetValue(eventId, out var budget))
            {
                _budgets[eventId] = budget = new Budget { WindowStart = now };
            }

            if (now - budget.WindowStart >= _windowTicks)
            {
                budget.WindowStart = now;
                budget.Used = 0;
            }

            if (budget.Used < _perWindow)
            {
                budget.Used++;
                suppressed = budget.Suppressed;
                budget.Suppressed = 0;
                return true;
            }

            budget.Suppressed++;
            suppressed = 0;
            return false;
        }
    }

    private sealed class Budget
    {
        public long WindowStart;
        public int Used;
        public long Suppressed;
    }
}
