using System.Diagnostics;

namespace SplitGuard.Lab.Tests.Api;

/// <summary>
/// Measures this process's own responsiveness while a client in it is measured: every 10 ms a thread of its own queues
/// a work item to the thread pool and records how long it waited to run; GC pauses are counted too. A late callback of
/// the in-process .NET client is only the daemon's fault if this process was responsive.
/// </summary>
public sealed class ThreadPoolProbe : IDisposable
{
    private readonly Thread _thread;
    private readonly object _gate = new();
    private readonly List<(DateTimeOffset At, double DelayMs, int Threads, long Pending)> _samples = [];
    private readonly TimeSpan _gcPauseAtStart = GC.GetTotalPauseDuration();
    private volatile bool _stop;

    private ThreadPoolProbe()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "thread pool probe" };
    }

    public static ThreadPoolProbe Start()
    {
        var probe = new ThreadPoolProbe();
        probe._thread.Start();
        return probe;
    }

    /// <summary>The longest wait of a work item for a pool thread, ms, between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public double MaxDelayMs(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_gate)
        {
            return _samples.Where(s => s.At >= from && s.At <= to).Select(s => s.DelayMs).DefaultIfEmpty().Max();
        }
    }

    /// <summary>One line: the worst pool delay, thread counts and GC pauses since the start.</summary>
    public string Describe()
    {
        lock (_gate)
        {
            var worst = _samples.OrderByDescending(s => s.DelayMs).FirstOrDefault();
            return $"this process: worst thread-pool dispatch delay {worst.DelayMs:F1} ms at {worst.At:HH:mm:ss.fff} ({worst.Threads} pool threads, {worst.Pending} work items pending); " +
                $"pool threads {_samples.Select(s => s.Threads).DefaultIfEmpty().Min()}-{_samples.Select(s => s.Threads).DefaultIfEmpty().Max()}; " +
                $"GC pauses {(GC.GetTotalPauseDuration() - _gcPauseAtStart).TotalMilliseconds:F1} ms";
        }
    }

    private void Run()
    {
        using var ran = new ManualResetEventSlim();
        while (!_stop)
        {
            ran.Reset();
            var queued = Stopwatch.GetTimestamp();
            var at = DateTimeOffset.Now;
            ThreadPool.UnsafeQueueUserWorkItem(static e => e.Set(), ran, preferLocal: false);
            ran.Wait(TimeSpan.FromSeconds(5));
            var delay = Stopwatch.GetElapsedTime(queued).TotalMilliseconds;
            lock (_gate)
            {
                _samples.Add((at, delay, ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount));
            }

            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(6));
    }
}
