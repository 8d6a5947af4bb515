using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SplitGuard.Client;

/// <summary>The connection, registration, decoding and reconnection behind every way of reading events.</summary>
public sealed partial class SbpClient
{
    private const int ReceiveBuffer = 4096;

    /// <summary>
    /// Connects, registers and yields every event: first the cluster's active alarms (the replay), then live changes.
    /// Reconnects with backoff (unless <see cref="SbpClientOptions.Reconnect"/> is false, when the stream ends with the
    /// connection); each new connection resets <see cref="ActiveAlarms"/> and rebuilds it from the replay. Ends with
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another read of this client is running.</exception>
    /// <exception cref="SocketException">The first connection failed and reconnecting is off.</exception>
    public async IAsyncEnumerable<SbpEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException("this client is already reading; one instance reads one stream at a time");
        }

        try
        {
            var buffer = new byte[ReceiveBuffer];
            var batch = new List<SbpEvent>();
            var delay = _options.InitialReconnectDelay;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var socket = await ConnectAsync(cancellationToken).ConfigureAwait(false);
                bool received = false;
                if (socket is not null)
                {
                    using (socket)
                    {
                        lock (_gate)
                        {
                            _alarms.Clear();
                        }

                        _connected = true;
                        Connected?.Invoke(this, EventArgs.Empty);
                        int filled = 0;
                        Exception? error = null;
                        while (error is null)
                        {
                            (int n, error) = await ReceiveAsync(socket, buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                            if (n <= 0)
                            {
                                break;
                            }

                            filled += n;
                            int consumed = Decode(buffer.AsSpan(0, filled), batch, out error);
                            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                            filled -= consumed;
                            foreach (var e in batch)
                            {
                                cancellationToken.ThrowIfCancellationRequested();
                                received = true;
                                yield return e;
                            }

                            batch.Clear();
                        }

                        _connected = false;
                        Disconnected?.Invoke(this, error);
                    }
                }

                if (!_options.Reconnect)
                {
                    yield break;
                }

                if (received)
                {
                    delay = _options.InitialReconnectDelay;
                }

                await Task.Delay(Jitter(delay), cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
            }
        }
        finally
        {
            _connected = false;
            Volatile.Write(ref _reading, 0);
        }
    }

    /// <summary>Parses whole messages into <paramref name="batch"/> and applies them to the alarm set; returns the bytes used.</summary>
    private int Decode(ReadOnlySpan<byte> data, List<SbpEvent> batch, out Exception? error)
    {
        error = null;
        int at = 0;
        while (at < data.Length)
        {
            int n = SbpWire.TryParse(data[at..], out var message);
            if (n == 0)
            {
                break;
            }

            if (n < 0)
            {
                error = new InvalidDataException($"not an sbp message at byte {at}: {Convert.ToHexString(data[at..Math.Min(data.Length, at + 14)])}");
                break;
            }

            var e = SbpEvent.From(message);
            Apply(e);
            batch.Add(e);
            at += n;
        }

        return at;
    }

    private void Apply(SbpEvent e)
    {
        lock (_gate)
        {
            if (e.InService)
            {
                _alarms.Remove(e with { State = 0 });
            }
            else
            {
                _alarms.Add(e);
            }
        }
    }

    private async Task<Socket?> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken).ConfigureAwait(false);
            var id = new byte[2];
            MemoryMarshal.Write(id, ClusterId);
            await socket.SendAsync(id, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException) when (_options.Reconnect)
        {
            socket.Dispose();
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<(int Count, Exception? Error)> ReceiveAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return (await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false), null);
        }
        catch (SocketException e)
        {
            return (-1, e);
        }
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
}
