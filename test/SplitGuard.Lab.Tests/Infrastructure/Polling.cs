using System.Diagnostics;

namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>Polls a condition on real processes until it holds (every 15 ms) or a timeout passes.</summary>
public static class Polling
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(15);

    /// <summary>
    /// Waits until <paramref name="condition"/> is true; returns how long that took. An exception from the
    /// condition counts as "not yet" and is reported if the wait times out. Throws
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="timeout"/>.
    /// </summary>
    public static Task<TimeSpan> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what);

    /// <inheritdoc cref="WaitUntilAsync(Func{bool}, TimeSpan, string)"/>
    public static async Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return watch.Elapsed;
                }

                last = null;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                last = ex;
            }

            if (watch.Elapsed >= timeout)
            {
                var detail = last is null ? string.Empty : $"; last error: {last.GetType().Name}: {last.Message}";
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:F1} s waiting until {what}{detail}", last);
            }

            await Task.Delay(Interval).ConfigureAwait(false);
        }
    }
}
