// Latency from a link state change inside the daemon to an sbp client's callback, with N subscribed clients.
//
// The daemon stamps every link event on its JSON event stream (api.events_socket) with the wall-clock time it was
// published, under the engine lock, at the same moment the sbp API server takes it; the clients here stamp the moment
// their callback runs, with the same host clock. For each N, N clients of SplitGuard.Client register on the sbp socket:
// client 0 is the measuring one (sbp's model: SbpClient.Start, a callback on its own thread), the other N-1 read with
// ReadEventsAsync on the thread pool and stamp every event too. udp is then cut and healed repeatedly with nftables
// (lab/net.sh), each cycle giving four events (302/0, 202/0, 302/1, 202/1); the first cycle is a warm-up.
//
//   api-latency --api SOCK --events SOCK --net lab/net.sh --prefix PREFIX [--clients 1,100,1000] [--cycles 50]
//
// Run it through bench/api-latency/run.sh, which builds the namespace lab and starts the daemons.
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SplitGuard.Client;

var options = BenchOptions.Parse(args);
await Fault.PrepareAsync(options);
using var stream = EventStream.Connect(options.EventsSocket);
var results = new List<RunResult>();
foreach (var n in options.Clients)
{
    Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {n} client(s): connecting");
    results.Add(await Bench.RunAsync(options, stream, n));
}

Console.WriteLine();
Console.WriteLine("| subscribed clients | events | measuring client's callback p50 / p99 / max (ms) | every client's callback p50 / p99 / max (ms) | last client per event p50 / p99 (ms) | missed |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
foreach (var r in results)
{
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {r.Clients:N0} | {r.Events} | {Stats.P(r.Measuring, 50):F2} / {Stats.P(r.Measuring, 99):F2} / {Stats.Max(r.Measuring):F2} | " +
        $"{Stats.P(r.All, 50):F2} / {Stats.P(r.All, 99):F2} / {Stats.Max(r.All):F2} | {Stats.P(r.LastPerEvent, 50):F2} / {Stats.P(r.LastPerEvent, 99):F2} | {r.Missed} |"));
}

return results.Any(r => r.Missed > 0 || r.Measuring.Count == 0) ? 1 : 0;

/// <summary>Command-line options.</summary>
internal sealed record BenchOptions(string ApiSocket, string EventsSocket, string NetScript, string Prefix, int[] Clients, int Cycles, ushort Cluster, int PauseMs)
{
    public static BenchOptions Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument {args[i]}");
            }

            map[args[i][2..]] = args[i + 1];
        }

        string Need(string key) => map.TryGetValue(key, out var v) ? v : throw new ArgumentException($"--{key} is required");
        return new BenchOptions(
            Need("api"),
            Need("events"),
            Need("net"),
            Need("prefix"),
            (map.GetValueOrDefault("clients") ?? "1,100,1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            int.Parse(map.GetValueOrDefault("cycles") ?? "50", CultureInfo.InvariantCulture),
            ushort.Parse(map.GetValueOrDefault("cluster") ?? "1", CultureInfo.InvariantCulture),
            int.Parse(map.GetValueOrDefault("pause-ms") ?? "200", CultureInfo.InvariantCulture));
    }
}

/// <summary>The latencies of one run, in ms.</summary>
internal sealed record RunResult(int Clients, int Events, List<double> Measuring, List<double> All, List<double> LastPerEvent, int Missed);

/// <summary>One event as the daemon published it on its JSON stream.</summary>
internal readonly record struct DaemonEvent(string Key, DateTimeOffset Time);

/// <summary>The daemon's JSON event stream, read on a thread of its own.</summary>
internal sealed class EventStream : IDisposable
{
    private readonly Socket _socket;
    private readonly object _gate = new();
    private readonly List<DaemonEvent> _events = [];
    private readonly Thread _thread;

    private EventStream(Socket socket)
    {
        _socket = socket;
        _thread = new Thread(Read) { IsBackground = true, Name = "event stream" };
    }

