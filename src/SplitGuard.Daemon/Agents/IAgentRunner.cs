using SplitGuard.Core.Resources;

namespace SplitGuard.Daemon.Agents;

/// <summary>Runs one action of a resource's agent as a child process and says what happened.</summary>
public interface IAgentRunner
{
    /// <summary>
    /// Runs <paramref name="action"/> of <paramref name="resource"/>'s agent in a process group of its own, with
    /// <c>LC_ALL=C</c>, an empty stdin and captured output. When it outlives <paramref name="timeout"/>, or
    /// <paramref name="cancellationToken"/> is cancelled, the whole process group is killed with SIGKILL and the
    /// result says <see cref="AgentStatus.TimedOut"/> or <see cref="AgentStatus.Cancelled"/>. Never throws for
    /// anything the agent does (or fails to do): every outcome is an <see cref="AgentResult"/>.
    /// </summary>
    Task<AgentResult> RunAsync(ResourceConfig resource, AgentAction action, TimeSpan timeout, CancellationToken cancellationToken);
}
