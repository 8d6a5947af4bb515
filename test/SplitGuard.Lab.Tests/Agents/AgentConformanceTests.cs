using System.Xml.Linq;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using Xunit;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>
/// What ocf-tester checks, for every agent kind: monitor of a stopped resource says not running (OCF 7, LSB
/// status 3, pha check non-zero), start then monitor says running, start of a started resource and stop of a
/// stopped one succeed, stop then monitor says not running; OCF agents give their meta-data as XML. One
/// subclass per agent kind, each on real processes in a fresh temporary directory.
/// </summary>
public abstract class AgentConformanceTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    protected AgentConformanceTests()
    {
        Work = Directory.CreateTempSubdirectory("sg-agent-").FullName;
    }

    /// <summary>A fresh directory for the agent's state, deleted after the test.</summary>
    protected string Work { get; }

    protected abstract IAgentRunner Runner { get; }

    protected abstract ResourceConfig Resource { get; }

    /// <summary>The raw exit code of a monitor of a stopped resource (7 for OCF, 3 for LSB status).</summary>
    protected abstract int NotRunningExitCode { get; }

    [Fact]
    public async Task Monitor_of_a_stopped_resource_is_not_running()
    {
        var result = await RunAsync(AgentAction.Monitor);

        AgentLab.AssertStatus(AgentStatus.NotRunning, result);
        Assert.Equal(NotRunningExitCode, result.ExitCode);
        Assert.False(result.TimedOut);
    }

    [Fact]
    public async Task Start_then_monitor_is_running()
    {
        var start = await RunAsync(AgentAction.Start);
        AgentLab.AssertStatus(AgentStatus.Ok, start);
        Assert.Equal(0, start.ExitCode);
        Assert.NotNull(start.ProcessGroup);

        var monitor = await RunAsync(AgentAction.Monitor);
        AgentLab.AssertStatus(AgentStatus.Ok, monitor);
        Assert.Equal(0, monitor.ExitCode);
    }

    [Fact]
    public async Task Start_of_a_started_resource_succeeds()
    {
        AgentLab.AssertStatus(AgentStatus.Ok, await RunAsync(AgentAction.Start));

        AgentLab.AssertStatus(AgentStatus.Ok, await RunAsync(AgentAction.Start));
        AgentLab.AssertStatus(AgentStatus.Ok, await RunAsync(AgentAction.Monitor));
    }

    [Fact]
    public async Task Stop_then_monitor_is_not_running()
    {
        AgentLab.AssertStatus(AgentStatus.Ok, await RunAsync(AgentAction.Start));

        AgentLab.AssertStatus(AgentStatus.Ok, await RunAsync(AgentAction.Stop));
        var monitor = await RunAsync(AgentAction.Monitor);
        AgentLab.AssertStatus(AgentStatus.NotRunning, monitor);
        Assert.Equal(NotRunningExitCode, monitor.ExitCode);
    }

    [Fact]
    public async Task Stop_of_a_stopped_resource_succeeds()
    {
        AgentLab.AssertStatus(AgentStatus.Ok, await RunAsync(AgentAction.Stop));

        AgentLab.AssertStatus(AgentStatus.Ok, await RunAsync(AgentAction.Start));
        AgentLab.AssertStatus(AgentStatus.Ok, await RunAsync(AgentAction.Stop));
        AgentLab.AssertStatus(AgentStatus.Ok, await RunAsync(AgentAction.Stop));
        AgentLab.AssertStatus(AgentStatus.NotRunning, await RunAsync(AgentAction.Monitor));
    }

    [Fact]
    public async Task Meta_data_is_xml_for_ocf_and_unimplemented_otherwise()
    {
        var result = await RunAsync(AgentAction.MetaData);

        if (Resource.Agent.Kind == AgentKind.Ocf)
        {
            AgentLab.AssertStatus(AgentStatus.Ok, result);
            var root = XDocument.Parse(result.Stdout).Root!;
            Assert.Equal("resource-agent", root.Name.LocalName);
            Assert.Equal(Resource.Agent.Name, root.Attribute("name")?.Value);
            Assert.Contains(root.Descendants("action"), a => a.Attribute("name")?.Value == "monitor");
        }
        else
        {
            AgentLab.AssertStatus(AgentStatus.Unimplemented, result);
            Assert.Null(result.ExitCode);
            Assert.Null(result.ProcessGroup);
        }
    }

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        // Stop whatever the test left running (the LSB and pha services are real sleep processes).
        await RunAsync(AgentAction.Stop);
        Directory.Delete(Work, recursive: true);
    }

    protected Task<AgentResult> RunAsync(AgentAction action) => Runner.RunAsync(Resource, action, Timeout, CancellationToken.None);
}
