namespace SplitGuard.Daemon.Watchdog;

/// <summary>
/// The few syscalls a watchdog needs, behind a seam so <see cref="DeviceWatchdog"/> is tested against a fake: arming a
/// real watchdog in a test would reset the machine running it. Every call returns a non-negative result or the
/// negated errno, so fakes need no thread-local error state.
/// </summary>
public interface IWatchdogDevice
{
    /// <summary>open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC): the descriptor, or -errno.</summary>
    int Open(string path);

    /// <summary>What the open descriptor is (statx on the descriptor itself, so no race with the path): 0, or -errno.</summary>
    int Kind(int fd, out WatchdogFileKind kind);

    /// <summary>ioctl(fd, request, &amp;value) for the int-sized watchdog requests: 0, or -errno.</summary>
    int Ioctl(int fd, uint request, ref int value);

    /// <summary>write(fd, &amp;value, 1): 1, or -errno.</summary>
    int Write(int fd, byte value);

    /// <summary>close(fd): 0, or -errno (the descriptor is gone either way, as on Linux).</summary>
    int Close(int fd);
}
