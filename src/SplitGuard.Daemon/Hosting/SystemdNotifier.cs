using System.Net.Sockets;
using System.Text;

namespace SplitGuard.Daemon.Hosting;

/// <summary>sd_notify: one datagram to <c>$NOTIFY_SOCKET</c> (a path, or an abstract name starting with '@').</summary>
public static class SystemdNotifier
{
    /// <summary>Sends <paramref name="state"/> (e.g. "READY=1"); returns false when not under systemd or on error.</summary>
    public static bool Notify(string state, string? socketPath = null)
    {
        socketPath ??= Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(socketPath))
        {
            return false;
        }

        if (socketPath[0] == '@')
        {
            socketPath = "\0" + socketPath[1..];
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
