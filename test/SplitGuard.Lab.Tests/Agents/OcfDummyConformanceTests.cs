using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>Conformance of Debian's real <c>ocf:heartbeat:Dummy</c> (resource-agents), its state file in a temporary directory.</summary>
public sealed class OcfDummyConformanceTests : AgentConformanceTests
{
    public OcfDummyConformanceTests()
    {
        AgentLab.EnsureResourceAgents();
        Resource = new ResourceConfig
        {
            Name = "dummy",
            Agent = AgentSpec.Ocf("heartbeat", "Dummy"),
            Params = new Dictionary<string, string> { ["state"] = Path.Combine(Work, "dummy.state") },
        };
    }

    protected override IAgentRunner Runner { get; } = new OcfAgentRunner(new AgentRunnerOptions { OcfRoot = AgentLab.SystemOcfRoot });

    protected override ResourceConfig Resource { get; }

    protected override int NotRunningExitCode => 7;
}
