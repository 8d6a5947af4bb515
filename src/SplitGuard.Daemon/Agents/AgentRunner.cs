using SplitGuard.Core.Resources;

namespace SplitGuard.Daemon.Agents;

/// <summary>
/// The runner the daemon uses: hands each resource to the OCF, LSB or script runner by its agent's kind, and
/// <c>builtin:vip</c> to <see cref="BuiltinVipRunner"/> (in the daemon's own process).
/// </summary>
public sealed class AgentRunner : IAgentRunner, IDisposable
{
    private static readonly AgentSpec BundledVip = AgentSpec.Ocf("splitguard", VipParams.AgentName);

    private readonly OcfAgentRunner _ocf;
    private readonly LsbAgentRunner _lsb;
    private readonly ScriptAgentRunner _script;
    private readonly BuiltinVipRunner _builtinVip = new();

    public AgentRunner(AgentRunnerOptions? options = null)
    {
        Options = options ?? new AgentRunnerOptions();
        _ocf = new OcfAgentRunner(Options);
        _lsb = new LsbAgentRunner(Options);
        _script = new ScriptAgentRunner(Options);
    }

    /// <summary>Paths and limits shared by the three runners.</summary>
    public AgentRunnerOptions Options { get; }

    /// <summary>The runner of builtin:vip.</summary>
    public BuiltinVipRunner BuiltinVip => _builtinVip;

    /// <inheritdoc />
    public Task<AgentResult> RunAsync(ResourceConfig resource, AgentAction action, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.Agent.IsBuiltinVip
            ? _builtinVip.RunAsync(resource, action, timeout, cancellationToken)
            : RunnerFor(resource).RunAsync(resource, action, timeout, cancellationToken);
    }

    /// <summary>
    /// The command that would run <paramref name="action"/> of <paramref name="resource"/> as a process (for the guard,
    /// which acts when the daemon is dead or stalled), or null. builtin:vip is run there by the bundled
    /// <c>ocf:splitguard:vip</c> agent, which takes the same parameters.
    /// </summary>
    public AgentCommand? CommandFor(ResourceConfig resource, AgentAction action, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var process = resource.Agent.IsBuiltinVip ? resource with { Agent = BundledVip } : resource;
        return RunnerFor(process).CommandFor(process, action, timeout);
    }

    /// <summary>Ends builtin:vip's announcements still going.</summary>
    public void Dispose() => _builtinVip.Dispose();

    private ProcessAgentRunner RunnerFor(ResourceConfig resource) => resource.Agent.Kind switch
    {
        AgentKind.Ocf => _ocf,
        AgentKind.Lsb => _lsb,
        _ => _script,
    };
}
