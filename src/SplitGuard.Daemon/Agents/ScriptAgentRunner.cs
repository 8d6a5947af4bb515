using SplitGuard.Core.Resources;

namespace SplitGuard.Daemon.Agents;

/// <summary>
/// Runs pha-style <c>script:/path</c> agents: <c>/path start|stop|check</c>. Start and stop succeed with exit
/// code 0; check 0 means running and anything else not running. Parameters arrive as <c>OCF_RESKEY_*</c> and the
/// resource name as <c>OCF_RESOURCE_INSTANCE</c>, for scripts that want them.
/// </summary>
public sealed class ScriptAgentRunner(AgentRunnerOptions? options = null) : ProcessAgentRunner(options)
{
    /// <inheritdoc />
    public override AgentKind Kind => AgentKind.Script;

    /// <inheritdoc />
    public override string ExecutablePath(ResourceConfig resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.Agent.Name;
    }

    /// <inheritdoc />
    protected override IReadOnlyDictionary<string, string> Environment(ResourceConfig resource, AgentAction action, TimeSpan timeout)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["OCF_RESOURCE_INSTANCE"] = resource.Name };
        AddParams(env, resource);
        return env;
    }
}
