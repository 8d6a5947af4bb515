using System.Runtime.ExceptionServices;

namespace SplitGuard.Client;

/// <summary>
/// A client of SplitGuard's sbp-compatible socket API. It connects to the unix socket, registers a cluster id and
/// receives typed events: the cluster's active alarms at once, then every change as it happens. It reconnects with
/// backoff, and after each (re)connection rebuilds <see cref="ActiveAlarms"/> from the daemon's replay.
/// </summary>
/// <remarks>
/// Use it like sbp's Python library (a callback, with <see cref="Start"/>/<see cref="Stop"/> on its own thread or a
/// blocking <see cref="Run"/>), or as an async stream with <see cref="ReadEventsAsync"/>. One instance reads one stream at
/// a time.
/// <code>
/// using var client = new SbpClient(1000, e => Console.WriteLine(e), "/run/splitguard.sock");
/// client.Start();
/// ...
/// client.Stop();
///
/// await foreach (var e in new SbpClient(1000).ReadEventsAsync(stoppingToken))
/// {
///     if (e.MessageType == SbpMessageType.UdpPath &amp;&amp; !e.InService) { /* the peer is unreachable over udp */ }
/// }
/// </code>
/// </remarks>
public sealed partial class SbpClient : IDisposable
{
    /// <summary>SplitGuard's default API socket.</summary>
    public const string DefaultSocketPath = "/run/splitguard.sock";

    private readonly Action<SbpEvent>? _callback;
    private readonly SbpClientOptions _options;
    private readonly object _gate = new();
    private readonly HashSet<SbpEvent> _alarms = [];
    private Thread? _thread;
    private CancellationTokenSource? _stop;
    private Exception? _fault;
    private int _reading;
    private volatile bool _connected;

    /// <summary>A client for cluster <paramref name="clusterId"/>.</summary>
    /// <param name="clusterId">The cluster to register, as in sbp's configuration.</param>
    /// <param name="callback">Called for every event by <see cref="Start"/> and <see cref="Run"/>; not needed for <see cref="ReadEventsAsync"/>.</param>
    /// <param name="socketPath">The daemon's API socket (<c>api.socket</c>).</param>
    /// <param name="options">Reconnection settings.</param>
    public SbpClient(ushort clusterId, Action<SbpEvent>? callback = null, string socketPath = DefaultSocketPath, SbpClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ClusterId = clusterId;
        SocketPath = socketPath;
        _callback = callback;
        _options = options ?? new SbpClientOptions();
    }

    /// <summary>Raised (on the reading thread) after each successful connection and registration, before its first event.</summary>
    public event EventHandler? Connected;

    /// <summary>Raised (on the reading thread) when a connection ends; the argument is the error, or null when the daemon closed it.</summary>
    public event EventHandler<Exception?>? Disconnected;

    /// <summary>The registered cluster id.</summary>
    public ushort ClusterId { get; }

    /// <summary>The daemon's API socket.</summary>
    public string SocketPath { get; }

    /// <summary>True while connected and registered.</summary>
    public bool IsConnected => _connected;

    /// <summary>
    /// The out-of-service alarms currently known (all with state 0): rebuilt from the daemon's replay after each
    /// connection, then kept up to date by live events. Empty while no connection was made.
    /// </summary>
    public IReadOnlyList<SbpEvent> ActiveAlarms
    {
        get
        {
            lock (_gate)
            {
                return [.. _alarms.OrderBy(a => a.NodeId).ThenBy(a => (ushort)a.MessageType).ThenBy(a => a.LinkId ?? 0)];
            }
        }
    }

    /// <summary>The exception the callback threw on the <see cref="Start"/> thread, which ended it; null otherwise.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Runs the client on its own background thread, calling the callback for every event, until <see cref="Stop"/>.</summary>
    public void Start()
    {
        RequireCallback();
        lock (_gate)
        {
            if (_thread is not null)
            {
                throw new InvalidOperationException("the client is already started");
            }

            var stop = new CancellationTokenSource();
            _stop = stop;
            _fault = null;
            _thread = new Thread(() =>
            {
                try
                {
                    RunCore(stop.Token);
                }
                catch (Exception e)
                {
                    Volatile.Write(ref _fault, e);
                }
            })
            {
                IsBackground = true,
                Name = $"sbp-client-{ClusterId}",
            };
            _thread.Start();
        }
    }

    /// <summary>
    /// Stops <see cref="Start"/> or <see cref="Run"/> (callable from the callback too) and waits for the thread to end.
    /// Rethrows an exception the callback threw on the <see cref="Start"/> thread.
    /// </summary>
    public void Stop()
    {
        Thread? thread;
        lock (_gate)
        {
            _stop?.Cancel();
            thread = _thread;
            _thread = null;
        }

        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join();
        }

        if (Interlocked.Exchange(ref _fault, null) is { } fault)
        {
            ExceptionDispatchInfo.Capture(fault).Throw();
        }
    }

    /// <summary>Runs the client on the calling thread, calling the callback for every event, until <see cref="Stop"/> or cancellation.</summary>
    public void Run(CancellationToken cancellationToken = default)
    {
        RequireCallback();
        CancellationTokenSource stop;
        lock (_gate)
        {
            stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _stop = stop;
        }

        try
        {
            RunCore(stop.Token);
        }
        finally
        {
            lock (_gate)
            {
                if (_stop == stop)
                {
                    _stop = null;
                }
            }

            stop.Dispose();
        }
    }

    private void RunCore(CancellationToken token)
    {
        var events = ReadEventsAsync(token).GetAsyncEnumerator(token);
        try
        {
            while (events.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                _callback!(events.Current);
                if (token.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
        finally
        {
            events.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private void RequireCallback()
    {
        if (_callback is null)
        {
            throw new InvalidOperationException("this client has no callback; pass one to the constructor or use ReadEventsAsync");
        }
    }

    /// <summary>Stops the client thread if any (without rethrowing a callback fault).</summary>
    public void Dispose()
    {
        try
        {
            Stop();
        }
        catch (Exception)
        {
            // Dispose does not throw; Fault was already reported to whoever called Stop, or is lost by choice.
        }
    }
}
