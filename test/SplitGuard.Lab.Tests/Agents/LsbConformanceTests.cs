using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>
/// Conformance of an LSB init script (lab/agents/init.d/splitguard-lsb-test, copied into a temporary init
/// directory): its service is a real background process, status 3 means not running.
/// </summary>
public sealed class LsbConformanceTests : AgentConformanceTests
{
    public LsbConformanceTests()
    {
        var initDir = Directory.CreateDirectory(Path.Combine(Work, "init.d")).FullName;
        var script = Path.Combine(initDir, "sg-lsb");
        File.Copy(AgentLab.LsbScript, script);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Runner = new LsbAgentRunner(new AgentRunnerOptions { InitDirectory = initDir });
        Resource = new ResourceConfig { Name = "lsb-service", Agent = AgentSpec.Lsb("sg-lsb") };
    }

    protected override IAgentRunner Runner { get; }

    protected override ResourceConfig Resource { get; }

    protected override int NotRunningExitCode => 3;
}
