using System.Text;

namespace SplitGuard.Daemon.Agents;

/// <summary>Reads one output pipe of an agent, keeping the first <c>limit</c> bytes and dropping the rest.</summary>
internal sealed class OutputCapture
{
    private readonly MemoryStream _kept = new();
    private readonly int _limit;
    private bool _truncated;
    private long _received;

    private OutputCapture(int limit)
    {
        _limit = limit;
    }

    /// <summary>Completes at end of file, on cancellation, or when the pipe fails.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Starts reading <paramref name="stream"/> until end of file or <paramref name="cancellationToken"/>.</summary>
    public static OutputCapture Start(Stream stream, int limit, CancellationToken cancellationToken)
    {
        var capture = new OutputCapture(limit);
        capture.Completion = capture.ReadAsync(stream, cancellationToken);
        return capture;
    }

    /// <summary>Bytes read so far, kept or dropped.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>What was kept so far, decoded as UTF-8, and whether anything was dropped.</summary>
    public (string Text, bool Truncated) Snapshot()
    {
        lock (_kept)
        {
            return (Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length), _truncated);
        }
    }

    private async Task ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var chunk = new byte[8192];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                Interlocked.Add(ref _received, n);
                lock (_kept)
                {
                    var room = (int)Math.Max(0, _limit - _kept.Length);
                    _kept.Write(chunk, 0, Math.Min(n, room));
                    _truncated |= n > room;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // drained long enough, or the pipe went away: keep what was read
        }
    }
}
