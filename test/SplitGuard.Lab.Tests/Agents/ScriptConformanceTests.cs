using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>Conformance of a pha-style script (lab/agents/pha/service.sh: start, stop, check), its pid file in a temporary directory.</summary>
public sealed class ScriptConformanceTests : AgentConformanceTests
{
    public ScriptConformanceTests()
    {
        Resource = new ResourceConfig
        {
            Name = "pha-service",
            Agent = AgentSpec.Script(AgentLab.PhaScript),
            Params = new Dictionary<string, string> { ["statedir"] = Work },
        };
    }

    protected override IAgentRunner Runner { get; } = new ScriptAgentRunner();

    protected override ResourceConfig Resource { get; }

    protected override int NotRunningExitCode => 1;
}
