using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SplitGuard.Lab.Tests.Infrastructure;

namespace SplitGuard.Lab.Tests.Booth;

/// <summary>
/// A booth cluster in the namespace lab (lab/net.sh, IPv6 off in every namespace, as Debian's boothd needs on this
/// kernel): sites n1 and n2, arbitrator w. Each member runs either Debian's real <c>boothd</c> or
/// <c>splitguard booth daemon</c>; clients are the real <c>booth</c> and <c>splitguard ticket</c>, run inside a member's
/// namespace. Short timings: expire 10 s, timeout 1 s, retries 3, renewal-freq 5 s, acquire-after 2 s. Disposing
/// stops every process and removes the namespaces, also when a test failed.
/// </summary>
public sealed partial class BoothLab : IAsyncDisposable
{
    public const string Ticket = "ticketA";
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(20);

    private readonly Dictionary<string, NamespaceProcess> _running = [];
    private readonly HashSet<string> _splitGuardMembers;

    private BoothLab(LabNetwork network, HashSet<string> splitGuardMembers, string conf, bool cibStub)
    {
        Network = network;
        _splitGuardMembers = splitGuardMembers;
        ConfigPath = conf;
        CibStub = cibStub;
    }

    /// <summary>Sites run with lab/booth/crm_ticket first on PATH, one CIB directory per site.</summary>
    public bool CibStub { get; }

    /// <summary>The directory of the lab's before-acquire-handler (handler.sh, handler.log, fail-ADDR files).</summary>
    public string HandlerDir => Path.Combine(Network.WorkDir, "h");

    public string CibDir(string member) => Path.Combine(Network.WorkDir, "cib-" + member);

    public LabNetwork Network { get; }

    /// <summary>Per member: a config file for its SplitGuard daemon instead of booth.conf (e.g. a JSON config with a
    /// Tickets section and bound Resources).</summary>
    public Dictionary<string, string> SplitGuardConfigs { get; } = [];

    public string ConfigPath { get; }

    public static readonly string[] Members = ["n1", "n2", "w"];

