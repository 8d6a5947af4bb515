using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Watchdog;

/// <summary>The real syscalls behind <see cref="IWatchdogDevice"/> (glibc on Linux x86-64 and arm64).</summary>
public sealed partial class LinuxWatchdogDevice : IWatchdogDevice
{
    /// <summary>The one instance; it has no state.</summary>
    public static readonly LinuxWatchdogDevice Instance = new();

    private const int OWriteOnly = 0x1;

    // Kernel watchdog drivers ignore O_NONBLOCK; for the stand-in's FIFO it makes open fail at once (ENXIO) when no
    // stand-in reads, instead of hanging the daemon, and makes a pet into a full pipe fail instead of blocking.
    private const int ONonBlock = 0x800;
    private const int OCloseOnExec = 0x80000;

    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;

    // struct statx: stx_mask u32, stx_blksize u32, stx_attributes u64, stx_nlink u32, stx_uid u32, stx_gid u32,
    // stx_mode u16 at byte 28. The struct is 256 bytes and has the same layout on every architecture, unlike stat.
    private const int StatxSize = 256;
    private const int StatxModeOffset = 28;
    private const int FileTypeMask = 0xF000;
    private const int FileTypeFifo = 0x1000;
    private const int FileTypeCharacter = 0x2000;
    private const int FileTypeRegular = 0x8000;

    private LinuxWatchdogDevice()
    {
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeOpen(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int NativeStatx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int NativeIoctl(int fd, nuint request, ref int value);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint NativeWrite(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int NativeClose(int fd);

    /// <inheritdoc/>
    public int Open(string path)
    {
        int fd = NativeOpen(path, OWriteOnly | ONonBlock | OCloseOnExec);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <inheritdoc/>
    public unsafe int Kind(int fd, out WatchdogFileKind kind)
    {
        kind = WatchdogFileKind.Unknown;
        byte* buffer = stackalloc byte[StatxSize];
        if (NativeStatx(fd, string.Empty, AtEmptyPath, StatxType, buffer) != 0)
        {
            return -Marshal.GetLastPInvokeError();
        }

        kind = (*(ushort*)(buffer + StatxModeOffset) & FileTypeMask) switch
        {
            FileTypeCharacter => WatchdogFileKind.CharacterDevice,
            FileTypeFifo => WatchdogFileKind.Fifo,
            FileTypeRegular => WatchdogFileKind.RegularFile,
            _ => WatchdogFileKind.Other,
        };
        return 0;
    }

    /// <inheritdoc/>
    public int Ioctl(int fd, uint request, ref int value) =>
        NativeIoctl(fd, request, ref value) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <inheritdoc/>
    public unsafe int Write(int fd, byte value)
    {
        nint written = NativeWrite(fd, &value, 1);
        return written >= 0 ? (int)written : -Marshal.GetLastPInvokeError();
    }

    /// <inheritdoc/>
    public int Close(int fd) => NativeClose(fd) == 0 ? 0 : -Marshal.GetLastPInvokeError();
}
