using System.Globalization;
using SplitGuard.Core.Resources;

namespace SplitGuard.Daemon.Agents;

/// <summary>
/// What the three agent runners share: find the executable, build the command for the kind, run it through
/// <see cref="AgentProcess"/>, map the exit code with <see cref="AgentExitCodes"/>, and word the result.
/// </summary>
public abstract class ProcessAgentRunner : IAgentRunner
{
    private const int MaxReasonLength = 300;

    protected ProcessAgentRunner(AgentRunnerOptions? options)
    {
        Options = options ?? new AgentRunnerOptions();
    }

    /// <summary>Paths and limits.</summary>
    public AgentRunnerOptions Options { get; }

    /// <summary>The kind of agent this runner runs.</summary>
    public abstract AgentKind Kind { get; }

    /// <summary>The agent's executable for <paramref name="resource"/>, e.g. <c>/usr/lib/ocf/resource.d/heartbeat/Dummy</c>.</summary>
    public abstract string ExecutablePath(ResourceConfig resource);

    /// <inheritdoc />
    public async Task<AgentResult> RunAsync(ResourceConfig resource, AgentAction action, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource.Agent.Kind != Kind)
        {
            throw new ArgumentException($"{resource.Name} has a {resource.Agent.Kind} agent ({resource.Agent}); this runner runs {Kind} agents", nameof(resource));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var name = resource.Name;
        if (AgentExitCodes.Verb(Kind, action) is not { } verb)
        {
            return new AgentResult(name, action, AgentStatus.Unimplemented, null, TimeSpan.Zero,
                $"{Describe(action)} of {name}: {Kind.ToString().ToLowerInvariant()} agents have no {Describe(action)} action");
        }

        var path = ExecutablePath(resource);
        if (Problem(path) is { } problem)
        {
            return new AgentResult(name, action, problem.Status, null, TimeSpan.Zero, $"{verb} of {name}: {problem.Text}");
        }

        var command = new AgentCommand(path, [verb], Environment(resource, action, timeout)) { Cgroup = Options.Cgroups?.JoinFiles(name) ?? [] };
        var outcome = await AgentProcess.RunAsync(command, timeout, Options, cancellationToken).ConfigureAwait(false);
        return ToResult(resource, action, verb, timeout, outcome);
    }

    /// <summary>The command that would run <paramref name="action"/> of <paramref name="resource"/>, or null when the kind has no such action.</summary>
    public AgentCommand? CommandFor(ResourceConfig resource, AgentAction action, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return AgentExitCodes.Verb(Kind, action) is { } verb
            ? new AgentCommand(ExecutablePath(resource), [verb], Environment(resource, action, timeout)) { Cgroup = Options.Cgroups?.JoinFiles(resource.Name) ?? [] }
            : null;
    }

    /// <summary>The variables the agent gets on top of the cleaned environment.</summary>
    protected abstract IReadOnlyDictionary<string, string> Environment(ResourceConfig resource, AgentAction action, TimeSpan timeout);

    /// <summary>Milliseconds as OCF wants them in <c>OCF_RESKEY_CRM_meta_*</c>.</summary>
    protected static string Milliseconds(TimeSpan t) => ((long)Math.Ceiling(t.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Adds each parameter as <c>OCF_RESKEY_&lt;name&gt;</c>.</summary>
    protected static void AddParams(Dictionary<string, string> env, ResourceConfig resource)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(resource);
        foreach (var (key, value) in resource.Params)
        {
            env["OCF_RESKEY_" + key] = value;
        }
    }

    private (AgentStatus Status, string Text)? Problem(string path)
    {
        if (!File.Exists(path))
        {
            var hint = Kind == AgentKind.Ocf ? $" (is the package that provides it installed? OCF_ROOT is {Options.OcfRoot})" : string.Empty;
            return (AgentStatus.NotInstalled, $"agent {path} not found{hint}");
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        try
        {
            if ((File.GetUnixFileMode(path) & anyExecute) == 0)
            {
                return (AgentStatus.InsufficientPrivileges, $"agent {path} is not executable (chmod +x)");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (AgentStatus.InsufficientPrivileges, $"agent {path} cannot be read: {e.Message}");
        }

        return null;
    }

    private AgentResult ToResult(ResourceConfig resource, AgentAction action, string verb, TimeSpan timeout, AgentProcessOutcome outcome)
    {
        var name = resource.Name;
        AgentStatus status;
        string message;
        var killed = outcome.KillProblem is { } kp ? $"; {kp}" : $"; process group {outcome.ProcessGroup} killed";
        if (outcome.StartError is { } startError)
        {
            status = AgentStatus.CouldNotRun;
            message = $"{verb} of {name} could not run: {startError}";
        }
        else if (outcome.TimedOut)
        {
            status = AgentStatus.TimedOut;
            message = $"{verb} of {name} timed out after {Seconds(timeout)} s{killed}";
        }
        else if (outcome.Cancelled)
        {
            status = AgentStatus.Cancelled;
            message = $"{verb} of {name} cancelled after {Seconds(outcome.Duration)} s{killed}";
        }
        else if (outcome.ExitCode is 126 or 127
            && (outcome.Stderr.StartsWith("setsid: failed to execute", StringComparison.Ordinal) || outcome.Stderr.StartsWith(AgentProcess.CgroupJoinFailure, StringComparison.Ordinal)))
        {
            status = AgentStatus.CouldNotRun;
            message = $"{verb} of {name} could not run: {FirstLine(outcome.Stderr)}";
        }
        else
        {
            var code = outcome.ExitCode ?? -1;
            status = AgentExitCodes.Map(Kind, action, code);
            var meaning = status == AgentStatus.UnknownExitCode ? $"unknown exit code {code}" : AgentExitCodes.Describe(status);
            message = $"{verb} of {name}: {meaning} in {Seconds(outcome.Duration)} s";
            if (status is not (AgentStatus.Ok or AgentStatus.NotRunning) && Reason(outcome) is { } reason)
            {
                message += $"; {reason}";
            }
        }

        return new AgentResult(name, action, status, outcome.ExitCode, outcome.Duration, message)
        {
            Stdout = outcome.Stdout,
            Stderr = outcome.Stderr,
            OutputTruncated = outcome.Truncated,
            ProcessGroup = outcome.ProcessGroup,
        };
    }

    /// <summary>The agent's own explanation: its last line of stderr (else stdout), shortened.</summary>
    private static string? Reason(AgentProcessOutcome outcome)
    {
        foreach (var (label, text) in new[] { ("stderr", outcome.Stderr), ("stdout", outcome.Stdout) })
        {
            var last = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            if (last is not null)
            {
                return $"{label}: {(last.Length > MaxReasonLength ? last[..MaxReasonLength] + "..." : last)}";
            }
        }

        return null;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static string Describe(AgentAction action) => action switch
    {
        AgentAction.MetaData => "meta-data",
        _ => action.ToString().ToLowerInvariant(),
    };

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
