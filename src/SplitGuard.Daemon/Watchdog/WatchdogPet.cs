namespace SplitGuard.Daemon.Watchdog;

/// <summary>What one <see cref="IWatchdog.Pet"/> did.</summary>
public enum WatchdogPet
{
    /// <summary>A byte was written to the device: its timer starts over.</summary>
    Written = 0,

    /// <summary>Nothing written: the last write is younger than the pet spacing, so the device's timer is nearly full.</summary>
    Recent = 1,

    /// <summary>Nothing written: the watchdog is not armed (or there is none).</summary>
    NotArmed = 2,

    /// <summary>The write failed (logged once per failure streak); the device keeps counting from the last good pet.</summary>
    Failed = 3,
}
