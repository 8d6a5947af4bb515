using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Hosting;

/// <summary>The process at the other end of a unix socket (SO_PEERCRED).</summary>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    public static PeerCredentials? Of(Socket socket)
    {
        Span<byte> buffer = stackalloc byte[12];
        try
        {
            int n = socket.GetRawSocketOption(SolSocket, SoPeerCred, buffer);
            if (n < 12)
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }

        return new PeerCredentials(MemoryMarshal.Read<int>(buffer), MemoryMarshal.Read<uint>(buffer[4..]), MemoryMarshal.Read<uint>(buffer[8..]));
    }

    /// <summary>True when the peer is root, runs as our own user, or is in group <paramref name="allowedGid"/> (primary or supplementary).</summary>
    public bool IsAllowed(uint ownUid, uint? allowedGid)
    {
        if (Uid == 0 || Uid == ownUid)
        {
            return true;
        }

        if (allowedGid is not { } gid)
        {
            return false;
        }

        if (Gid == gid)
        {
            return true;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("Groups:", StringComparison.Ordinal))
                {
                    return line[7..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(g => g == gid.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }
        catch (IOException)
        {
            // The process went away: not allowed.
        }

        return false;
    }
}