    public static EventStream Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        var stream = new EventStream(socket);
        stream._thread.Start();
        return stream;
    }

    /// <summary>Events since the last <see cref="Clear"/>, in order.</summary>
    public List<DaemonEvent> Snapshot()
    {
        lock (_gate)
        {
            return [.. _events];
        }
    }

    public int Count(string key)
    {
        lock (_gate)
        {
            return _events.Count(e => e.Key == key);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _events.Clear();
        }
    }

    private void Read()
    {
        using var reader = new StreamReader(new NetworkStream(_socket, ownsSocket: false), Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (!root.TryGetProperty("sbp_type", out var type) || type.ValueKind != JsonValueKind.Number)
            {
                continue;
            }

            var state = root.GetProperty("state").GetString() == "in_service" ? 1 : 0;
            var link = root.GetProperty("link");
            var key = Bench.Key(type.GetInt32(), state, link.ValueKind == JsonValueKind.Number && type.GetInt32() > 300 ? link.GetInt32() : null);
            var time = DateTimeOffset.Parse(root.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
            lock (_gate)
            {
                _events.Add(new DaemonEvent(key, time));
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>What one client received: the key of each message and when its callback ran.</summary>
internal sealed class Subscriber
{
    private readonly object _gate = new();
    private readonly List<(string Key, DateTimeOffset At)> _messages = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private int _connections;

    public int Connections => Volatile.Read(ref _connections);

    public void OnConnected() => Interlocked.Increment(ref _connections);

    public void Add(SbpEvent e, DateTimeOffset at)
    {
        var key = Bench.Key((ushort)e.MessageType, e.State, e.LinkId);
        lock (_gate)
        {
            _messages.Add((key, at));
            _counts[key] = _counts.GetValueOrDefault(key) + 1;
        }
    }

    public int Count(string key)
    {
        lock (_gate)
        {
            return _counts.GetValueOrDefault(key);
        }
    }

    public List<(string Key, DateTimeOffset At)> Snapshot()
    {
        lock (_gate)
        {
            return [.. _messages];
        }
    }
}

internal static class Bench
{
    private const string PathDown = "202/0/-";
    private const string PathUp = "202/1/-";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(5);

    public static string Key(int type, int state, int? link) =>
        string.Create(CultureInfo.InvariantCulture, $"{type}/{state}/{(link is { } l ? l.ToString(CultureInfo.InvariantCulture) : "-")}");

    public static async Task<RunResult> RunAsync(BenchOptions options, EventStream stream, int n)
    {
        stream.Clear();
        var subscribers = Enumerable.Range(0, n).Select(_ => new Subscriber()).ToArray();
        using var stop = new CancellationTokenSource();
        var clientOptions = new SbpClientOptions { InitialReconnectDelay = TimeSpan.FromMilliseconds(50), MaxReconnectDelay = TimeSpan.FromSeconds(1) };
        var measuring = new SbpClient(options.Cluster, e => subscribers[0].Add(e, DateTimeOffset.UtcNow), options.ApiSocket, clientOptions);
        measuring.Connected += (_, _) => subscribers[0].OnConnected();
        measuring.Start();
        var readers = new List<Task>();
        for (int i = 1; i < n; i++)
        {
            var s = subscribers[i];
            readers.Add(Task.Run(async () =>
            {
                var client = new SbpClient(options.Cluster, null, options.ApiSocket, clientOptions);
                client.Connected += (_, _) => s.OnConnected();
                try
                {
                    await foreach (var e in client.ReadEventsAsync(stop.Token))
                    {
                        s.Add(e, DateTimeOffset.UtcNow);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }));
        }

        await WaitAsync(() => subscribers.All(s => s.Connections > 0), TimeSpan.FromSeconds(60), $"all {n} clients connect");
        await Task.Delay(1000);
        int warmup = 0;
        var watch = Stopwatch.StartNew();
        for (int cycle = 0; cycle <= options.Cycles; cycle++)
        {
            await Fault.CutAsync();
            await WaitAsync(() => stream.Count(PathDown) > cycle && subscribers.All(s => s.Count(PathDown) > cycle), StepTimeout, $"cycle {cycle}: every client gets 202/0");
            await Fault.HealAsync();
            await WaitAsync(() => stream.Count(PathUp) > cycle && subscribers.All(s => s.Count(PathUp) > cycle), StepTimeout, $"cycle {cycle}: every client gets 202/1");
            await Task.Delay(options.PauseMs);
            if (cycle == 0)
            {
                warmup = stream.Snapshot().Count;
            }

            if (cycle % 10 == 0)
            {
                Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {n} client(s): cycle {cycle}/{options.Cycles} ({watch.Elapsed.TotalSeconds:F0} s)");
            }
        }

        await Task.Delay(500);
        var events = stream.Snapshot();
        var received = subscribers.Select(s => s.Snapshot()).ToArray();
        var reconnects = subscribers.Sum(s => s.Connections - 1);
        measuring.Stop();
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        // the k-th occurrence of a key at a client is the k-th occurrence of that key in the daemon's stream
        var daemon = new Dictionary<(string, int), (DateTimeOffset Time, int Index)>();
        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < events.Count; i++)
        {
            var k = ordinals.GetValueOrDefault(events[i].Key);
            ordinals[events[i].Key] = k + 1;
            daemon[(events[i].Key, k)] = (events[i].Time, i);
        }

        var measured = new List<double>();
        var all = new List<double>();
        var last = new double[events.Count];
        var got = new int[events.Count];
        for (int c = 0; c < received.Length; c++)
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (key, at) in received[c])
            {
                var k = seen.GetValueOrDefault(key);
                seen[key] = k + 1;
                if (!daemon.TryGetValue((key, k), out var d) || d.Index < warmup)
                {
                    continue;
                }

                var ms = (at - d.Time).TotalMilliseconds;
                all.Add(ms);
                if (c == 0)
                {
                    measured.Add(ms);
                }

                last[d.Index] = Math.Max(last[d.Index], ms);
                got[d.Index]++;
            }
        }

        var byKey = events.Skip(warmup).GroupBy(e => e.Key).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} x{g.Count()}");
        var down = new List<double>();
        var up = new List<double>();
        var seen0 = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, at) in received[0])
        {
            var k = seen0.GetValueOrDefault(key);
            seen0[key] = k + 1;
            if (daemon.TryGetValue((key, k), out var d) && d.Index >= warmup)
            {
                (key.Split('/')[1] == "0" ? down : up).Add((at - d.Time).TotalMilliseconds);
            }
        }

        Console.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{DateTime.Now:HH:mm:ss} {n} client(s): events {string.Join(", ", byKey)}; measuring client: out-of-service p50 {Stats.P(down, 50):F2} p99 {Stats.P(down, 99):F2}, " +
            $"in-service p50 {Stats.P(up, 50):F2} p99 {Stats.P(up, 99):F2} ms"));
        int counted = events.Count - warmup;
        int missed = Enumerable.Range(warmup, counted).Sum(i => n - got[i]);
        Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {n} client(s): {counted} events measured, {missed} missed, {reconnects} reconnect(s)");
        return new RunResult(n, counted, measured, all, [.. last.Skip(warmup)], missed + reconnects);
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0} s waiting until {what}");
            }

            await Task.Delay(5);
        }
    }
}

