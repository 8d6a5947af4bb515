using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SplitGuard.Core.Config;

namespace SplitGuard.Daemon.Watchdog;

/// <summary>
/// <see cref="IWatchdog"/> over a device file: a kernel watchdog (<c>/dev/watchdog</c>), or the lab stand-in's FIFO.
/// Arm opens it write-only and, for a character device, sets the timeout with WDIOC_SETTIMEOUT (whole seconds, rounded
/// up) and reads it back with WDIOC_GETTIMEOUT; a pet writes one byte; disarm writes the magic 'V' and closes.
/// </summary>
public sealed class DeviceWatchdog : IWatchdog
{
    private readonly WatchdogConfig _config;
    private readonly IWatchdogDevice _device;
    private readonly ILogger _log;
    private readonly object _lock = new();

    private int _fd = -1;
    private WatchdogState _state = WatchdogState.Disarmed;
    private WatchdogFileKind _kind = WatchdogFileKind.Unknown;
    private TimeSpan? _effective;
    private TimeSpan? _lastPet;
    private long _pets;
    private long _failedPets;
    private string? _error;
    private string? _warning;

    public DeviceWatchdog(WatchdogConfig config, IWatchdogDevice device, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(log);
        _config = config;
        _device = device;
        _log = log;
    }

    /// <inheritdoc/>
    public string? Device => _config.Device;

    /// <inheritdoc/>
    public bool IsArmed
    {
        get
        {
            lock (_lock)
            {
                return _state == WatchdogState.Armed;
            }
        }
    }

    /// <inheritdoc/>
    public TimeSpan? EffectiveTimeout
    {
        get
        {
            lock (_lock)
            {
                return _effective;
            }
        }
    }

    /// <summary>
    /// The least time between two pet writes: a tenth of the timeout, at most 100 ms. The event loop passes every few
    /// milliseconds; writing each time would cost a syscall per pass, while a pet at most a tenth of the timeout old
    /// still leaves the device nine tenths of its timeout. A skipped pet never lengthens the time to a reset: the
    /// device counts from the last byte written, which is older, so the node resets sooner, never later.
    /// </summary>
    public static TimeSpan PetSpacing(TimeSpan effectiveTimeout) =>
        TimeSpan.FromTicks(Math.Min(effectiveTimeout.Ticks / 10, TimeSpan.TicksPerMillisecond * 100));

    /// <inheritdoc/>
    public void Arm(TimeSpan now)
    {
        lock (_lock)
        {
            if (_state == WatchdogState.Armed)
            {
                return;
            }

            try
            {
                ArmLocked(now);
                _error = null;
            }
            catch (WatchdogException e)
            {
                _state = WatchdogState.Failed;
                _error = e.Message;
                WatchdogLog.Failed(_log, _config.Device, e.Message);
                throw;
            }
        }
    }

    /// <inheritdoc/>
    public WatchdogPet Pet(TimeSpan now)
    {
        lock (_lock)
        {
            if (_state != WatchdogState.Armed)
            {
                return WatchdogPet.NotArmed;
            }

            if (_lastPet is { } last && _effective is { } effective && now - last < PetSpacing(effective) && _failedPets == 0)
            {
                return WatchdogPet.Recent;
            }

            int result = WriteByte(WatchdogIoctl.PetByte);
            if (result == 1)
            {
                if (_failedPets > 0)
                {
                    WatchdogLog.PetRecovered(_log, _config.Device, _failedPets);
                    _failedPets = 0;
                    _error = null;
                }

                _lastPet = now;
                _pets++;
                return WatchdogPet.Written;
            }

            // EAGAIN: the stand-in's pipe is full because the stand-in is not reading; the pet is lost, which can only
            // make the reset come sooner. Anything else is logged on the first failure of a streak, not on every pass.
            if (_failedPets++ == 0)
            {
                _error = $"pet failed: write: {Describe(result)}; the device counts from the last pet, {Seconds(_lastPet is { } l ? now - l : TimeSpan.Zero)} s ago";
                WatchdogLog.Failed(_log, _config.Device, _error);
            }

            return WatchdogPet.Failed;
        }
    }

