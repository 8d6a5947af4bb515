using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>
/// One namespace lab built by lab/net.sh: nodes n1..nN and a witness w on a bridge, under a unique
/// prefix ("sg" + 4 random hex digits). <see cref="DisposeAsync"/> always tears it down; so does a
/// process-exit handler if the test run ends without disposing, and labs whose owning test process
/// died (SIGKILL) are swept by the next <see cref="CreateAsync"/>.
/// </summary>
public sealed class LabNetwork : IAsyncDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(60);
    private static readonly ConcurrentDictionary<string, LabNetwork> Live = new();
    private static readonly object HandlerLock = new();
    private static bool _handlersInstalled;

    private readonly IReadOnlyDictionary<string, string> _values;
    private int _disposed;

    private LabNetwork(string prefix, IReadOnlyDictionary<string, string> values, string workDir)
    {
        Prefix = prefix;
        _values = values;
        WorkDir = workDir;
        Subnet = Value("SUBNET");
        Nodes = Value("NODES").Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The unique name prefix of every namespace and link of this lab.</summary>
    public string Prefix { get; }

    /// <summary>First three octets of the lab's /24, e.g. "10.115.0".</summary>
    public string Subnet { get; }

    /// <summary>The node names n1..nN (the witness is "w", the switch "sw").</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>Every KEY=VALUE line net.sh up printed (NS_n1, IP_n1, IF_n1, NS_w, IP_w, BRIDGE, ...).</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>A scratch directory for this lab (configs, logs): .lab/&lt;prefix&gt; in the repository.
    /// Removed on dispose unless SPLITGUARD_LAB_KEEP=1.</summary>
    public string WorkDir { get; }

    /// <summary>The witness namespace.</summary>
    public string WitnessNamespace => NamespaceOf("w");

    /// <summary>The witness address.</summary>
    public string WitnessIp => IpOf("w");

    /// <summary>Builds a lab with <paramref name="nodes"/> nodes and a witness. Fails (never skips) if the
    /// machine cannot run it; see <see cref="LabRequirements"/>.</summary>
    public static async Task<LabNetwork> CreateAsync(int nodes = 2, string? subnet = null)
    {
        LabRequirements.Ensure();
        InstallHandlers();
        await SweepOrphansAsync().ConfigureAwait(false);

        for (var attempt = 0; attempt < 50; attempt++)
        {
            var prefix = "sg" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
            if ((await ListLeftoversAsync(prefix).ConfigureAwait(false)).Count > 0)
            {
                continue;
            }

            var args = new List<string> { "up", prefix, nodes.ToString(CultureInfo.InvariantCulture) };
            if (subnet is not null)
            {
                args.Add(subnet);
            }

            if (!TryClaimPrefix(prefix))
            {
                continue;
            }

            var result = await RunScriptAsync(args).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                // A failed up removes what it built itself; only a killed one needs a down. A prefix
                // collision with a concurrent run must not touch that run's namespaces.
                if (result.TimedOut)
                {
                    await RunScriptAsync(["down", prefix]).ConfigureAwait(false);
                }

                DeleteOwnerFile(prefix);
                if (attempt < 3 && result.Stderr.Contains("already exist", StringComparison.Ordinal))
                {
                    continue;
                }

                throw new InvalidOperationException($"lab up failed: {result.Describe()}");
            }

            var values = ParseValues(result.Stdout);
            var workDir = Path.Combine(LabPaths.WorkRoot, prefix);
            Directory.CreateDirectory(workDir);
            var lab = new LabNetwork(prefix, values, workDir);
            Live[prefix] = lab;
            return lab;
        }

        throw new InvalidOperationException("no free lab prefix found in 50 attempts");
    }

    /// <summary>The namespace of <paramref name="node"/> (n1..nN, w, sw).</summary>
    public string NamespaceOf(string node) => Value("NS_" + node);

    /// <summary>The IPv4 address of <paramref name="node"/> (n1..nN, w).</summary>
    public string IpOf(string node) => Value("IP_" + node);

    /// <summary>The veth name inside <paramref name="node"/>'s namespace.</summary>
    public string InterfaceOf(string node) => Value("IF_" + node);

    /// <summary>Runs `net.sh fault PREFIX KIND ARGS...`; throws if the script fails.</summary>
    public async Task FaultAsync(string kind, params string[] args)
    {
        var result = await RunScriptAsync(["fault", Prefix, kind, .. args]).ConfigureAwait(false);
        result.EnsureSuccess();
    }

    /// <summary>
    /// Prepares a fault without applying it (`net.sh print-fault`): the namespace and the nft script, written to a
    /// file in <see cref="WorkDir"/>. <see cref="ApplyAsync"/> then applies it with a single
    /// `ip netns exec NS nft -f FILE`, so a test knows to a few milliseconds when the fault began.
    /// </summary>
    public async Task<PreparedFault> PrepareFaultAsync(string kind, params string[] args)
    {
        var result = await RunScriptAsync(["print-fault", Prefix, kind, .. args]).ConfigureAwait(false);
        result.EnsureSuccess();
        var lines = result.Stdout.Split('\n');
        if (lines.Length < 2 || !lines[0].StartsWith("NETNS=", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"print-fault printed no NETNS line: {result.Describe()}");
        }

        var path = Path.Combine(WorkDir, $"fault-{kind}-{string.Join('-', args)}-{Guid.NewGuid():N}.nft");
        await File.WriteAllTextAsync(path, string.Join('\n', lines.Skip(1))).ConfigureAwait(false);
        return new PreparedFault(lines[0]["NETNS=".Length..].Trim(), path, $"{kind} {string.Join(' ', args)}");
    }

    /// <summary>Applies a prepared fault; returns the wall-clock time just before the nft command started and how long it took.</summary>
    public async Task<(DateTimeOffset Started, TimeSpan Took)> ApplyAsync(PreparedFault fault)
    {
        var started = DateTimeOffset.Now;
        var result = await ProcessRunner.RunAsync("ip", ["netns", "exec", fault.Namespace, "nft", "-f", fault.ScriptPath], ScriptTimeout)
            .ConfigureAwait(false);
        var took = DateTimeOffset.Now - started;
        result.EnsureSuccess();
        return (started, took);
    }

    /// <summary>Symmetric partition: <paramref name="node"/> drops all traffic from and to <paramref name="other"/>;
    /// both still reach the witness (so the icmp relay via the witness is not cut).</summary>
    public Task PartitionAsync(string node, string other) => FaultAsync("partition", node, other);

    /// <summary><paramref name="node"/>'s input drops everything from <paramref name="other"/>.</summary>
    public Task OneWayAsync(string node, string other) => FaultAsync("oneway", node, other);

    /// <summary>Random loss of <paramref name="percent"/> % on <paramref name="node"/>'s input from cluster addresses.</summary>
    public Task LossAsync(string node, int percent) =>
        FaultAsync("loss", node, percent.ToString(CultureInfo.InvariantCulture));

    /// <summary>The witness drops every ICMP packet it receives (UDP still passes).</summary>
    public Task IcmpDropAtWitnessAsync() => FaultAsync("icmp-drop-at-witness");

    /// <summary><paramref name="node"/> drops UDP in and out (only destination port <paramref name="port"/> if given).</summary>
    public Task UdpDropAsync(string node, int? port = null) =>
        port is { } p ? FaultAsync("udp-drop", node, p.ToString(CultureInfo.InvariantCulture)) : FaultAsync("udp-drop", node);

    /// <summary><paramref name="node"/> drops everything from and to the witness.</summary>
    public Task IsolateFromWitnessAsync(string node) => FaultAsync("isolate-from-witness", node);

    /// <summary>Removes the fault tables of <paramref name="node"/>, or of every namespace ("all").</summary>
    public Task HealAsync(string node = "all") => FaultAsync("heal", node);

    /// <summary>The nft rulesets of every namespace of the lab, for failure messages.</summary>
    public async Task<string> RulesAsync() =>
        (await RunScriptAsync(["rules", Prefix]).ConfigureAwait(false)).Stdout;

    /// <summary>Runs <paramref name="command"/> inside <paramref name="node"/>'s namespace; does not throw on failure.</summary>
    public Task<ProcessResult> ExecAsync(string node, IEnumerable<string> command, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("ip", ["netns", "exec", NamespaceOf(node), .. command], timeout ?? ScriptTimeout);

    /// <summary>One `ping -c1 -W1` from <paramref name="from"/> to <paramref name="to"/>'s address.</summary>
    public async Task<bool> PingAsync(string from, string to) =>
        (await ExecAsync(from, ["ping", "-n", "-q", "-c1", "-W1", IpOf(to)], TimeSpan.FromSeconds(10)).ConfigureAwait(false)).Succeeded;

    /// <summary>Sends <paramref name="count"/> UDP datagrams (5 ms apart) from <paramref name="from"/> to
    /// <paramref name="to"/>:<paramref name="port"/> and counts what arrives.</summary>
    public async Task<ProbeResult> UdpProbeAsync(string from, string to, int port = 47999, int count = 20)
    {
        var result = await RunScriptAsync([
            "udp-probe", Prefix, from, to,
            port.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture),
        ]).ConfigureAwait(false);
        return ParseProbe(result);
    }

    /// <summary>The sbp icmp link: <paramref name="count"/> echo requests from <paramref name="from"/> to the witness
    /// with <paramref name="to"/>'s address as source; counts the witness's replies arriving at <paramref name="to"/>.</summary>
    public async Task<ProbeResult> RelayProbeAsync(string from, string to, int count = 20)
    {
        var result = await RunScriptAsync([
            "relay-probe", Prefix, from, to, count.ToString(CultureInfo.InvariantCulture),
        ]).ConfigureAwait(false);
        return ParseProbe(result);
    }

    /// <summary>Namespaces and links whose name starts with PREFIX- ("netns NAME" / "link NAME"); empty when clean.</summary>
    public static async Task<IReadOnlyList<string>> ListLeftoversAsync(string prefix)
    {
        var result = await RunScriptAsync(["list-leftovers", prefix]).ConfigureAwait(false);
        result.EnsureSuccess();
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Tears the lab down (kills processes left in its namespaces, deletes them); idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var result = await RunScriptAsync(["down", Prefix]).ConfigureAwait(false);
        Live.TryRemove(Prefix, out _);
        DeleteOwnerFile(Prefix);
        DeleteWorkDir();
        result.EnsureSuccess();
    }

    private static Task<ProcessResult> RunScriptAsync(IEnumerable<string> args) =>
        ProcessRunner.RunAsync("bash", [LabPaths.NetScript, .. args], ScriptTimeout);

    private static ProbeResult ParseProbe(ProcessResult result)
    {
        // exit 1 = nothing arrived, still a valid measurement
        if (result.TimedOut || (result.ExitCode != 0 && result.ExitCode != 1))
        {
            throw new InvalidOperationException(result.Describe());
        }

        return ProbeResult.Parse(result.Stdout);
    }

    private static Dictionary<string, string> ParseValues(string stdout)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[line[..eq]] = line[(eq + 1)..];
            }
        }

        return values;
    }

    private string Value(string key) =>
        _values.TryGetValue(key, out var v)
            ? v
            : throw new KeyNotFoundException($"lab {Prefix} has no {key} (known: {string.Join(", ", _values.Keys)})");

    private void DeleteWorkDir()
    {
        if (Environment.GetEnvironmentVariable("SPLITGUARD_LAB_KEEP") == "1")
        {
            return;
        }

        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
    }

    private static void InstallHandlers()
    {
        lock (HandlerLock)
        {
            if (_handlersInstalled)
            {
                return;
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) => TearDownLive();
            AppDomain.CurrentDomain.UnhandledException += (_, _) => TearDownLive();
            _handlersInstalled = true;
        }
    }

    private static void TearDownLive()
    {
        foreach (var (prefix, lab) in Live.ToList())
        {
            try
            {
                ProcessRunner.Run("bash", [LabPaths.NetScript, "down", prefix], TimeSpan.FromSeconds(30));
                DeleteOwnerFile(prefix);
                lab.DeleteWorkDir();
            }
            catch (Exception)
            {
                // best effort while the process exits
            }

            Live.TryRemove(prefix, out _);
        }
    }

    // Owner files: /tmp/splitguard-lab/owners/<prefix> = "<pid> <start time>", so a later run can
    // tear down labs whose test process was killed before any handler could run.
    private static string OwnerDir => Path.Combine(Path.GetTempPath(), "splitguard-lab", "owners");

    // Creates the owner file only if no other run holds the prefix.
    private static bool TryClaimPrefix(string prefix)
    {
        Directory.CreateDirectory(OwnerDir);
        var stamp = OwnerStamp(Environment.ProcessId) ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        // written aside, then moved into place: a sweeping run never sees a half-written file
        var temp = Path.Combine(OwnerDir, $".{prefix}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temp, stamp);
        try
        {
            File.Move(temp, Path.Combine(OwnerDir, prefix), overwrite: false);
            return true;
        }
        catch (IOException)
        {
            File.Delete(temp);
            return false;
        }
    }

    private static void DeleteOwnerFile(string prefix)
    {
        try
        {
            File.Delete(Path.Combine(OwnerDir, prefix));
        }
        catch (IOException)
        {
        }
    }

    private static async Task SweepOrphansAsync()
    {
        if (!Directory.Exists(OwnerDir))
        {
            return;
        }

        foreach (var file in Directory.GetFiles(OwnerDir).Where(f => !Path.GetFileName(f).StartsWith('.')))
        {
            string stamp;
            try
            {
                stamp = File.ReadAllText(file).Trim();
            }
            catch (IOException)
            {
                continue;
            }

            var pidText = stamp.Split(' ')[0];
            if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || OwnerStamp(pid) != stamp)
            {
                var prefix = Path.GetFileName(file);
                await RunScriptAsync(["down", prefix]).ConfigureAwait(false);
                DeleteOwnerFile(prefix);
            }
        }
    }

    private static string? OwnerStamp(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // field 22 (starttime) is index 19 after "pid (comm)"
            return $"{pid} {fields[19]}";
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>A fault ready to apply: the namespace it acts in and the nft script (see <see cref="LabNetwork.PrepareFaultAsync"/>).</summary>
public sealed record PreparedFault(string Namespace, string ScriptPath, string Description);
