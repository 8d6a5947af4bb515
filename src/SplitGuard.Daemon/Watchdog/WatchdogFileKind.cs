namespace SplitGuard.Daemon.Watchdog;

/// <summary>What the watchdog path turned out to be once opened.</summary>
public enum WatchdogFileKind
{
    /// <summary>Not known yet (not opened).</summary>
    Unknown = 0,

    /// <summary>A character device: a kernel watchdog driver; the timeout is set with ioctls.</summary>
    CharacterDevice = 1,

    /// <summary>A FIFO: the lab stand-in (lab/watchdog-standin.py) reads it; no ioctls, the stand-in has its own timeout.</summary>
    Fifo = 2,

    /// <summary>A regular file: only for tests; nothing resets the node.</summary>
    RegularFile = 3,

    /// <summary>Anything else (socket, block device): refused.</summary>
    Other = 4,
}
