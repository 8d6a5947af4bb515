using SplitGuard.Core.Resources;

namespace SplitGuard.Daemon.Agents;

/// <summary>
/// Runs <c>lsb:NAME</c> init scripts: <c>/etc/init.d/NAME start|stop|status</c>. Start and stop share OCF's
/// exit codes; status 0 is running and 1, 2, 3 are not running (as Pacemaker maps them). No parameters.
/// </summary>
public sealed class LsbAgentRunner(AgentRunnerOptions? options = null) : ProcessAgentRunner(options)
{
    private static readonly IReadOnlyDictionary<string, string> NoVariables = new Dictionary<string, string>();

    /// <inheritdoc />
    public override AgentKind Kind => AgentKind.Lsb;

    /// <inheritdoc />
    public override string ExecutablePath(ResourceConfig resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Path.Combine(Options.InitDirectory, resource.Agent.Name);
    }

    /// <inheritdoc />
    protected override IReadOnlyDictionary<string, string> Environment(ResourceConfig resource, AgentAction action, TimeSpan timeout) => NoVariables;
}
