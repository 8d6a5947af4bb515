using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Agents;

/// <summary>kill(2) for agent process groups.</summary>
internal static partial class ProcessGroups
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    private const int Esrch = 3;

    /// <summary>
    /// Sends SIGKILL to every process of group <paramref name="pgid"/>. Refuses group ids that could hit
    /// anything else (≤ 1, or this process's own). Returns null on success, or why it failed; a group that is
    /// already empty (ESRCH) counts as success.
    /// </summary>
    public static string? KillGroup(int pgid)
    {
        if (pgid <= 1 || pgid == Environment.ProcessId)
        {
            return $"refused to signal process group {pgid}";
        }

        if (Kill(-pgid, SigKill) == 0)
        {
            return null;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Esrch ? null : $"kill(-{pgid}, SIGKILL) failed: errno {errno}";
    }

    /// <summary>Sends SIGKILL to one process (not this one); null on success or when it is already gone.</summary>
    public static string? KillProcess(int pid)
    {
        if (pid <= 1 || pid == Environment.ProcessId)
        {
            return $"refused to signal process {pid}";
        }

        if (Kill(pid, SigKill) == 0)
        {
            return null;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Esrch ? null : $"kill({pid}, SIGKILL) failed: errno {errno}";
    }

    /// <summary>Sends SIGTERM to one process (not this one); false when refused or it is gone.</summary>
    public static bool TerminateProcess(int pid) => pid > 1 && pid != Environment.ProcessId && Kill(pid, SigTerm) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
