using Microsoft.Extensions.Logging;

namespace SplitGuard.Daemon.Watchdog;

/// <summary>The watchdog's log lines; event ids 1410-1419 (in the ownership range, 1400-1499).</summary>
internal static partial class WatchdogLog
{
    [LoggerMessage(1410, LogLevel.Information, "watchdog {Device} armed ({Kind}): the node resets {Timeout} s after the last pet{Detail}")]
    public static partial void Armed(ILogger logger, string device, string kind, string timeout, string detail);

    [LoggerMessage(1411, LogLevel.Information, "watchdog {Device} disarmed with the magic close")]
    public static partial void Disarmed(ILogger logger, string device);

    [LoggerMessage(1412, LogLevel.Warning, "watchdog {Device} closed without the magic close ({Reason}): it keeps counting and resets the node about {Timeout} s after the last pet unless armed again")]
    public static partial void Abandoned(ILogger logger, string device, string reason, string timeout);

    [LoggerMessage(1413, LogLevel.Error, "watchdog {Device}: {Error}")]
    public static partial void Failed(ILogger logger, string device, string error);

    [LoggerMessage(1414, LogLevel.Information, "watchdog {Device}: pets go through again after {Failures} failed")]
    public static partial void PetRecovered(ILogger logger, string device, long failures);

    [LoggerMessage(1415, LogLevel.Warning, "{Warning}")]
    public static partial void Warning(ILogger logger, string warning);
}
