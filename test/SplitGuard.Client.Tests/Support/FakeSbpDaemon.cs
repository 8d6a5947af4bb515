using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SplitGuard.Client.Tests.Support;

/// <summary>A scripted sbp daemon: accepts clients, reads their registration, and writes whatever bytes the test gives.</summary>
public sealed class FakeSbpDaemon : IDisposable
{
    private readonly Socket _listener;

    public FakeSbpDaemon(string path)
    {
        Path = path;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(16);
    }

    public string Path { get; }

    /// <summary>Accepts one client and returns it with the cluster id it registered.</summary>
    public async Task<(Socket Client, ushort Cluster)> AcceptAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var client = await _listener.AcceptAsync(cts.Token);
        var id = new byte[2];
        int got = 0;
        while (got < 2)
        {
            int n = await client.ReceiveAsync(id.AsMemory(got), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException("the client closed before registering");
            }

            got += n;
        }

        return (client, MemoryMarshal.Read<ushort>(id));
    }

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(Path);
    }
}
