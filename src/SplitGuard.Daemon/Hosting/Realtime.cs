using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// Real-time scheduling (SCHED_RR) for the threads that carry heartbeats: the event loop and the receive loops. A
/// process or thread that hogs the CPU (a build, a storm of API clients) then cannot delay a heartbeat, as Corosync
/// does by default. Linux schedules threads: each thread puts itself in the class. The kernel's real-time throttling
/// (sched_rt_runtime_us) still leaves the rest of the system its share.
/// <para>
/// Not from the first instant: a .NET daemon's start-up (JIT compilation, type loading, first-time logging) costs its
/// event loop 60 to 160 ms of CPU in the first few hundred ms, and under SCHED_RR that CPU was taken from every
/// ordinary process on the core: a service's clients, on the node where a daemon (re)joined, saw answer gaps of 50 to
/// 120 ms (lab OwnerCrashTests, 2 cores). The threads therefore enter the class only after <see cref="Warmup"/> of
/// running under normal scheduling (<see cref="EnterWhenWarm"/>).
/// </para>
/// </summary>
public static partial class Realtime
{
    private const int SchedRoundRobin = 2;

    // Children forked from these threads (agents, the guard) start with normal scheduling.
    private const int SchedResetOnFork = 0x40000000;

    private static int _priority;
    private static long _warmAt;

    [ThreadStatic]
    private static bool t_entered;

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SetScheduler(int pid, int policy, in SchedParam param);

    /// <summary>The priority asked for (Daemon.realtime_priority; 0: normal scheduling).</summary>
    public static int Priority => _priority;

    /// <summary>How long the heartbeat threads run under normal scheduling after <see cref="Configure"/> (start-up).</summary>
    public static TimeSpan Warmup { get; private set; }

    /// <summary>
    /// Sets the priority the heartbeat threads ask for and starts the warm-up (<paramref name="warmup"/> from now); call
    /// before starting them.
    /// </summary>
    public static void Configure(int priority, TimeSpan warmup)
    {
        _priority = priority;
        Warmup = warmup;
        _warmAt = Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>
    /// Called by a heartbeat thread on each pass: once the warm-up is over, the first call puts the thread in SCHED_RR
    /// (<see cref="EnterCurrentThread"/>) and returns true with <paramref name="error"/> set when that failed; every
    /// other call returns false at once.
    /// </summary>
    public static bool EnterWhenWarm(out string? error)
    {
        error = null;
        if (t_entered || Stopwatch.GetTimestamp() < _warmAt)
        {
            return false;
        }

        t_entered = true;
        error = EnterCurrentThread();
        return true;
    }

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
