using System.Diagnostics;

namespace SplitGuard.Daemon.Api.SbpSockets;

/// <summary>
/// Bounds the log lines a flood of misbehaving clients can cause: at most <c>perWindow</c> lines per window; the rest
/// are counted and the count is reported with the next line that is let through.
/// </summary>
internal sealed class LogLimiter
{
    private readonly object _gate = new();
    private readonly int _perWindow;
    private readonly long _windowTicks;
    private long _windowStart;
    private int _used;
    private long _suppressed;

    public LogLimiter(int perWindow, TimeSpan window)
    {
        _perWindow = perWindow;
        _windowTicks = (long)(window.TotalSeconds * Stopwatch.Frequency);
        _windowStart = Stopwatch.GetTimestamp();
    }

    /// <summary>True when a line may be written now; <paramref name="suppressed"/> is how many were held back before it.</summary>
    public bool TryEnter(out long suppressed)
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            if (now - _windowStart >= _windowTicks)
            {
                _windowStart = now;
                _used = 0;
            }

            if (_used < _perWindow)
            {
                _used++;
                suppressed = _suppressed;
                _suppressed = 0;
                return true;
            }

            _suppressed++;
            suppressed = 0;
            return false;
        }
    }
}
