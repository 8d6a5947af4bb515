using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>
/// ocf:splitguard:vip, the virtual address agent bundled with the daemon, found beside the assembly (the system OCF
/// root has no splitguard provider). The address is 127.77.77.77/32 on the loopback interface, chosen by the agent
/// through the kernel's route, so nothing leaves the host; no gratuitous ARP (arp_count 0). Needs root.
/// </summary>
public sealed class OcfVipConformanceTests : AgentConformanceTests
{
    private readonly AgentRunner _runner = new(new AgentRunnerOptions { OcfRoot = AgentLab.SystemOcfRoot });

    protected override IAgentRunner Runner => _runner;

    protected override ResourceConfig Resource { get; } = new()
    {
        Name = "vip-conformance",
        Agent = AgentSpec.Ocf("splitguard", "vip"),
        Params = new Dictionary<string, string>(StringComparer.Ordinal) { ["ip"] = "127.77.77.77", ["arp_count"] = "0" },
    };

    protected override int NotRunningExitCode => 7;

    [Fact]
    public void The_agent_comes_from_the_daemons_own_directory()
    {
        var path = _runner.CommandFor(Resource, AgentAction.Start, TimeSpan.FromSeconds(1))!.Executable;

        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "agents", "ocf", "splitguard", "vip"), path);
        Assert.True(File.Exists(path), path);
    }

    [Fact]
    public async Task A_malformed_address_is_not_configured_and_says_why()
    {
        var bad = Resource with { Params = new Dictionary<string, string>(StringComparer.Ordinal) { ["ip"] = "10.1.300.4" } };

        var result = await Runner.RunAsync(bad, AgentAction.Start, TimeSpan.FromSeconds(20), CancellationToken.None);

        AgentLab.AssertStatus(AgentStatus.NotConfigured, result);
        Assert.Contains("ip '10.1.300.4' is not an IPv4 address", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_ends_the_announcement_still_going()
    {
        // 50 announcements 200 ms apart would go on for 10 s: the stop must end them (its cgroup empties only then, and
        // no announcement for an address this node gave up may follow the stop).
        var announcing = Resource with
        {
            Name = "vip-announcing",
            Params = new Dictionary<string, string>(StringComparer.Ordinal) { ["ip"] = "127.77.77.78", ["arp_count"] = "50", ["arp_interval"] = "200" },
        };
        try
        {
            AgentLab.AssertStatus(AgentStatus.Ok, await Runner.RunAsync(announcing, AgentAction.Start, TimeSpan.FromSeconds(20), CancellationToken.None));
            Assert.NotEmpty(Announcers("127.77.77.78"));

            AgentLab.AssertStatus(AgentStatus.Ok, await Runner.RunAsync(announcing, AgentAction.Stop, TimeSpan.FromSeconds(20), CancellationToken.None));

            await Polling.WaitUntilAsync(() => Announcers("127.77.77.78").Count == 0, TimeSpan.FromSeconds(2), "send_arp for 127.77.77.78 gone after the stop");
        }
        finally
        {
            await Runner.RunAsync(announcing, AgentAction.Stop, TimeSpan.FromSeconds(20), CancellationToken.None);
            foreach (var pid in Announcers("127.77.77.78"))
            {
                NativeSignals.Send(pid, NativeSignals.SigKill);
            }
        }
    }

    /// <summary>Pids of the send_arp processes announcing <paramref name="ip"/>.</summary>
    private static List<int> Announcers(string ip)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Length > 0 && args[0].EndsWith("send_arp", StringComparison.Ordinal) && args.Contains(ip))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read.
            }
        }

        return found;
    }
}