    /// <inheritdoc/>
    public void Disarm(TimeSpan now)
    {
        lock (_lock)
        {
            if (_state != WatchdogState.Armed)
            {
                return;
            }

            int written = WriteByte(WatchdogIoctl.MagicClose);
            CloseLocked();
            if (written == 1)
            {
                _state = WatchdogState.Disarmed;
                WatchdogLog.Disarmed(_log, _config.Device);
            }
            else
            {
                // Without the 'V' the driver keeps counting: say so rather than claim a clean disarm.
                _state = WatchdogState.Abandoned;
                _error = $"magic close failed: write 'V': {Describe(written)}";
                WatchdogLog.Failed(_log, _config.Device, _error);
                WatchdogLog.Abandoned(_log, _config.Device, "the magic close failed", Seconds(_effective ?? _config.Timeout));
            }
        }
    }

    /// <inheritdoc/>
    public void Abandon(TimeSpan now)
    {
        lock (_lock)
        {
            AbandonLocked("abandoned");
        }
    }

    /// <inheritdoc/>
    public WatchdogStatus Describe(TimeSpan now)
    {
        lock (_lock)
        {
            return new WatchdogStatus(
                _config.Device,
                _state,
                _kind,
                _config.Timeout,
                _effective,
                _pets,
                _state == WatchdogState.Armed && _lastPet is { } last ? now - last : null,
                _error,
                _warning);
        }
    }

