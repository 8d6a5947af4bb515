using System.Net.Sockets;
using SplitGuard.Daemon.Hosting;

namespace SplitGuard.Daemon.Api.SbpSockets;

/// <summary>
/// A listening unix stream socket for an API server: mode 0660, owned by the configured group, and an accept loop on the
/// thread pool that hands every accepted socket to the server. Accepting never blocks a thread.
/// </summary>
internal sealed class ApiListener : IDisposable
{
    private const int Backlog = 4096;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private int _started;

    /// <summary>Binds <paramref name="path"/>; throws <see cref="DaemonStartException"/> when it cannot.</summary>
    public ApiListener(string path, string? group, string what)
    {
        Path = path;
        GroupId = UnixIds.GroupId(group);
        if (group is not null && GroupId is null)
        {
            throw new DaemonStartException($"{what}: group '{group}' does not exist");
        }

        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            GroupApplied = GroupId is not { } gid || UnixIds.ChangeGroup(path, gid);
            _socket.Listen(Backlog);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartException($"cannot create {what} socket {path}: {e.Message}", e);
        }
    }

    public string Path { get; }

    /// <summary>The gid the socket file was given, or null when no group is configured.</summary>
    public uint? GroupId { get; }

    /// <summary>False when a group is configured but chown failed (not root, not a member).</summary>
    public bool GroupApplied { get; }

    public CancellationToken Stopping => _stop.Token;

    /// <summary>Starts accepting; <paramref name="accepted"/> runs on the thread pool for each connection and must not block.</summary>
    public void Start(Action<Socket> accepted, Action<SocketException> acceptFailed)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("already started");
        }

        _ = AcceptLoop(accepted, acceptFailed);
    }

    private async Task AcceptLoop(Action<Socket> accepted, Action<SocketException> acceptFailed)
    {
        await Task.Yield();
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE, ENFILE, ENOBUFS: back off a little instead of spinning, and keep serving (one log line a second).
                ReportFailure(acceptFailed, e);
                try
                {
                    await Task.Delay(50, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (Hosting.FileDescriptors.NearLimit())
            {
                // Keep a reserve of descriptors for heartbeats, agents and the runtime: this client is refused (EOF).
                client.Dispose();
                ReportFailure(acceptFailed, new SocketException((int)SocketError.TooManyOpenSockets));
                continue;
            }

            accepted(client);
        }
    }

    private long _lastFailureReport = long.MinValue;

    private void ReportFailure(Action<SocketException> acceptFailed, SocketException e)
    {
        long now = Environment.TickCount64;
        if (now - _lastFailureReport >= 1000)
        {
            _lastFailureReport = now;
            acceptFailed(e);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort.
        }
    }
}
