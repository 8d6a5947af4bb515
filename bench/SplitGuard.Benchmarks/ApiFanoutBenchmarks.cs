using System.Net.Sockets;
using System.Runtime.Versioning;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;
using SplitGuard.Daemon.Api;
using SplitGuard.Protocol.Sbp;

namespace SplitGuard.Benchmarks;

/// <summary>
/// The sbp socket API's fan-out: one link event published by the daemon's event loop until every one of N registered
/// clients has read its 12-byte message from the real unix socket (the server's dispatcher, per-client queues and async
/// senders, and N blocking reads on the benchmark thread).
/// </summary>
[MemoryDiagnoser]
[SupportedOSPlatform("linux")]
public class ApiFanoutBenchmarks
{
    private readonly byte[] _buffer = new byte[64];
    private AlarmSource _source = null!;
    private SbpApiServer _server = null!;
    private Socket[] _clients = [];
    private string _dir = "";
    private bool _state;

    [Params(1, 100, 1000)]
    public int Clients { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("sg-fanout-").FullName;
        _source = new AlarmSource();
        var path = Path.Combine(_dir, "api.sock");
        _server = new SbpApiServer(path, null, _source, NullLogger.Instance) { MaxClients = Clients + 16 };
        _server.Start();
        _clients = new Socket[Clients];
        var register = BitConverter.GetBytes((ushort)1); // the cluster id, native order (sbp)
        for (int i = 0; i < Clients; i++)
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(path));
            s.Send(register);
            _clients[i] = s;
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (_server.RegisteredCount < Clients)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"only {_server.RegisteredCount} of {Clients} clients registered");
            }

            Thread.Sleep(10);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var s in _clients)
        {
            s.Dispose();
        }

        _server.Dispose();
        Directory.Delete(_dir, true);
    }

    /// <summary>Publish one udp link event (alternating out of and back in service), then read it on every client.</summary>
    [Benchmark]
    public int PublishToAllClients()
    {
        _state = !_state;
        _source.Raise(new LinkEvent(LinkEventKind.Link, 1, 2, 1, LinkType.Udp, _state, TimeSpan.Zero, "bench"));
        int total = 0;
        foreach (var s in _clients)
        {
            int got = 0;
            while (got < SbpMessage.LinkSize)
            {
                got += s.Receive(_buffer.AsSpan(got, SbpMessage.LinkSize - got));
            }

            total += got;
        }

        return total;
    }

    private sealed class AlarmSource : IAlarmSource
    {
        private readonly object _gate = new();
        private Action<LinkEvent>? _listener;

        public bool HasCluster(ushort cluster) => cluster == 1;

        public void WithActiveAlarms(ushort cluster, Action<IReadOnlyList<SbpMessage>> underLock)
        {
            lock (_gate)
            {
                underLock([]);
            }
        }

        public void Subscribe(Action<LinkEvent> listener) => _listener += listener;

        public void Raise(LinkEvent e)
        {
            lock (_gate)
            {
                _listener?.Invoke(e);
            }
        }
    }
}
