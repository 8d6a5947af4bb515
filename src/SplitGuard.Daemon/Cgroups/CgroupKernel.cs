using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Cgroups;

/// <summary>The real kernel: files through .NET, kill(2), the stopwatch.</summary>
public sealed partial class CgroupKernel : ICgroupKernel
{
    private const int SigKill = 9;

    public static CgroupKernel Instance { get; } = new();

    public TimeSpan Now => Stopwatch.GetElapsedTime(0);

    public bool Exists(string path) => Path.Exists(path);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public void RemoveDirectory(string path) => Directory.Delete(path, recursive: false);

    public string Read(string path) => File.ReadAllText(path);

    public void Write(string path, string text)
    {
        // cgroup files act on each write(2): one open, one write, no truncation games (FileMode.Open, not Create).
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        RandomAccess.Write(handle, System.Text.Encoding.ASCII.GetBytes(text), 0);
    }

    public bool Kill(int pid) => pid > 1 && pid != Environment.ProcessId && KillNative(pid, SigKill) == 0;

    // Polls of a freezing or emptying cgroup: the processes need the CPU we would spin on (2 cores), so sleep, but
    // briefly; the kernel usually answers within a millisecond.
    public void Pause() => Thread.Sleep(1);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int sig);
}
