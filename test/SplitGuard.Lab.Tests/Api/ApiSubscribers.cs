using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SplitGuard.Client;
using SplitGuard.Lab.Tests.Infrastructure;

namespace SplitGuard.Lab.Tests.Api;

/// <summary>One sbp message as a client library delivered it, with the host wall-clock time its callback ran.</summary>
/// <param name="Type">msg_type (201/202, 301/302/303, 311/312/313).</param>
/// <param name="State">0 out of service, 1 in service.</param>
/// <param name="Cluster">ClusterID.</param>
/// <param name="Node">NodeID: the opposite node.</param>
/// <param name="LinkType">linktype: 0 icmp, 1 udp, 2 icmp_hop.</param>
/// <param name="Link">lID, for types above 300; else null.</param>
/// <param name="At">When the callback ran (host wall clock).</param>
public sealed record ApiMessage(int Type, int State, int Cluster, int Node, int LinkType, int? Link, DateTimeOffset At)
{
    /// <summary>Type and state, as "302/0".</summary>
    public string Key => $"{Type}/{State}";

    public override string ToString() =>
        $"msg_type={Type} state={State} ClusterID={Cluster} NodeID={Node} linktype={LinkType}{(Link is { } l ? $" lID={l}" : "")} at {At:HH:mm:ss.ffffff}";
}

/// <summary>A client of a daemon's sbp API socket that records every message it receives.</summary>
public interface IApiSubscriber : IAsyncDisposable
{
    /// <summary>"dotnet@n1", "python@n2", ...</summary>
    string Name { get; }

    /// <summary>The pid the daemon sees for it (SO_PEERCRED).</summary>
    int Pid { get; }

    /// <summary>Just before the client was started.</summary>
    DateTimeOffset StartedAt { get; }

    /// <summary>Times it connected and registered (more than one means it reconnected).</summary>
    IReadOnlyList<DateTimeOffset> Connections { get; }

    /// <summary>Every message so far, in arrival order.</summary>
    IReadOnlyList<ApiMessage> Messages { get; }

    /// <summary>Anything unexpected (the callback's errors, the client's stderr), for failure messages.</summary>
    string Diagnostics { get; }
}

/// <summary>Waiting on <see cref="IApiSubscriber"/>s and on the daemon's registration log lines.</summary>
public static class ApiSubscribers
{
    /// <summary>The sbp API socket LabCluster configures for <paramref name="node"/> (api.socket = WORKDIR/{node}-api.sock).</summary>
    public static string ApiSocket(this LabCluster cluster, string node) => Path.Combine(cluster.Lab.WorkDir, $"{node}-api.sock");

    /// <summary>The node id of <paramref name="node"/>'s peer (n1 = 1, n2 = 2).</summary>
    public static int PeerId(string node) => node == "n1" ? 2 : 1;

    /// <summary>Waits until <paramref name="subscriber"/> has a message matching <paramref name="match"/>; returns the first.</summary>
    public static async Task<ApiMessage> WaitForAsync(this IApiSubscriber subscriber, Func<ApiMessage, bool> match, TimeSpan timeout, string what)
    {
        ApiMessage? found = null;
        try
        {
            await Polling.WaitUntilAsync(() => (found = subscriber.Messages.FirstOrDefault(match)) is not null, timeout, $"{subscriber.Name} receives {what}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}{subscriber.Describe()}", e);
        }

        return found!;
    }

    /// <summary>Waits until <paramref name="subscriber"/> connected at least once.</summary>
    public static async Task WaitConnectedAsync(this IApiSubscriber subscriber, TimeSpan timeout)
    {
        try
        {
            await Polling.WaitUntilAsync(() => subscriber.Connections.Count > 0, timeout, $"{subscriber.Name} connects");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}{subscriber.Describe()}", e);
        }
    }

    /// <summary>
    /// Waits until <paramref name="node"/>'s daemon logged (event 1311) at least <paramref name="count"/> registrations of
    /// <paramref name="pid"/> since <paramref name="since"/>: then its live events reach the client.
    /// </summary>
    public static Task WaitRegisteredAsync(this LabCluster cluster, string node, int pid, int count, DateTimeOffset since) =>
        Polling.WaitUntilAsync(
            () => cluster.LogEvents(node, since, 1311).Count(e => e.Text.Contains($"pid {pid} ", StringComparison.Ordinal)) >= count,
            TimeSpan.FromSeconds(10),
            $"{node}'s daemon logs {count} registration(s) of pid {pid} (event 1311)");

    /// <summary>The messages, one per line, and the connections, for failure messages.</summary>
    public static string Describe(this IApiSubscriber subscriber)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{subscriber.Name} (pid {subscriber.Pid}) started {subscriber.StartedAt:HH:mm:ss.ffffff}, " +
            $"connected at {string.Join(", ", subscriber.Connections.Select(c => c.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture)))}");
        foreach (var m in subscriber.Messages)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {m}");
        }

        if (subscriber.Diagnostics.Length > 0)
        {
            text.AppendLine(subscriber.Diagnostics);
        }

        return text.ToString();
    }
}

/// <summary>The .NET client (<see cref="SbpClient"/>, sbp's model: a callback on its own thread) in the test process.</summary>
public sealed class DotnetSubscriber : IApiSubscriber
{
    private readonly SbpClient _client;
    private readonly object _gate = new();
    private readonly List<ApiMessage> _messages = [];
    private readonly List<DateTimeOffset> _connections = [];
    private readonly StringBuilder _diagnostics = new();

