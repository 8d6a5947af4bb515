using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SplitGuard.Daemon.Hosting;

namespace SplitGuard.Daemon.Api;

/// <summary>
/// The control socket: one JSON request line in, one JSON response line out, then close.
/// Only root, the daemon's own user, or members of the configured group are served (SO_PEERCRED).
/// </summary>
public sealed class ControlServer : IDisposable
{
    public const int MaxRequestBytes = 64 * 1024;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private readonly Socket _listener;
    private readonly string _path;
    private readonly uint? _allowedGid;
    private readonly Func<JsonObject, JsonObject> _handle;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();

    public ControlServer(string path, string? group, Func<JsonObject, JsonObject> handle, ILogger log)
    {
        _path = path;
        _handle = handle;
        _log = log;
        _allowedGid = UnixIds.GroupId(group);
        if (group is not null && _allowedGid is null)
        {
            throw new DaemonStartException($"control group '{group}' does not exist");
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(64);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            if (_allowedGid is { } gid)
            {
                UnixIds.ChangeGroup(path, gid);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartException($"cannot create control socket {path}: {e.Message}", e);
        }
    }

    public void Start() => _ = AcceptLoop();

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
                continue;
            }

            _ = Serve(client);
        }
    }

    private async Task Serve(Socket client)
    {
        using var _ = client;
        var credentials = PeerCredentials.Of(client);
        if (credentials is not { } peer || !peer.IsAllowed(UnixIds.EffectiveUid, _allowedGid))
        {
            Log.ControlRefused(_log, credentials?.Pid ?? 0, credentials?.Uid ?? 0, credentials?.Gid ?? 0);
            await Reply(client, Error("permission denied: the control socket serves root, the daemon's user and the control group only"));
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(RequestTimeout);
        var buffer = new byte[MaxRequestBytes];
        int filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                int n = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    break;
                }

                filled += n;
                if (Array.IndexOf(buffer, (byte)'\n', filled - n, n) >= 0)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            Log.ControlBadRequest(_log, peer.Pid, "no complete request within 5 s");
            return;
        }

        JsonObject response;
        try
        {
            var request = JsonNode.Parse(buffer.AsSpan(0, filled)) as JsonObject ?? throw new JsonException("the request is not a JSON object");
            response = _handle(request);
        }
        catch (JsonException e)
        {
            Log.ControlBadRequest(_log, peer.Pid, e.Message);
            response = Error($"bad request: {e.Message}");
        }

        await Reply(client, response);
    }

    public static JsonObject Error(string message) => new() { ["ok"] = false, ["error"] = message };

    private static async Task Reply(Socket client, JsonObject response)
    {
        try
        {
            var bytes = Encoding.UTF8.GetBytes(response.ToJsonString() + "\n");
            await client.SendAsync(bytes, SocketFlags.None);
            client.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // The client went away; nothing to do.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
