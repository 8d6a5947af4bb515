using System.ComponentModel;
using System.Runtime.InteropServices;

namespace SplitGuard.Lab.Tests.Api;

/// <summary>RLIMIT_NOFILE of another process through prlimit(2) (what `prlimit --pid P --nofile=N` does), and its open descriptors.</summary>
public static class FileLimit
{
    private const int RlimitNofile = 7;

    /// <summary>Sets <paramref name="pid"/>'s soft and hard open-file limits; returns the previous ones.</summary>
    public static (ulong Soft, ulong Hard) Set(int pid, ulong soft, ulong hard)
    {
        var limit = new RLimit { Current = soft, Max = hard };
        if (Prlimit(pid, RlimitNofile, ref limit, out var old) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"prlimit({pid}, RLIMIT_NOFILE, {soft}:{hard}) failed");
        }

        return (old.Current, old.Max);
    }

    /// <summary><paramref name="pid"/>'s soft and hard open-file limits.</summary>
    public static (ulong Soft, ulong Hard) Current(int pid)
    {
        if (Prlimit(pid, RlimitNofile, IntPtr.Zero, out var old) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"prlimit({pid}, RLIMIT_NOFILE) failed");
        }

        return (old.Current, old.Max);
    }

    /// <summary>Descriptors <paramref name="pid"/> has open (/proc/PID/fd).</summary>
    public static int OpenDescriptors(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    [DllImport("libc", EntryPoint = "prlimit", SetLastError = true)]
    private static extern int Prlimit(int pid, int resource, ref RLimit newLimit, out RLimit oldLimit);

    [DllImport("libc", EntryPoint = "prlimit", SetLastError = true)]
    private static extern int Prlimit(int pid, int resource, IntPtr newLimit, out RLimit oldLimit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }
}
