using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Cgroups;
using SplitGuard.Daemon.Resources;
using SplitGuard.Lab.Tests.Agents;
using SplitGuard.Lab.Tests.Infrastructure;

namespace SplitGuard.Lab.Tests.Cgroups;

/// <summary>
/// One cgroup test's world: a work directory, a node name of its own (so its cgroups, splitguard/&lt;node&gt;/..., never
/// meet another test's or a lab daemon's), the host's real cgroup backend, and cleanup that kills and removes every
/// cgroup it made and every process that mentions its work directory, also when the test failed.
/// </summary>
public sealed class CgroupLab : IDisposable
{
    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly List<string> _resources = [];
    private readonly List<string> _addresses = [];

    public CgroupLab(string prefix)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new LabUnavailableException("the cgroup tests need root (they create cgroups and add addresses)");
        }

        Work = Directory.CreateTempSubdirectory("sg-" + prefix + "-").FullName;
        Node = "lab-" + Path.GetFileName(Work)[(prefix.Length + 4)..].ToLowerInvariant();
        Cgroups = ResourceCgroups.Detect(Node);
        if (!Cgroups.Enabled)
        {
            throw new LabUnavailableException($"this host offers no cgroups the daemon can use: {Cgroups.Mode}");
        }

        Runner = new AgentRunner(new AgentRunnerOptions { OcfRoot = AgentLab.TestOcfRoot, Cgroups = Cgroups });
    }

    public string Work { get; }

    public string Node { get; }

    public ResourceCgroups Cgroups { get; }

    public AgentRunner Runner { get; }

    public string OwnershipLog => Path.Combine(Work, "ownership.log");

    public TimeSpan Now() => Stopwatch.GetElapsedTime(_origin);

    /// <summary>A Detach resource (lab/agents: a daemon that setsids, double forks and ignores SIGTERM).</summary>
    public ResourceConfig Detach(string name, TimeSpan stopTimeout, params (string Key, string Value)[] @params)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["state"] = Path.Combine(Work, name + ".state"),
            ["pidfile"] = Path.Combine(Work, name + ".pid"),
        };
        foreach (var (key, value) in @params)
        {
            all[key] = value;
        }

        _resources.Add(name);
        return new ResourceConfig
        {
            Name = name,
            Agent = AgentSpec.Ocf("splitguard", "Detach"),
            Params = all,
            Timeouts = new ResourceTimeouts(TimeSpan.FromSeconds(20), stopTimeout, TimeSpan.FromSeconds(20)),
        };
    }

    /// <summary>
    /// A pha-style script agent whose start leaves a detached helper that ends on SIGTERM and whose stop says stopped
    /// without touching it (the helper's command line names the work directory, so <see cref="LiveProcesses"/> sees it).
    /// </summary>
    public ResourceConfig Leaver(string name, TimeSpan stopTimeout)
    {
        var state = Path.Combine(Work, name + ".state");
        var script = Path.Combine(Work, name + ".sh");
        File.WriteAllText(script, $$"""
            #!/bin/sh
            case "$1" in
              start) setsid sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' '{{Work}}/{{name}}-helper' </dev/null >/dev/null 2>&1 &
                     : >'{{state}}'; exit 0 ;;
              stop) rm -f '{{state}}'; exit 0 ;;
              check) [ -f '{{state}}' ] ;;
            esac

            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _resources.Add(name);
        return new ResourceConfig
        {
            Name = name,
            Agent = AgentSpec.Script(script),
            Timeouts = new ResourceTimeouts(TimeSpan.FromSeconds(20), stopTimeout, TimeSpan.FromSeconds(20)),
        };
    }

    /// <summary>The bundled vip agent holding <paramref name="ip"/>/32 on the loopback interface (nothing leaves the host; no ARP).</summary>
    public ResourceConfig Vip(string name, string ip)
    {
        _resources.Add(name);
        _addresses.Add(ip);
        return new ResourceConfig
        {
            Name = name,
            Agent = AgentSpec.Ocf("splitguard", "vip"),
            Params = new Dictionary<string, string>(StringComparer.Ordinal) { ["ip"] = ip, ["nic"] = "lo", ["arp_count"] = "0" },
        };
    }

    public ResourceManager Manager(params ResourceConfig[] resources) =>
        new(resources, Runner, new OwnershipLog(OwnershipLog, Node), NullLogger.Instance, Now, Cgroups, TimeSpan.FromSeconds(1));

    /// <summary>
    /// Live (not zombie) processes whose command line mentions this test's work directory, except those that also
    /// mention one of <paramref name="except"/> (the guard script itself): judged from /proc.
    /// </summary>
    public IReadOnlyList<int> LiveProcesses(params string[] except)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(Work, StringComparison.Ordinal) && !except.Any(e => cmdline.Contains(e, StringComparison.Ordinal)) && ProcessSessions.IsLive(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // exited meanwhile
            }
        }

        return found;
    }

    /// <summary>True while <paramref name="ip"/> is on some interface here (ip -o addr, not the agent).</summary>
    public static bool HasAddress(string ip)
    {
        var result = ProcessRunner.Run("ip", ["-o", "-4", "addr", "show", "to", ip], TimeSpan.FromSeconds(5));
        return result.Stdout.Contains(" " + ip + "/", StringComparison.Ordinal);
    }

    /// <summary>The ownership log's lines for <paramref name="resource"/>, the "what" of each.</summary>
    public IReadOnlyList<string> Ownership(string resource) => File.Exists(OwnershipLog)
        ? [.. File.ReadAllLines(OwnershipLog).Select(l => l.Split(' ')).Where(p => p.Length == 4 && p[2] == resource).Select(p => p[3])]
        : [];

    public void Dispose()
    {
        foreach (var resource in _resources)
        {
            Cgroups.Kill(resource, TimeSpan.FromSeconds(2));
            Cgroups.Remove(resource);
        }

        foreach (var ip in _addresses.Where(HasAddress))
        {
            ProcessRunner.Run("ip", ["-4", "addr", "del", ip + "/32", "dev", "lo"], TimeSpan.FromSeconds(5));
        }

        foreach (var pid in LiveProcesses())
        {
            NativeSignals.Send(pid, NativeSignals.SigKill);
        }

        Directory.Delete(Work, recursive: true);
    }
}
