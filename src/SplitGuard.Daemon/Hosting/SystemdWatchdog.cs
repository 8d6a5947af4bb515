using System.Globalization;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// systemd's service watchdog (<c>WatchdogSec=</c> in the unit): systemd passes <c>WATCHDOG_USEC</c> (and
/// <c>WATCHDOG_PID</c>) and restarts the service when no <c>WATCHDOG=1</c> came within that time. The event loop pets it
/// every pass, at most once per half period, so a loop that hangs (a deadlock, a stuck lock) stops the petting and
/// systemd acts; a loop that only waits still passes at least once per heartbeat interval.
/// </summary>
public sealed class SystemdWatchdog
{
    private readonly Func<string, bool> _notify;
    private TimeSpan _next = TimeSpan.MinValue;

    public SystemdWatchdog(TimeSpan period, Func<string, bool> notify)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        Period = period;
        _notify = notify;
    }

    /// <summary>The period systemd asked for (<c>WATCHDOG_USEC</c>).</summary>
    public TimeSpan Period { get; }

    /// <summary>Pets sent so far.</summary>
    public long Pets { get; private set; }

    /// <summary>
    /// The watchdog systemd asked this process for, or null: <c>WATCHDOG_USEC</c> unset, not a positive number, or
    /// <c>WATCHDOG_PID</c> naming another process (a child inherits the variables, not the duty).
    /// </summary>
    public static SystemdWatchdog? FromEnvironment(string? usec, string? pid, int self, Func<string, bool> notify)
    {
        if (!ulong.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var micros) || micros == 0)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(pid) && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var owner) || owner != self))
        {
            return null;
        }

        return new SystemdWatchdog(TimeSpan.FromMicroseconds(micros), notify);
    }

    /// <summary>Sends <c>WATCHDOG=1</c> when half a period has passed since the last one; returns when the next is due.</summary>
    public TimeSpan Pet(TimeSpan now)
    {
        if (now >= _next)
        {
            _notify("WATCHDOG=1");
            Pets++;
            _next = now + Period / 2;
        }

        return _next;
    }
}
