namespace SplitGuard.Daemon.Watchdog;

/// <summary>The watchdog as <c>splitguard status</c> shows it.</summary>
public enum WatchdogState
{
    /// <summary>No <c>Ownership.watchdog</c> in the config: nothing resets a frozen node.</summary>
    None = 0,

    /// <summary>Configured, not open (never armed, or disarmed with the magic close).</summary>
    Disarmed = 1,

    /// <summary>Open and counting: the node resets unless it is petted in time.</summary>
    Armed = 2,

    /// <summary>Closed without the magic close: the device keeps counting and resets the node unless armed again.</summary>
    Abandoned = 3,

    /// <summary>The last arm failed (see <see cref="WatchdogStatus.Error"/>).</summary>
    Failed = 4,
}
