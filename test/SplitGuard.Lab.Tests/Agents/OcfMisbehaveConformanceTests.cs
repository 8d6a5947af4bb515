using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>lab/agents' Misbehave OCF agent is conformant while told nothing else, so its misbehaviours are the only difference.</summary>
public sealed class OcfMisbehaveConformanceTests : AgentConformanceTests
{
    public OcfMisbehaveConformanceTests()
    {
        Resource = AgentLab.Misbehave("polite", Work);
    }

    protected override IAgentRunner Runner { get; } = new OcfAgentRunner(new AgentRunnerOptions { OcfRoot = AgentLab.TestOcfRoot });

    protected override ResourceConfig Resource { get; }

    protected override int NotRunningExitCode => 7;
}
