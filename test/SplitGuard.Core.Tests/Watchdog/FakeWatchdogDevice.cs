using SplitGuard.Daemon.Watchdog;
using Xunit;

namespace SplitGuard.Core.Tests.Watchdog;

/// <summary>
/// A watchdog device in memory: records every syscall as text ("open /dev/watchdog", "ioctl SETTIMEOUT 3",
/// "write ." ...) and answers as a kernel driver would, or with the errno a test sets.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class FakeWatchdogDevice : IWatchdogDevice
{
    private const int Fd = 7;

    public List<string> Calls { get; } = [];

    public WatchdogFileKind FileKind { get; set; } = WatchdogFileKind.CharacterDevice;

    /// <summary>errno open fails with, or 0.</summary>
    public int OpenErrno { get; set; }

    /// <summary>errno WDIOC_SETTIMEOUT fails with, or 0.</summary>
    public int SetTimeoutErrno { get; set; }

    /// <summary>What the driver makes of a requested timeout (default: exactly that).</summary>
    public Func<int, int> DriverTimeout { get; set; } = seconds => seconds;

    /// <summary>errno the next writes fail with, or 0.</summary>
    public int WriteErrno { get; set; }

    /// <summary>The bytes written since the last open, as text.</summary>
    public string Written { get; private set; } = string.Empty;

    public bool IsOpen { get; private set; }

    private int _timeout = 60;

    public int Open(string path)
    {
        Calls.Add($"open {path}");
        if (OpenErrno != 0)
        {
            return -OpenErrno;
        }

        Assert.False(IsOpen, "opened twice without a close");
        IsOpen = true;
        Written = string.Empty;
        return Fd;
    }

    public int Kind(int fd, out WatchdogFileKind kind)
    {
        Assert.Equal(Fd, fd);
        kind = FileKind;
        return 0;
    }

    public int Ioctl(int fd, uint request, ref int value)
    {
        Assert.Equal(Fd, fd);
        Assert.True(IsOpen);
        if (FileKind != WatchdogFileKind.CharacterDevice)
        {
            Calls.Add($"ioctl {request:X8} on a {FileKind}");
            return -25;
        }

        switch (request)
        {
            case WatchdogIoctl.SetTimeout:
                Calls.Add($"ioctl SETTIMEOUT {value}");
                if (SetTimeoutErrno != 0)
                {
                    return -SetTimeoutErrno;
                }

                _timeout = DriverTimeout(value);
                value = _timeout;
                return 0;
            case WatchdogIoctl.GetTimeout:
                Calls.Add("ioctl GETTIMEOUT");
                value = _timeout;
                return 0;
            default:
                Calls.Add($"ioctl {request:X8}");
                return -22;
        }
    }

    public int Write(int fd, byte value)
    {
        Assert.Equal(Fd, fd);
        Assert.True(IsOpen, "write on a closed device");
        Calls.Add($"write {(char)value}");
        if (WriteErrno != 0)
        {
            return -WriteErrno;
        }

        Written += (char)value;
        return 1;
    }

    public int Close(int fd)
    {
        Assert.Equal(Fd, fd);
        Calls.Add("close");
        IsOpen = false;
        return 0;
    }
}
