using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
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
}
