namespace SplitGuard.Daemon.Agents;

/// <summary>What running one <see cref="AgentCommand"/> produced, before its exit code is given a meaning.</summary>
public sealed record AgentProcessOutcome
{
    /// <summary>The exit code when the process exited by itself; null when it was killed or never started.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The timeout fired and the process group was killed.</summary>
    public bool TimedOut { get; init; }

    /// <summary>The caller cancelled and the process group was killed.</summary>
    public bool Cancelled { get; init; }

    /// <summary>Why the process could not be started, or null.</summary>
    public string? StartError { get; init; }

    /// <summary>The process group (= the pid, a session leader through setsid); null when not started.</summary>
    public int? ProcessGroup { get; init; }

    /// <summary>Null when no kill was needed or it worked; else what went wrong (kill failed, or the process outlived SIGKILL).</summary>
    public string? KillProblem { get; init; }

    /// <summary>Captured standard output (UTF-8, capped).</summary>
    public string Stdout { get; init; } = string.Empty;

    /// <summary>Captured standard error (UTF-8, capped).</summary>
    public string Stderr { get; init; } = string.Empty;

    /// <summary>Some output was cut at the cap.</summary>
    public bool Truncated { get; init; }

    /// <summary>From start to exit or kill.</summary>
    public TimeSpan Duration { get; init; }
}
