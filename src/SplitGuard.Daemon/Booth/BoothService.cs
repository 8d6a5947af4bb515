using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SplitGuard.Core.Config;
using SplitGuard.Core.Tickets;
using SplitGuard.Daemon.Resources;

namespace SplitGuard.Daemon.Booth;

/// <summary>
/// The shell around <see cref="TicketEngine"/>: booth's UDP socket and TCP client listener on this member's address
/// and port, one loop that owns the engine (datagrams, client requests, handler results and ticks are queued to it as
/// closures), the HMAC key and replay window, per-member counters, the before-acquire-handler and crm_ticket.
/// </summary>
public sealed partial class BoothService : IAsyncDisposable
{
    private readonly Channel<Action> _inbox = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, BoothClientConnection> _clients = [];
    private readonly BoothPeerCounters[] _counters;
    private readonly ReplayWindow _replay;
    private readonly ILogger _logger;
    private readonly CrmTicket? _crmTicket;
    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly CancellationTokenSource _stop = new();
    private long _nextClient;
    private (uint Secs, uint Usecs) _lastStamp;

    private readonly ResourceManager? _resources;
    private readonly BoothTicketConfig? _boundTicket;

    public BoothService(BoothConfig config, string configPath, BoothMember local, byte[] key, ILogger logger, int seed, ResourceManager? resources = null)
    {
        _resources = resources;
        _boundTicket = config.ResourcesTicket is { } bound ? config.Ticket(bound) : null;
        Config = config;
        ConfigPath = configPath;
        Local = local;
        Key = key;
        _logger = logger;
        Engine = new TicketEngine(config, local, seed);
        _counters = config.Members.Select(_ => new BoothPeerCounters()).ToArray();
        _replay = new ReplayWindow(config.Members.Count, config.MaxTimeSkew);
        _crmTicket = local.IsSite ? CrmTicket.Find() : null;
        var endpoint = new IPEndPoint(local.Address, local.Port);
        _udp = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _tcp = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _udp.Bind(endpoint);
            _tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _tcp.Bind(endpoint);
            _tcp.Listen(16);
        }
        catch (SocketException e)
        {
            _udp.Dispose();
            _tcp.Dispose();
            throw new DaemonStartException($"cannot bind {endpoint} (UDP and TCP): {e.Message}", e);
        }
    }

    public BoothConfig Config { get; }

    public string ConfigPath { get; }

    public BoothMember Local { get; }

    /// <summary>The authfile key; empty without authentication.</summary>
    public byte[] Key { get; }

    public TicketEngine Engine { get; }

    /// <summary>Packets whose <c>from</c> is no member.</summary>
    public long UnknownSenders { get; private set; }

    private static long NowMs => Environment.TickCount64;

    /// <summary>Runs until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var token = linked.Token;
        BoothLog.Starting(_logger, Local.IsSite ? "site" : "arbitrator", Local.Address.ToString(), Local.Port, $"0x{Local.Id:x8}",
            Config.Tickets.Count, Config.Members.Count, Key.Length > 0 ? "HMAC-SHA1" : "off", Config.MillisecondUnits ? "ms" : "s");

        if (_crmTicket is not null)
        {
            foreach (var name in Engine.TicketNames)
            {
                if (await _crmTicket.LoadAsync(name, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), token).ConfigureAwait(false) is { } state)
                {
                    Apply(Engine.Load(name, state, NowMs));
                }
            }
        }

        Apply(Engine.Start(NowMs));
        var receiver = ReceiveLoopAsync(token);
        var acceptor = AcceptLoopAsync(token);
        var ticker = TickLoopAsync(token);
        try
        {
            await foreach (var work in _inbox.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                work();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            BoothLog.Stopping(_logger);
            if (_resources is not null)
            {
                _resources.Apply(false);
                _resources.StopAndWait(TimeSpan.FromSeconds(60));
            }

            _udp.Dispose();
            _tcp.Dispose();
            foreach (var c in _clients.Values)
            {
                c.Close();
            }

            await Task.WhenAll(Quiet(receiver), Quiet(acceptor), Quiet(ticker)).ConfigureAwait(false);
        }
    }

    /// <summary>The ticket constraint: SplitGuard's resources follow <see cref="TicketBinding.ShouldRun"/>.</summary>
    private void BindResources(long now)
    {
        if (_resources is not null && _boundTicket is not null)
        {
            _resources.Apply(TicketBinding.ShouldRun(Engine.View(_boundTicket.Name, now), Local, _boundTicket, now));
        }
    }

    /// <summary>Stops <see cref="RunAsync"/>.</summary>
    public void Stop() => _stop.Cancel();

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _udp.Dispose();
        _tcp.Dispose();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Post(Action work) => _inbox.Writer.TryWrite(work);

    private async Task TickLoopAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Engine.PollIntervalMs));
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            Post(() =>
            {
                var now = NowMs;
                Apply(Engine.Tick(now));
                BindResources(now);
            });
        }
    }

    private static async Task Quiet(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopping
        }
    }

    /// <summary>A timestamp for an outgoing authenticated message: wall-clock seconds and microseconds, strictly
    /// increasing from this sender (booth's receivers compare the pair).</summary>
    private (uint Secs, uint Usecs) Stamp()
    {
        var now = DateTimeOffset.UtcNow;
        var secs = (uint)now.ToUnixTimeSeconds();
        var usecs = (uint)(now.ToUnixTimeMilliseconds() % 1000 * 1000) + (uint)(now.Ticks / 10 % 1000);
        if (secs < _lastStamp.Secs || (secs == _lastStamp.Secs && usecs <= _lastStamp.Usecs))
        {
            (secs, usecs) = _lastStamp.Usecs >= 999_999 ? (_lastStamp.Secs + 1, 0u) : (_lastStamp.Secs, _lastStamp.Usecs + 1);
        }

        _lastStamp = (secs, usecs);
        return _lastStamp;
    }
}