/// <summary>
/// The udp cut on n1 as one prepared `ip netns exec NS nft -f FILE` (from `net.sh print-fault`), and its heal as one more
/// (deleting that table): two short processes per cycle, so little else runs on the machine while events are delivered.
/// </summary>
internal static class Fault
{
    private static string _namespace = "";
    private static string _cut = "";
    private static string _heal = "";

    public static async Task PrepareAsync(BenchOptions options)
    {
        var printed = await RunAsync("bash", options.NetScript, "print-fault", options.Prefix, "udp-drop", "n1");
        var lines = printed.Split('\n');
        _namespace = lines[0]["NETNS=".Length..].Trim();
        var script = string.Join('\n', lines.Skip(1));
        var table = lines.Skip(1).First(l => l.StartsWith("add table ", StringComparison.Ordinal))["add table ".Length..].Trim();
        _cut = Path.Combine(Path.GetTempPath(), $"api-latency-{Environment.ProcessId}-cut.nft");
        _heal = Path.Combine(Path.GetTempPath(), $"api-latency-{Environment.ProcessId}-heal.nft");
        await File.WriteAllTextAsync(_cut, script);
        await File.WriteAllTextAsync(_heal, $"add table {table}\ndelete table {table}\n");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            File.Delete(_cut);
            File.Delete(_heal);
        };
    }

    public static Task CutAsync() => RunAsync("ip", "netns", "exec", _namespace, "nft", "-f", _cut);

    public static Task HealAsync() => RunAsync("ip", "netns", "exec", _namespace, "nft", "-f", _heal);

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await output}{await error}");
        }

        return await output;
    }
}

internal static class Stats
{
    /// <summary>Percentile by nearest rank.</summary>
    public static double P(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public static double Max(List<double> values) => values.Count == 0 ? double.NaN : values.Max();
}
