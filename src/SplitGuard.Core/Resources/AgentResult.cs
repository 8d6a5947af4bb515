namespace SplitGuard.Core.Resources;

/// <summary>
/// What one agent run did. Produced by the daemon's runners (never an exception for agent misbehaviour) and fed
/// to <see cref="ResourceState.Complete"/>.
/// </summary>
/// <param name="Resource">The resource's name.</param>
/// <param name="Action">The action that was run.</param>
/// <param name="Status">What the run means, mapped from the exit code for the agent's kind.</param>
/// <param name="ExitCode">The agent's exit code; null when it did not exit by itself (timed out, cancelled, not run).</param>
/// <param name="Duration">From start to exit (or to the kill).</param>
/// <param name="Message">One line for logs and status, e.g. "start of web timed out after 20 s; process group 1234 killed".</param>
public sealed record AgentResult(
    string Resource,
    AgentAction Action,
    AgentStatus Status,
    int? ExitCode,
    TimeSpan Duration,
    string Message)
{
    /// <summary>Standard output, decoded as UTF-8, at most the runner's cap (64 KiB).</summary>
    public string Stdout { get; init; } = string.Empty;

    /// <summary>Standard error, decoded as UTF-8, at most the runner's cap (64 KiB).</summary>
    public string Stderr { get; init; } = string.Empty;

    /// <summary>True when stdout or stderr produced more than the cap and was cut.</summary>
    public bool OutputTruncated { get; init; }

    /// <summary>The process group the agent ran in (its pid, made a group leader by setsid), when it was started.</summary>
    public int? ProcessGroup { get; init; }

    /// <summary>True when the run hit its timeout and its process group was killed.</summary>
    public bool TimedOut => Status == AgentStatus.TimedOut;

    /// <summary>True for <see cref="AgentStatus.Ok"/>.</summary>
    public bool Succeeded => Status == AgentStatus.Ok;
}
