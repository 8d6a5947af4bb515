namespace SplitGuard.Daemon.Watchdog;

/// <summary>
/// <see cref="IWatchdog"/> when the config has no <c>Ownership.watchdog</c>: nothing to open or pet, and a warning in the
/// status, because without a device a node whose daemon and guard are both frozen, or whose resources cannot be killed,
/// keeps running them after a peer took over.
/// </summary>
public sealed class NoWatchdog : IWatchdog
{
    /// <summary>The text of the status warning and of log event 1415.</summary>
    public const string WarningText =
        "no watchdog (Ownership.watchdog): a node whose daemon and guard are both frozen, or whose resources cannot be killed, is not reset before a peer takes over";

    /// <summary>The one instance; it has no state.</summary>
    public static readonly NoWatchdog Instance = new();

    private NoWatchdog()
    {
    }

    /// <inheritdoc/>
    public string? Device => null;

    /// <inheritdoc/>
    public bool IsArmed => false;

    /// <inheritdoc/>
    public TimeSpan? EffectiveTimeout => null;

    /// <inheritdoc/>
    public void Arm(TimeSpan now)
    {
    }

    /// <inheritdoc/>
    public WatchdogPet Pet(TimeSpan now) => WatchdogPet.NotArmed;

    /// <inheritdoc/>
    public void Disarm(TimeSpan now)
    {
    }

    /// <inheritdoc/>
    public void Abandon(TimeSpan now)
    {
    }

    /// <inheritdoc/>
    public WatchdogStatus Describe(TimeSpan now) =>
        new(null, WatchdogState.None, WatchdogFileKind.Unknown, null, null, 0, null, null, WarningText);

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
