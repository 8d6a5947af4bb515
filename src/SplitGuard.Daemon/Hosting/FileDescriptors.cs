using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// How close the process is to its open-file limit. The API servers refuse new clients while fewer than a reserve of
/// descriptors are left, so heartbeats, agents (pipes) and the runtime itself never run out: a .NET process that
/// cannot get a descriptor it needs may abort ("Out of memory").
/// </summary>
public static partial class FileDescriptors
{
    /// <summary>Descriptors kept free for everything but API clients.</summary>
    public const int Reserve = 128;

    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    /// <summary>The soft limit on open files now (prlimit may change it at any time), or null when unknown.</summary>
    public static long? SoftLimit() => GetRLimit(RlimitNofile, out var limit) == 0 && limit.Current < long.MaxValue ? (long)limit.Current : null;

    /// <summary>Descriptors open now, counted in /proc/self/fd; null when that cannot be read.</summary>
    public static int? OpenCount()
    {
        try
        {
            return Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long s_checkedAt = long.MinValue;
    private static int s_callsSinceCheck;
    private static bool s_near;

    /// <summary>
    /// True when fewer than <see cref="Reserve"/> descriptors are left below the soft limit. Counting /proc/self/fd costs
    /// an allocation per descriptor, so during a flood of connections the answer is reused for up to 100 ms or 16
    /// calls, whichever comes first (16 is well inside the reserve).
    /// </summary>
    public static bool NearLimit()
    {
        long now = Environment.TickCount64;
        if (now - Volatile.Read(ref s_checkedAt) < 100 && Interlocked.Increment(ref s_callsSinceCheck) < 16)
        {
            return Volatile.Read(ref s_near);
        }

        Volatile.Write(ref s_callsSinceCheck, 0);
        bool near = SoftLimit() is { } limit && OpenCount() is { } open && open >= limit - Reserve;
        Volatile.Write(ref s_near, near);
        Volatile.Write(ref s_checkedAt, now);
        return near;
    }
}
