using SplitGuard.Core.Resources;

namespace SplitGuard.Daemon.Agents;

/// <summary>The runner the daemon uses: hands each resource to the OCF, LSB or script runner by its agent's kind.</summary>
public sealed class AgentRunner : IAgentRunner
{
    private readonly OcfAgentRunner _ocf;
    private readonly LsbAgentRunner _lsb;
    private readonly ScriptAgentRunner _script;

    public AgentRunner(AgentRunnerOptions? options = null)
    {
        Options = options ?? new AgentRunnerOptions();
        _ocf = new OcfAgentRunner(Options);
        _lsb = new LsbAgentRunner(Options);
        _script = new ScriptAgentRunner(Options);
    }

    /// <summary>Paths and limits shared by the three runners.</summary>
    public AgentRunnerOptions Options { get; }

    /// <inheritdoc />
    public Task<AgentResult> RunAsync(ResourceConfig resource, AgentAction action, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return RunnerFor(resource).RunAsync(resource, action, timeout, cancellationToken);
    }

    /// <summary>The command that would run <paramref name="action"/> of <paramref name="resource"/> (for the guard), or null.</summary>
    public AgentCommand? CommandFor(ResourceConfig resource, AgentAction action, TimeSpan timeout) =>
        RunnerFor(resource).CommandFor(resource, action, timeout);

    private ProcessAgentRunner RunnerFor(ResourceConfig resource) => resource.Agent.Kind switch
    {
        AgentKind.Ocf => _ocf,
        AgentKind.Lsb => _lsb,
        _ => _script,
    };
}
