using Microsoft.Extensions.Logging;
using SplitGuard.Core.Config;

namespace SplitGuard.Daemon.Watchdog;

/// <summary>Builds the daemon's <see cref="IWatchdog"/> from the config.</summary>
public static class Watchdogs
{
    /// <summary>
    /// A <see cref="DeviceWatchdog"/> over the real syscalls for <paramref name="config"/> (its paths already expanded
    /// with <c>NodeIdentity.ExpandPaths</c>), or <see cref="NoWatchdog"/> with log event 1415 when the config has none.
    /// Nothing is opened here: the daemon arms it when it owns or may own.
    /// </summary>
    public static IWatchdog Create(WatchdogConfig? config, ILogger log, IWatchdogDevice? device = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (config is null)
        {
            WatchdogLog.Warning(log, NoWatchdog.WarningText);
            return NoWatchdog.Instance;
        }

        return new DeviceWatchdog(config, device ?? LinuxWatchdogDevice.Instance, log);
    }
}
