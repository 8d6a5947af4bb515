using System.Diagnostics;

namespace SplitGuard.Lab.Tests.Booth;

/// <summary>
/// Samples every running member's own view of the holder (<c>booth list</c> against itself) every 250 ms while a
/// scenario runs, and checks booth's live-test invariant: at no sample do two members each name themselves as the
/// holder.
/// </summary>
public sealed class BoothMonitor : IAsyncDisposable
{
    private readonly BoothLab _lab;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public BoothMonitor(BoothLab lab)
    {
        _lab = lab;
        _loop = Task.Run(LoopAsync);
    }

    public List<(TimeSpan At, Dictionary<string, string> Views)> Samples { get; } = [];

    /// <summary>Samples where more than one member named itself.</summary>
    public List<string> DoubleHolders()
    {
        lock (Samples)
        {
            return Samples
                .Where(s => s.Views.Count(v => v.Key == v.Value) > 1)
                .Select(s => $"{s.At.TotalSeconds:F1} s: {string.Join(", ", s.Views.Select(v => $"{v.Key}->{v.Value}"))}")
                .ToList();
        }
    }

    public int Count
    {
        get
        {
            lock (Samples)
            {
                return Samples.Count;
            }
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var views = await _lab.LeadersAsync().ConfigureAwait(false);
                lock (Samples)
                {
                    Samples.Add((_clock.Elapsed, views));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // a member being killed or restarted: skip this sample
            }

            try
            {
                await Task.Delay(250, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
