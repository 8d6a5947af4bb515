using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SplitGuard.Daemon.Net;

/// <summary>One UDP socket per local link address, bound to <c>udp_port</c>; a receive thread per socket.</summary>
public sealed class UdpTransport : IDisposable
{
    private readonly Dictionary<IPAddress, Socket> _sockets = [];
    private readonly List<Thread> _threads = [];
    private readonly Action<Inbound> _deliver;
    private readonly ILogger _log;
    private volatile bool _stopping;

    public UdpTransport(IEnumerable<IPAddress> localAddresses, int port, Action<Inbound> deliver, ILogger log)
    {
        _deliver = deliver;
        _log = log;
        foreach (var address in localAddresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException e)
            {
                socket.Dispose();
                Dispose();
                throw new DaemonStartException($"cannot bind UDP {address}:{port}: {e.Message} (is the address configured on this node, is another daemon running?)", e);
            }

            _sockets.Add(address, socket);
        }
    }

    public void Start()
    {
        foreach (var (address, socket) in _sockets)
        {
            var thread = new Thread(() => ReceiveLoop(socket)) { IsBackground = true, Name = $"udp-rx {address}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    public long SendErrors { get; private set; }

    public void Send(IPAddress source, IPAddress destination, int port, byte[] bytes)
    {
        if (!_sockets.TryGetValue(source, out var socket))
        {
            return;
        }

        try
        {
            socket.SendTo(bytes, SocketFlags.None, new IPEndPoint(destination, port));
        }
        catch (SocketException)
        {
            // Unreachable networks are what heartbeats exist to detect; the link state machine reports it.
            SendErrors++;
        }
    }

    private void ReceiveLoop(Socket socket)
    {
        var buffer = new byte[2048];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        var addresses = new AddressCache();
        while (!_stopping)
        {
            try
            {
                int n = socket.ReceiveFrom(buffer, SocketFlags.None, from);
                Hosting.Realtime.EnterWhenWarm(out _); // after the start-up warm-up (the event loop logs the outcome)
                _deliver(new Inbound(Core.Links.Transport.Udp, addresses.Get(from.Buffer.Span[4..8]), buffer.AsSpan(0, n).ToArray()));
            }
            catch (SocketException e) when (!_stopping)
            {
                // ICMP port unreachable surfaces as ConnectionReset on the next receive: not an error of ours.
                if (e.SocketErrorCode != SocketError.ConnectionReset)
                {
                    Hosting.Log.ReceiveFailed(_log, "UDP", e.Message);
                    Thread.Sleep(10);
                }
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var socket in _sockets.Values)
        {
            socket.Dispose();
        }

        _sockets.Clear();
    }
}
