namespace SplitGuard.Daemon.Watchdog;

/// <summary>
/// The Linux watchdog API (include/uapi/linux/watchdog.h): request numbers as _IOR/_IOWR('W', nr, int) encode them on
/// x86-64 and arm64 (direction in bits 30-31, size 4 in bits 16-29, 'W' in bits 8-15), and the errno values used.
/// </summary>
public static class WatchdogIoctl
{
    /// <summary>_IOR('W', 5, int): pet.</summary>
    public const uint KeepAlive = 0x80045705;

    /// <summary>_IOWR('W', 6, int): set the timeout in whole seconds; the driver writes back what it set.</summary>
    public const uint SetTimeout = 0xC0045706;

    /// <summary>_IOR('W', 7, int): read the timeout in whole seconds.</summary>
    public const uint GetTimeout = 0x80045707;

    /// <summary>The character whose write before close disarms the device ("magic close").</summary>
    public const byte MagicClose = (byte)'V';

    /// <summary>What a pet writes; any byte but the magic one would do.</summary>
    public const byte PetByte = (byte)'.';

    internal const int EPerm = 1;
    internal const int ENoEnt = 2;
    internal const int EIntr = 4;
    internal const int ENxio = 6;
    internal const int EAgain = 11;
    internal const int EAccess = 13;
    internal const int EBusy = 16;
    internal const int ENoDev = 19;
    internal const int EIsDir = 21;
    internal const int EInval = 22;
    internal const int ENotTty = 25;
    internal const int EPipe = 32;
}