    /// <summary>Builds the namespaces and files; <paramref name="splitGuard"/> names the members SplitGuard plays.</summary>
    /// <param name="auth">false: no authfile, booth's 124-byte unauthenticated messages.</param>
    /// <param name="timeout">the ticket's timeout value as written in booth.conf ("500ms" switches term_valid_for to ms).</param>
    public static async Task<BoothLab> CreateAsync(string[] splitGuard, string ticketExtra = "", bool cibStub = false, bool auth = true, string timeout = "1")
    {
        if (!File.Exists("/usr/sbin/boothd"))
        {
            var setup = await ProcessRunner.RunAsync("bash", [LabPaths.SetupScript], TimeSpan.FromMinutes(10)).ConfigureAwait(false);
            if (!File.Exists("/usr/sbin/boothd"))
            {
                throw new LabUnavailableException($"Debian's booth package is not installed and lab/setup.sh did not install it: {setup.Describe()}");
            }
        }

        var network = await LabNetwork.CreateAsync(2).ConfigureAwait(false);
        try
        {
            var dir = network.WorkDir;
            var run = Path.Combine(dir, "run");
            Directory.CreateDirectory(run);
            // boothd drops to hacluster:haclient and writes its lock file there
            var handlerDir = Path.Combine(dir, "h");
            Directory.CreateDirectory(handlerDir);
            File.Copy(Path.Combine(LabPaths.LabDir, "booth", "handler.sh"), Path.Combine(handlerDir, "handler.sh"));
            var handlerLog = Path.Combine(handlerDir, "handler.log");
            await File.WriteAllTextAsync(handlerLog, string.Empty).ConfigureAwait(false);
            File.SetUnixFileMode(handlerLog, (UnixFileMode)0x1B6); // 0666: root (splitguard) and hacluster (boothd) append
            var owned = new List<string> { run, handlerDir };
            foreach (var m in Members)
            {
                var cib = Path.Combine(dir, "cib-" + m);
                Directory.CreateDirectory(cib);
                owned.Add(cib);
            }

            (await ProcessRunner.RunAsync("chown", ["hacluster:haclient", .. owned], CliTimeout).ConfigureAwait(false)).EnsureSuccess();
            ticketExtra = ticketExtra.Replace("HANDLER", Path.Combine(handlerDir, "handler.sh"), StringComparison.Ordinal);
            var key = Path.Combine(dir, "authkey");
            await File.WriteAllTextAsync(key, "sgb-shared-secret-0123456789\n").ConfigureAwait(false);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var conf = Path.Combine(dir, "booth.conf");
            await File.WriteAllTextAsync(conf, $"""
                transport = UDP
                port = 9929
                {(auth ? "authfile = " + key : "# no authfile")}
                site = {network.IpOf("n1")}
                site = {network.IpOf("n2")}
                arbitrator = {network.IpOf("w")}
                ticket = "{Ticket}"
                    expire = 10
                    timeout = {timeout}
                    retries = 3
                    renewal-freq = 5
                    acquire-after = 2
                {ticketExtra}
                """).ConfigureAwait(false);
            return new BoothLab(network, [.. splitGuard], conf, cibStub);
        }
        catch
        {
            await network.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public string Ip(string member) => Network.IpOf(member);

    public string Ns(string member) => Network.NamespaceOf(member);

    public bool IsSplitGuard(string member) => _splitGuardMembers.Contains(member);

    public string OutputOf(string member) => _running.TryGetValue(member, out var p) ? p.ReadOutput() : string.Empty;

    public NamespaceProcess Process(string member) => _running[member];

    /// <summary>Starts the member's daemon and waits until it answers a list request.</summary>
    public async Task StartAsync(string member, IReadOnlyDictionary<string, string>? environment = null)
    {
        var output = Path.Combine(Network.WorkDir, $"{member}.log");
        var stub = CibStub && member != "w";
        var path = (stub ? Path.Combine(LabPaths.LabDir, "booth") + ":" : string.Empty) + "/usr/bin:/bin";
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        if (stub)
        {
            env["CRM_STUB_DIR"] = CibDir(member);
        }

        IReadOnlyList<string> command = IsSplitGuard(member)
            ? ["env", "PATH=" + path + ":" + Environment.GetEnvironmentVariable("PATH"), .. LabPaths.SplitGuardCommand,
                "booth", "daemon", "-c", SplitGuardConfigs.GetValueOrDefault(member, ConfigPath), "--site", Ip(member)]
            : ["env", "-i", "PATH=" + path, .. env.Select(e => $"{e.Key}={e.Value}"), "/usr/sbin/boothd", "daemon", "-S", "-D",
                "-c", ConfigPath, "-l", Path.Combine(Network.WorkDir, "run", member + ".pid")];
        _running[member] = NamespaceProcess.Start(Ns(member), command, output, env);
        await Polling.WaitUntilAsync(async () => (await ListAsync(member, member).ConfigureAwait(false)).Succeeded,
            TimeSpan.FromSeconds(20), $"{member} answers `booth list`").ConfigureAwait(false);
    }

    public async Task StartAllAsync()
    {
        foreach (var m in Members)
        {
            await StartAsync(m).ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILL, as the recipe's failover test.</summary>
    public async Task KillAsync(string member)
    {
        var p = _running[member];
        NativeSignals.Send(p.Pid, NativeSignals.SigKill);
        await p.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await p.StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
    }

    /// <summary>The real booth client in <paramref name="from"/>'s namespace: <c>booth COMMAND -c CONF ARGS...</c>. The
    /// ticket name must come last: booth 1.0's client ignores a name placed before options and takes the config's
    /// only ticket instead (seen here: <c>booth grant nosuch -c F</c> granted ticketA).</summary>
    public Task<ProcessResult> BoothAsync(string from, params string[] args) =>
        ProcessRunner.RunAsync("ip", ["netns", "exec", Ns(from), "/usr/sbin/booth", args[0], "-c", ConfigPath, .. args[1..]], CliTimeout);

    /// <summary><c>splitguard ticket ...</c> in <paramref name="from"/>'s namespace.</summary>
    public Task<ProcessResult> TicketAsync(string from, params string[] args) =>
        ProcessRunner.RunAsync("ip", ["netns", "exec", Ns(from), .. LabPaths.SplitGuardCommand, "ticket", .. args, "-c", ConfigPath], CliTimeout);

    /// <summary><c>booth list -s MEMBER</c> from <paramref name="from"/>.</summary>
    public Task<ProcessResult> ListAsync(string from, string member) => BoothAsync(from, "list", "-s", Ip(member));

    /// <summary>The holder <paramref name="member"/> reports: a member name (n1, n2, w), "NONE" or "none".</summary>
    public async Task<string> LeaderAtAsync(string member)
    {
        var r = await ListAsync(member, member).ConfigureAwait(false);
        r.EnsureSuccess();
        var m = LeaderLine().Match(r.Stdout);
        if (!m.Success)
        {
            throw new InvalidOperationException($"no ticket line in `booth list`: {r.Describe()}");
        }

        var leader = m.Groups[1].Value;
        return Members.FirstOrDefault(x => Ip(x) == leader) ?? leader;
    }

    /// <summary>The expiry <paramref name="member"/> reports, or null.</summary>
    public async Task<DateTime?> ExpiresAtAsync(string member)
    {
        var r = await ListAsync(member, member).ConfigureAwait(false);
        var m = ExpiresLine().Match(r.Stdout);
        return m.Success ? DateTime.ParseExact(m.Groups[1].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Every running member's view of the holder.</summary>
    public async Task<Dictionary<string, string>> LeadersAsync()
    {
        var views = new Dictionary<string, string>();
        foreach (var m in _running.Where(r => !r.Value.HasExited).Select(r => r.Key))
        {
            views[m] = await LeaderAtAsync(m).ConfigureAwait(false);
        }

        return views;
    }

    /// <summary>Waits until every running member reports <paramref name="leader"/>; returns the time it took.</summary>
    public Task<TimeSpan> WaitAllAgreeAsync(string leader, TimeSpan timeout) =>
        Polling.WaitUntilAsync(async () => (await LeadersAsync().ConfigureAwait(false)).Values.All(v => v == leader),
            timeout, $"every member reports leader {leader}");

    /// <summary>booth peers counters of <paramref name="member"/> about <paramref name="peer"/>.</summary>
    public async Task<(long Recv, long Error, long AuthFail, long Invalid)> CountersAsync(string member, string peer)
    {
        var r = await BoothAsync(member, "peers", "-s", Ip(member)).ConfigureAwait(false);
        r.EnsureSuccess();
        var block = Regex.Match(r.Stdout, $@"{Regex.Escape(Ip(peer))}, last recv:[^\n]*\n[^\n]*\n\s*Recv pkts:(\d+) error:(\d+) authfail:(\d+) invalid:(\d+)",
            RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!block.Success)
        {
            throw new InvalidOperationException($"no peers block for {peer}: {r.Describe()}");
        }

        long G(int i) => long.Parse(block.Groups[i].Value, CultureInfo.InvariantCulture);
        return (G(1), G(2), G(3), G(4));
    }

    /// <summary>Every CIB grant the sites recorded through the crm_ticket stub: (site, owner id, term).</summary>
    public List<(string Site, long Owner, uint Term)> CibGrants()
    {
        var grants = new List<(string, long, uint)>();
        foreach (var m in Members)
        {
            var log = Path.Combine(CibDir(m), "calls.log");
            if (!File.Exists(log))
            {
                continue;
            }

            foreach (var line in File.ReadAllLines(log))
            {
                var g = Regex.Match(line, @" -g --force -S owner -v(-?\d+) -S expires -v\d+ -S term -v(\d+)", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                if (g.Success)
                {
                    grants.Add((m, long.Parse(g.Groups[1].Value, CultureInfo.InvariantCulture), uint.Parse(g.Groups[2].Value, CultureInfo.InvariantCulture)));
                }
            }
        }

        return grants;
    }

    public string Describe()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var (m, p) in _running)
        {
            sb.AppendLine($"--- {m} ({(IsSplitGuard(m) ? "splitguard" : "boothd")}, {(p.HasExited ? "exited" : "running")}):");
            sb.AppendLine(p.OutputTail(25));
        }

        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _running.Values)
        {
            try
            {
                await p.DisposeAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // reported by the process-exit handler
            }
        }

        await Network.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A stopwatch for scenario timings.</summary>
    public static Stopwatch Clock() => Stopwatch.StartNew();

    [GeneratedRegex(@"ticket: \S+, leader: ([^,\s]+)", RegexOptions.CultureInvariant)]
    private static partial Regex LeaderLine();

    [GeneratedRegex(@"expires: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", RegexOptions.CultureInvariant)]
    private static partial Regex ExpiresLine();
}
