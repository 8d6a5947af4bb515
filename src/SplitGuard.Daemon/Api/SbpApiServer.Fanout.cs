using System.Threading.Channels;
using SplitGuard.Core.Links;
using SplitGuard.Daemon.Api.SbpSockets;

namespace SplitGuard.Daemon.Api;

/// <summary>Publishing (on the event loop) and fan-out to the clients (on the thread pool).</summary>
public sealed partial class SbpApiServer
{
    /// <summary>
    /// Queues <paramref name="e"/> for every client registered for its cluster, if sbp has a message for it. Called on the
    /// event loop under the engine lock (the alarm source's subscription): O(1), no I/O, no logging, no allocation.
    /// </summary>
    public void Publish(LinkEvent e)
    {
        if (_disposed || _pending is not { } pending || e.ToSbp() is not { } message)
        {
            return;
        }

        long sequence = Interlocked.Increment(ref _sequence);
        if (!pending.Writer.TryWrite(new SbpPending(sequence, message)))
        {
            InterlockedMax(ref _lostUpTo, sequence);
        }
    }

    private async Task Dispatch(ChannelReader<SbpPending> pending)
    {
        var bytes = new byte[32];
        try
        {
            await foreach (var item in pending.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    FanOut(item, bytes);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    DispatchFailed(_log, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private void FanOut(SbpPending item, byte[] bytes)
    {
        int n = item.Message.Format(bytes);
        foreach (var client in Volatile.Read(ref _registered))
        {
            if (client.Cluster == item.Message.Cluster && item.Sequence >= client.StartSequence && !client.TryEnqueue(bytes.AsSpan(0, n)))
            {
                Interlocked.Increment(ref _dropped);
                client.Close(DropReason.QueueFull);
            }
        }

        if (Interlocked.Exchange(ref _lostUpTo, 0) is > 0 and var lost)
        {
            DropAllBefore(lost);
        }
    }

    /// <summary>Events were lost: every client that should have had them reconnects and gets a correct replay.</summary>
    private void DropAllBefore(long lost)
    {
        int dropped = 0;
        foreach (var client in Volatile.Read(ref _registered))
        {
            if (client.StartSequence <= lost)
            {
                client.Close(DropReason.ServerStopping);
                dropped++;
            }
        }

        EventsLost(_log, PendingLimit, dropped);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen = Interlocked.Read(ref target);
        while (value > seen)
        {
            long was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }
}
