namespace SplitGuard.Daemon.Agents;

/// <summary>One agent invocation: the executable, its arguments and the variables added to its environment.</summary>
/// <param name="Executable">Absolute path of the agent.</param>
/// <param name="Arguments">Its arguments, e.g. <c>["monitor"]</c>.</param>
/// <param name="Environment">Variables set on top of the cleaned environment (OCF_*, params).</param>
public sealed record AgentCommand(string Executable, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>
    /// The cgroup.procs files the agent joins before it execs (its resource's cgroup: one per v1 hierarchy, one in v2),
    /// so that it and everything it forks, setsid or double fork included, stay in the cgroup; empty: no cgroup.
    /// </summary>
    public IReadOnlyList<string> Cgroup { get; init; } = [];
}