    /// <summary>Closes without the magic close when still armed (see <see cref="IWatchdog.Abandon"/>).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            AbandonLocked("disposed without a disarm");
        }
    }

    private void AbandonLocked(string reason)
    {
        if (_state != WatchdogState.Armed)
        {
            return;
        }

        CloseLocked();
        _state = WatchdogState.Abandoned;
        WatchdogLog.Abandoned(_log, _config.Device, reason, Seconds(_effective ?? _config.Timeout));
    }

    private void ArmLocked(TimeSpan now)
    {
        int fd = _device.Open(_config.Device);
        if (fd < 0)
        {
            throw Fail(-fd, OpenProblem(-fd));
        }

        _fd = fd;
        int kindResult = _device.Kind(fd, out var kind);
        if (kindResult < 0)
        {
            throw FailAndClose(-kindResult, $"cannot tell what {_config.Device} is: statx: {Describe(kindResult)}");
        }

        _kind = kind;
        string detail;
        switch (kind)
        {
            case WatchdogFileKind.CharacterDevice:
                _effective = SetTimeout();
                detail = _effective < _config.Timeout
                    ? $" (the driver set {Seconds(_effective.Value)} s, less than the configured {Seconds(_config.Timeout)} s)"
                    : _effective > _config.Timeout
                        ? $" (the configured {Seconds(_config.Timeout)} s rounded up to whole seconds, as kernel watchdogs take them)"
                        : string.Empty;
                _warning = _effective < _config.Timeout
                    ? $"watchdog {_config.Device}: the driver set a timeout of {Seconds(_effective.Value)} s, shorter than the configured {Seconds(_config.Timeout)} s: pets must come sooner"
                    : null;
                break;
            case WatchdogFileKind.Fifo:
                // The stand-in takes its timeout on its command line; ioctls on a FIFO would fail with ENOTTY.
                _effective = _config.Timeout;
                detail = " (a FIFO: the lab stand-in, no ioctls; its timeout is the one on its command line)";
                _warning = $"watchdog {_config.Device} is a FIFO (the lab stand-in), not a kernel watchdog: only the stand-in resets this node";
                break;
            case WatchdogFileKind.RegularFile:
                _effective = _config.Timeout;
                detail = " (a regular file: no ioctls)";
                _warning = $"watchdog {_config.Device} is a regular file, not a watchdog device: NOTHING resets this node";
                break;
            default:
                throw FailAndClose(0, $"{_config.Device} is not a watchdog device (neither a character device nor the lab stand-in's FIFO)");
        }

        // The first pet starts the count afresh with the timeout just set, and tells the stand-in it is armed.
        int first = WriteByte(WatchdogIoctl.PetByte);
        if (first != 1)
        {
            throw FailAndClose(-first, $"the first pet failed: write: {Describe(first)}");
        }

        _state = WatchdogState.Armed;
        _lastPet = now;
        _pets++;
        _failedPets = 0;
        WatchdogLog.Armed(_log, _config.Device, WatchdogStatus.NameOf(kind), Seconds(_effective.Value), detail);
        if (_warning is not null)
        {
            WatchdogLog.Warning(_log, _warning);
        }
    }

    private TimeSpan SetTimeout()
    {
        int seconds = _config.WholeSeconds;
        int value = seconds;
        int set = _device.Ioctl(_fd, WatchdogIoctl.SetTimeout, ref value);
        if (set < 0)
        {
            var hint = -set == WatchdogIoctl.EInval
                ? $" ({seconds} s is outside the driver's range)"
                : -set == WatchdogIoctl.ENotTty ? " (it is not a watchdog device)" : string.Empty;
            throw FailAndClose(-set, $"ioctl WDIOC_SETTIMEOUT({seconds} s) refused by {_config.Device}: {Describe(set)}{hint}");
        }

        // Some drivers round to what the hardware can count; trust what the driver reports, not what was asked for.
        int readBack = value;
        int get = _device.Ioctl(_fd, WatchdogIoctl.GetTimeout, ref readBack);
        if (get < 0)
        {
            throw FailAndClose(-get, $"ioctl WDIOC_GETTIMEOUT refused by {_config.Device}: {Describe(get)}");
        }

        if (readBack <= 0 || readBack > seconds)
        {
            // A peer waits for the configured timeout rounded up (WatchdogConfig.ResetBound) before it takes over; a
            // device that waits longer would let it start while this node still runs.
            throw FailAndClose(0, $"{_config.Device} runs with a timeout of {readBack} s after WDIOC_SETTIMEOUT({seconds} s); more than {seconds} s would outlast the wait peers allow for it");
        }

        return TimeSpan.FromSeconds(readBack);
    }

    private string OpenProblem(int errno) => errno switch
    {
        WatchdogIoctl.ENoEnt => $"{_config.Device} does not exist (no watchdog driver loaded? load the hardware's driver, or softdog; in the lab, start lab/watchdog-standin.py)",
        WatchdogIoctl.EAccess or WatchdogIoctl.EPerm => $"permission denied opening {_config.Device} (the daemon must run as root)",
        WatchdogIoctl.EBusy => $"{_config.Device} is busy: another process holds it open (a watchdog has one user at a time: is watchdog(8), wdmd, sbd or systemd's RuntimeWatchdogSec using it?)",
        WatchdogIoctl.ENxio => $"no process reads {_config.Device} (a FIFO: is lab/watchdog-standin.py running?)",
        WatchdogIoctl.ENoDev => $"{_config.Device}: no such device (the driver is not bound to hardware)",
        WatchdogIoctl.EIsDir => $"{_config.Device} is a directory, not a watchdog device",
        _ => $"cannot open {_config.Device}: {Describe(-errno)}",
    };

    private int WriteByte(byte value)
    {
        int result;
        int attempts = 0;
        do
        {
            result = _device.Write(_fd, value);
        }
        while (result == -WatchdogIoctl.EIntr && ++attempts < 3);
        return result;
    }

    private void CloseLocked()
    {
        if (_fd >= 0)
        {
            _device.Close(_fd);
            _fd = -1;
        }
    }

    private WatchdogException FailAndClose(int errno, string message)
    {
        // A kernel watchdog counts from the moment it is opened: leave it with the magic close, or the node resets
        // after the driver's default timeout although the daemon never armed it.
        WriteByte(WatchdogIoctl.MagicClose);
        CloseLocked();
        return Fail(errno, message);
    }

    private static WatchdogException Fail(int errno, string message) => new(message) { Errno = errno };

    private static string Describe(int negatedErrno) =>
        negatedErrno >= 0 ? "short write" : $"{Marshal.GetPInvokeErrorMessage(-negatedErrno)} (errno {-negatedErrno})";

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
