using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// Real-time scheduling (SCHED_RR) for the threads that carry heartbeats: the event loop and the receive loops. A
/// process or thread that hogs the CPU (a build, a storm of API clients) then cannot delay a heartbeat, as Corosync
/// does by default. Linux schedules threads: each thread puts itself in the class. The kernel's real-time throttling
/// (sched_rt_runtime_us) still leaves the rest of the system its share.
/// </summary>
public static partial class Realtime
{
    private const int SchedRoundRobin = 2;

    // Children forked from these threads (agents, the guard) start with normal scheduling.
    private const int SchedResetOnFork = 0x40000000;

    private static int _priority;

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SetScheduler(int pid, int policy, in SchedParam param);

    /// <summary>The priority asked for (Daemon.realtime_priority; 0: normal scheduling).</summary>
    public static int Priority => _priority;

    /// <summary>Sets the priority the heartbeat threads ask for; call before starting them.</summary>
    public static void Configure(int priority) => _priority = priority;

    /// <summary>
    /// Puts the calling thread in SCHED_RR at the configured priority. Returns null on success or when disabled, else
    /// the reason (EPERM without root or CAP_SYS_NICE); the thread then keeps normal scheduling.
    /// </summary>
    public static string? EnterCurrentThread()
    {
        if (_priority <= 0)
        {
            return null;
        }

        // pid 0: the calling thread (scheduling policies are per thread on Linux).
        if (SetScheduler(0, SchedRoundRobin | SchedResetOnFork, new SchedParam { Priority = _priority }) == 0)
        {
            return null;
        }

        return $"sched_setscheduler(SCHED_RR, {_priority}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
    }
}
