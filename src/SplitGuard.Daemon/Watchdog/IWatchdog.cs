namespace SplitGuard.Daemon.Watchdog;

/// <summary>
/// A device that resets the node unless it is petted in time (sbd's watchdog). The daemon arms it while it owns or may
/// own, pets it only while its lease is valid, and disarms it on a clean stop; a frozen or dead daemon stops petting,
/// so the node resets at most <see cref="EffectiveTimeout"/> after the last pet. Calls are thread-safe; none of them
/// blocks on the device for long (writes are non-blocking).
/// </summary>
public interface IWatchdog : IDisposable
{
    /// <summary>The configured device path, or null when there is no watchdog.</summary>
    string? Device { get; }

    /// <summary>True between a successful <see cref="Arm"/> and <see cref="Disarm"/> or <see cref="Abandon"/>.</summary>
    bool IsArmed { get; }

    /// <summary>
    /// How long the device waits for a pet before it resets the node, once armed: the kernel driver's timeout read back
    /// (whole seconds), or the configured timeout for the lab stand-in; null before the first arm and without a watchdog.
    /// </summary>
    TimeSpan? EffectiveTimeout { get; }

    /// <summary>
    /// Opens the device and sets its timeout; from then on the node resets unless <see cref="Pet"/> comes in time. Does
    /// nothing when already armed. Throws <see cref="WatchdogException"/> naming the device and the cause (missing,
    /// permission denied, busy, ioctl refused); the device is left closed with the magic close then.
    /// </summary>
    /// <param name="now">The daemon's monotonic time (any origin), for <see cref="Describe"/>.</param>
    void Arm(TimeSpan now);

    /// <summary>
    /// Pets the device: one byte written, unless the last write is less than <see cref="DeviceWatchdog.PetSpacing"/>
    /// old (the event loop may call this every pass; a syscall per pass would cost CPU for nothing). Call it only while
    /// the lease is valid: that is what bounds the reset to lease end + timeout.
    /// </summary>
    WatchdogPet Pet(TimeSpan now);

    /// <summary>
    /// Clean stop: writes the magic 'V' and closes, so the driver stops counting (unless the kernel was built with
    /// nowayout, which ignores the magic close: then the node resets after the timeout anyway).
    /// </summary>
    void Disarm(TimeSpan now);

    /// <summary>
    /// Closes the device without the magic character, as a dying daemon's exit does: the device keeps counting and resets
    /// the node after the timeout unless someone arms and pets it again. <see cref="IDisposable.Dispose"/> does this when
    /// still armed, because a dispose that was not preceded by <see cref="Disarm"/> is an error path.
    /// </summary>
    void Abandon(TimeSpan now);

    /// <summary>What <c>splitguard status</c> shows, as of <paramref name="now"/>.</summary>
    WatchdogStatus Describe(TimeSpan now);
}
