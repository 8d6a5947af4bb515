using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace SplitGuard.Daemon.Api;

/// <summary>The CLI side of the control socket.</summary>
public static class ControlClient
{
    /// <summary>Sends one request and returns the response; throws <see cref="IOException"/> naming the socket when the daemon is not reachable.</summary>
    public static JsonObject Send(string socketPath, JsonObject request, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.ReceiveTimeout = socket.SendTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            // A missing socket file reads "Cannot assign requested address" (EADDRNOTAVAIL) in .NET: say what it means.
            var reason = File.Exists(socketPath) ? e.Message : "no such socket";
            throw new IOException($"cannot reach the daemon at {socketPath}: {reason} (is `splitguard daemon` running with this config?)", e);
        }

        socket.Send(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"));
        using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var line = reader.ReadLine() ?? throw new IOException($"the daemon at {socketPath} closed the connection without answering");
        return JsonNode.Parse(line) as JsonObject ?? throw new IOException("the daemon's answer is not a JSON object");
    }
}
