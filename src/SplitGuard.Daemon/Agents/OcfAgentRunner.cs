using System.Globalization;
using SplitGuard.Core.Resources;

namespace SplitGuard.Daemon.Agents;

/// <summary>
/// Runs <c>ocf:PROVIDER:TYPE</c> agents: <c>$OCF_ROOT/resource.d/PROVIDER/TYPE start|stop|monitor|meta-data</c>
/// with the OCF environment (<c>OCF_ROOT</c>, <c>OCF_RESOURCE_INSTANCE</c>, <c>OCF_RESKEY_*</c> parameters,
/// <c>OCF_RESKEY_CRM_meta_timeout</c> in milliseconds). Exit codes are OCF's own.
/// </summary>
public sealed class OcfAgentRunner(AgentRunnerOptions? options = null) : ProcessAgentRunner(options)
{
    /// <summary>The provider of the agents bundled with the daemon.</summary>
    public const string BundledProvider = "splitguard";

    /// <inheritdoc />
    public override AgentKind Kind => AgentKind.Ocf;

    /// <inheritdoc />
    public override string ExecutablePath(ResourceConfig resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var provider = resource.Agent.Provider ?? string.Empty;
        var path = Path.Combine(Options.OcfRoot, "resource.d", provider, resource.Agent.Name);
        if (provider == BundledProvider && !File.Exists(path))
        {
            // SplitGuard's own agents (ocf:splitguard:vip) ship with the daemon; an installed one takes precedence.
            var bundled = Path.Combine(Options.BundledAgents, "ocf", provider, resource.Agent.Name);
            if (File.Exists(bundled))
            {
                return bundled;
            }
        }

        return path;
    }

    /// <inheritdoc />
    protected override IReadOnlyDictionary<string, string> Environment(ResourceConfig resource, AgentAction action, TimeSpan timeout)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OCF_ROOT"] = Options.OcfRoot,
            ["OCF_RA_VERSION_MAJOR"] = "1",
            ["OCF_RA_VERSION_MINOR"] = "1",
            ["OCF_RESOURCE_INSTANCE"] = resource.Name,
            ["OCF_RESOURCE_TYPE"] = resource.Agent.Name,
            ["OCF_RESOURCE_PROVIDER"] = resource.Agent.Provider ?? string.Empty,
        };
        AddParams(env, resource);
        env["OCF_RESKEY_CRM_meta_timeout"] = Milliseconds(timeout);
        env["OCF_RESKEY_CRM_meta_interval"] = action == AgentAction.Monitor ? Milliseconds(resource.MonitorInterval) : 0.ToString(CultureInfo.InvariantCulture);
        return env;
    }
}