    private DotnetSubscriber(string name, string socketPath, ushort cluster)
    {
        Name = name;
        _client = new SbpClient(
            cluster,
            e =>
            {
                var at = DateTimeOffset.Now;
                lock (_gate)
                {
                    _messages.Add(new ApiMessage((ushort)e.MessageType, e.State, e.ClusterId, e.NodeId, (ushort)e.LinkType, e.LinkId, at));
                }
            },
            socketPath,
            new SbpClientOptions { InitialReconnectDelay = TimeSpan.FromMilliseconds(50), MaxReconnectDelay = TimeSpan.FromMilliseconds(500) });
        _client.Connected += (_, _) =>
        {
            lock (_gate)
            {
                _connections.Add(DateTimeOffset.Now);
            }
        };
        _client.Disconnected += (_, error) =>
        {
            lock (_gate)
            {
                _diagnostics.AppendLine(CultureInfo.InvariantCulture, $"  disconnected at {DateTimeOffset.Now:HH:mm:ss.ffffff}: {error?.Message ?? "closed by the daemon"}");
            }
        };
    }

    public string Name { get; }

    public int Pid => Environment.ProcessId;

    public DateTimeOffset StartedAt { get; private set; }

    public IReadOnlyList<DateTimeOffset> Connections
    {
        get
        {
            lock (_gate)
            {
                return [.. _connections];
            }
        }
    }

    public IReadOnlyList<ApiMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    public string Diagnostics
    {
        get
        {
            lock (_gate)
            {
                return _diagnostics.ToString() + (_client.Fault is { } f ? $"  callback fault: {f}" : string.Empty);
            }
        }
    }

    /// <summary>Starts an <see cref="SbpClient"/> for <paramref name="cluster"/> on <paramref name="socketPath"/> (Start: its own thread).</summary>
    public static DotnetSubscriber Start(string name, string socketPath, ushort cluster = LabClusterOptions.ClusterId)
    {
        var subscriber = new DotnetSubscriber(name, socketPath, cluster);
        subscriber.StartedAt = DateTimeOffset.Now;
        subscriber._client.Start();
        return subscriber;
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The Python client (clients/python, sbp.sbp with thread=True) run by /usr/bin/python3 with
/// PYTHONPATH=clients/python through Api/sbp_subscriber.py, which prints each callback dict as a JSON line.
/// </summary>
public sealed class PythonSubscriber : IApiSubscriber
{
    private readonly Process _process;
    private readonly object _gate = new();
    private readonly List<ApiMessage> _messages = [];
    private readonly List<DateTimeOffset> _connections = [];
    private readonly StringBuilder _diagnostics = new();

    private PythonSubscriber(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public DateTimeOffset StartedAt { get; private set; }

    public IReadOnlyList<DateTimeOffset> Connections
    {
        get
        {
            lock (_gate)
            {
                return [.. _connections];
            }
        }
    }

    public IReadOnlyList<ApiMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    public string Diagnostics
    {
        get
        {
            lock (_gate)
            {
                var exited = _process.HasExited ? $"  python exited with {_process.ExitCode}{Environment.NewLine}" : string.Empty;
                return exited + _diagnostics;
            }
        }
    }

    /// <summary>The helper script.</summary>
    public static string Script => Path.Combine(LabPaths.RepoRoot, "test", "SplitGuard.Lab.Tests", "Api", "sbp_subscriber.py");

    /// <summary>Starts the Python client for <paramref name="cluster"/> on <paramref name="socketPath"/>.</summary>
    public static PythonSubscriber Start(string name, string socketPath, ushort cluster = LabClusterOptions.ClusterId)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-u", Script, socketPath, cluster.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["PYTHONPATH"] = Path.Combine(LabPaths.RepoRoot, "clients", "python");
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        var process = new Process { StartInfo = psi };
        var subscriber = new PythonSubscriber(name, process);
        subscriber.StartedAt = DateTimeOffset.Now;
        process.Start();

        // Threads of their own: reading a pipe blocks a thread (on Unix even "async" pipe reads hold a pool thread), and
        // the .NET client measured in this process needs the thread pool to be free.
        StartReader(process.StandardOutput, subscriber.OnLine, $"{name} stdout");
        StartReader(process.StandardError, line =>
        {
            lock (subscriber._gate)
            {
                subscriber._diagnostics.AppendLine("  stderr: " + line);
            }
        }, $"{name} stderr");
        return subscriber;
    }

    private static void StartReader(StreamReader reader, Action<string> onLine, string name)
    {
        var thread = new Thread(() =>
        {
            try
            {
                while (reader.ReadLine() is { } line)
                {
                    onLine(line);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // the process is gone
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
    }

    private void OnLine(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        try
        {
            var o = JsonNode.Parse(line)!.AsObject();
            lock (_gate)
            {
                if (o["connected"] is { } connected)
                {
                    _connections.Add(Time(connected.GetValue<double>()));
                }
                else if (o["msg_type"] is { } type)
                {
                    _messages.Add(new ApiMessage(
                        type.GetValue<int>(),
                        o["state"]!.GetValue<int>(),
                        o["ClusterID"]!.GetValue<int>(),
                        o["NodeID"]!.GetValue<int>(),
                        o["linktype"]!.GetValue<int>(),
                        o["lID"]?.GetValue<int>(),
                        Time(o["recv"]!.GetValue<double>())));
                }
                else if (o["started"] is { } started)
                {
                    StartedAt = Time(started.GetValue<double>());
                }
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            lock (_gate)
            {
                _diagnostics.AppendLine($"  unparsable line ({e.Message}): {line}");
            }
        }
    }

    private static DateTimeOffset Time(double unixSeconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks((long)Math.Round(unixSeconds * TimeSpan.TicksPerSecond)).ToLocalTime();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try
                {
                    await _process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // already gone
        }
        finally
        {
            _process.Dispose();
        }
    }
}
