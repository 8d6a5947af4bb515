using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SplitGuard.Daemon.Api.SbpSockets;

/// <summary>
/// Tells a half-closed unix stream socket (the peer shut down its sending side, reads return 0 but it may still read)
/// from one whose peer is gone completely: only the latter reports POLLHUP.
/// </summary>
internal static partial class SocketHangup
{
    private const short PollOut = 0x004;
    private const short PollErr = 0x008;
    private const short PollHup = 0x010;
    private const short PollNval = 0x020;

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeoutMs);

    /// <summary>True when the peer has closed both directions (or the socket is no longer usable).</summary>
    public static bool HungUp(Socket socket)
    {
        SafeHandle handle;
        try
        {
            handle = socket.SafeHandle;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = new PollFd { Fd = (int)handle.DangerousGetHandle(), Events = PollOut };
            int ready = Poll(ref fd, 1, 0);
            return ready > 0 && (fd.Revents & (PollHup | PollErr | PollNval)) != 0;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
