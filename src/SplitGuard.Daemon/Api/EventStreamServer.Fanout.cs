using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using SplitGuard.Core.Links;
using SplitGuard.Daemon.Api.SbpSockets;

namespace SplitGuard.Daemon.Api;

/// <summary>Publishing (on the event loop) and formatting plus fan-out to the clients (on the thread pool).</summary>
public sealed partial class EventStreamServer
{
    /// <summary>Queues one line for <paramref name="e"/>, stamped now. O(1): no formatting, no I/O, no logging.</summary>
    public void Publish(LinkEvent e)
    {
        if (_disposed || Volatile.Read(ref _clients).Length == 0)
        {
            return;
        }

        Enqueue(new EventPending(e, _time.GetLocalNow(), null));
    }

    /// <summary>
    /// Queues one line of kind <paramref name="kind"/>: <c>time</c> and <c>kind</c> first, then the fields
    /// <paramref name="fields"/> writes (property name/value pairs, no enclosing object), formatted now on the caller's
    /// thread. For the daemon's other events (peers, leases, resources, decisions). Never blocks, never logs.
    /// </summary>
    public void Publish(string kind, Action<Utf8JsonWriter> fields)
    {
        if (_disposed || Volatile.Read(ref _clients).Length == 0)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            WriteHead(json, kind, _time.GetLocalNow());
            fields(json);
            json.WriteEndObject();
        }

        buffer.Write("\n"u8);
        Enqueue(new EventPending(null, default, buffer.WrittenSpan.ToArray()));
    }

    private void Enqueue(EventPending item)
    {
        if (_pending is { } pending && !pending.Writer.TryWrite(item))
        {
            Interlocked.Increment(ref _lost);
        }
    }

    private async Task Dispatch(ChannelReader<EventPending> pending)
    {
        try
        {
            await foreach (var item in pending.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    if (Interlocked.Exchange(ref _lost, 0) is > 0 and var lost)
                    {
                        Send(Format("events_lost", _time.GetLocalNow(), json => json.WriteNumber("count", lost)));
                    }

                    Send(item.Line ?? Format(KindName(item.Event!.Kind), item.Time, json => WriteLinkEvent(json, item.Event)));
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

    private ReadOnlySpan<byte> Format(string kind, DateTimeOffset time, Action<Utf8JsonWriter> fields)
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        WriteHead(_json, kind, time);
        fields(_json);
        _json.WriteEndObject();
        _json.Flush();
        _line.Write("\n"u8);
        return _line.WrittenSpan;
    }

    private static void WriteHead(Utf8JsonWriter json, string kind, DateTimeOffset time)
    {
        json.WriteStartObject();
        json.WriteString("time", time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture));
        json.WriteString("kind", kind);
    }

    private void Send(ReadOnlySpan<byte> line)
    {
        foreach (var client in Volatile.Read(ref _clients))
        {
            if (!client.TryEnqueue(line))
            {
                Interlocked.Increment(ref _dropped);
                client.Close(DropReason.QueueFull);
            }
        }
    }
}
