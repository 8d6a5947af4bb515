namespace SplitGuard.Daemon.Watchdog;

/// <summary>The watchdog could not be armed; the message names the device and the cause.</summary>
public sealed class WatchdogException : Exception
{
    public WatchdogException()
    {
    }

    public WatchdogException(string message)
        : base(message)
    {
    }

    public WatchdogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The errno behind the failure (ENOENT, EACCES, EBUSY, ...), or 0 when it was not a syscall.</summary>
    public int Errno { get; init; }
}
