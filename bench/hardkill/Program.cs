using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Cgroups;
using SplitGuard.Daemon.Resources;

// hardkill-bench [ROUNDS]: starts a resource whose cgroup holds 100 processes (setsid'd away from the agent), plus an
// address resource (ocf:splitguard:vip, 127.77.30.1/32 on lo: nothing leaves the host), then times
// ResourceManager.HardKill, which kills the cgroups, deletes the address and confirms the cgroups empty. Two cases:
// the 100 processes alone, and with the address. Needs root.
var rounds = Math.Max(2, args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 21);
var here = AppContext.BaseDirectory;
var script = Path.GetFullPath(Path.Combine(here, "..", "..", "..", "service.sh"));
if (!File.Exists(script))
{
    script = Path.Combine(Directory.GetCurrentDirectory(), "bench", "hardkill", "service.sh");
}

var work = Directory.CreateTempSubdirectory("sg-hardkill-").FullName;
var node = "bench-" + Path.GetFileName(work)[12..].ToLowerInvariant();
var cgroups = ResourceCgroups.Detect(node);
if (!cgroups.Enabled)
{
    Console.Error.WriteLine($"hardkill-bench: no cgroups: {cgroups.Mode}");
    return 2;
}

const string Ip = "127.77.30.1";
var service = new ResourceConfig
{
    Name = "svc",
    Agent = AgentSpec.Script(script),
    Params = new Dictionary<string, string>(StringComparer.Ordinal) { ["state"] = Path.Combine(work, "svc.state") },
    MigrationThreshold = 1_000_000,
};
var vip = new ResourceConfig
{
    Name = "vip",
    Agent = AgentSpec.Ocf("splitguard", "vip"),
    Params = new Dictionary<string, string>(StringComparer.Ordinal) { ["ip"] = Ip, ["nic"] = "lo", ["arp_count"] = "0" },
    MigrationThreshold = 1_000_000,
};
var origin = Stopwatch.GetTimestamp();
var runner = new AgentRunner(new AgentRunnerOptions { Cgroups = cgroups });
Console.WriteLine($"cgroups: {cgroups.Mode}; {Environment.ProcessorCount} cpus; load {File.ReadAllText("/proc/loadavg").Trim()}");
try
{
    foreach (var withAddress in new[] { false, true })
    {
        ResourceConfig[] resources = withAddress ? [vip, service] : [service];
        using var manager = new ResourceManager(resources, runner, new OwnershipLog(null, node), NullLogger.Instance, () => Stopwatch.GetElapsedTime(origin), cgroups);
        var times = new List<double>();
        var empties = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var until = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
            while (!(manager.State == "started" && cgroups.Pids("svc").Count >= 100))
            {
                if (Stopwatch.GetTimestamp() > until)
                {
                    throw new TimeoutException($"not started: {manager.State}, {cgroups.Pids("svc").Count} processes");
                }

                manager.Apply(true);
                Thread.Sleep(10);
            }

            var processes = cgroups.Pids("svc").Count;
            var done = new TaskCompletionSource<HardKillReport>();
            var start = Stopwatch.GetTimestamp();
            var first = manager.HardKill("benchmark", r => done.SetResult(r));
            var took = Stopwatch.GetElapsedTime(start);
            var report = done.Task.GetAwaiter().GetResult();
            if (!report.AllEmpty || (withAddress && report.Resources.Single(r => r.Resource == "vip").Addresses.Count != 1))
            {
                throw new InvalidOperationException($"round {round}: {string.Join("; ", report.Resources)}");
            }

            if (round > 0)
            {
                // Round 1 warms up (JIT, the first netlink socket) and is not counted.
                times.Add(took.TotalMilliseconds);
                empties.Add(report.Duration.TotalMilliseconds);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {(withAddress ? "100 processes + address" : "100 processes")}: round {round + 1}: {processes} processes, killed {report.Resources.Sum(r => r.Killed)}, HardKill returned after {took.TotalMilliseconds:0.000} ms (signalled {first.Duration.TotalMilliseconds:0.000} ms), cgroups empty after {report.Duration.TotalMilliseconds:0.000} ms"));
            while (manager.RunningActions > 0)
            {
                Thread.Sleep(5);
            }
        }

        Console.WriteLine($"{(withAddress ? "100 processes + address" : "100 processes")}, {rounds - 1} rounds: HardKill returned (every process signalled{(withAddress ? ", address deleted" : string.Empty)}): {Summary(times)}");
        Console.WriteLine($"{(withAddress ? "100 processes + address" : "100 processes")}, {rounds - 1} rounds: cgroups confirmed empty: {Summary(empties)}");
        manager.StopAndWait(TimeSpan.FromSeconds(10));
    }
}
finally
{
    cgroups.Kill("svc", TimeSpan.FromSeconds(2));
    cgroups.Kill("vip", TimeSpan.FromSeconds(2));
    cgroups.Remove("svc");
    cgroups.Remove("vip");
    Directory.Delete(work, recursive: true);
}

return 0;

static string Summary(List<double> values)
{
    values.Sort();
    return string.Create(CultureInfo.InvariantCulture,
        $"min {values[0]:0.000} ms, median {values[values.Count / 2]:0.000} ms, p90 {values[(int)(values.Count * 0.9)]:0.000} ms, max {values[^1]:0.000} ms");
}
