namespace SplitGuard.Core.Resources;

/// <summary>
/// The command-line verbs and the exit-code meanings of each agent kind: OCF codes are taken as they are, LSB
/// codes are mapped as Pacemaker maps them, and a pha-style script only says 0 or not 0.
/// </summary>
public static class AgentExitCodes
{
    /// <summary>Largest OCF exit code with a meaning (OCF_FAILED_PROMOTED).</summary>
    public const int MaxOcfCode = 9;

    /// <summary>The argument the agent is run with, or null when the kind has no such action (LSB and script meta-data).</summary>
    public static string? Verb(AgentKind kind, AgentAction action) => (kind, action) switch
    {
        (_, AgentAction.Start) => "start",
        (_, AgentAction.Stop) => "stop",
        (AgentKind.Ocf or AgentKind.Builtin, AgentAction.Monitor) => "monitor",
        (AgentKind.Lsb, AgentAction.Monitor) => "status",
        (AgentKind.Script, AgentAction.Monitor) => "check",
        (AgentKind.Ocf, AgentAction.MetaData) => "meta-data",
        _ => null,
    };

    /// <summary>The meaning of exit code <paramref name="exitCode"/> of a <paramref name="kind"/> agent run for <paramref name="action"/>.</summary>
    public static AgentStatus Map(AgentKind kind, AgentAction action, int exitCode) => kind switch
    {
        AgentKind.Ocf or AgentKind.Builtin => FromOcf(exitCode),
        AgentKind.Lsb => FromLsb(action, exitCode),
        _ => FromScript(action, exitCode),
    };

    /// <summary>OCF: 0 to 9 as defined by the OCF resource agent API; anything else is <see cref="AgentStatus.UnknownExitCode"/>.</summary>
    public static AgentStatus FromOcf(int exitCode) =>
        exitCode is >= 0 and <= MaxOcfCode ? (AgentStatus)exitCode : AgentStatus.UnknownExitCode;

    /// <summary>
    /// LSB: start and stop share OCF's codes 0 to 7. <c>status</c> has its own: 0 running; 1 (dead, pid file
    /// left), 2 (dead, lock file left) and 3 not running; 4 (unknown) and anything else an error.
    /// </summary>
    public static AgentStatus FromLsb(AgentAction action, int exitCode)
    {
        if (action != AgentAction.Monitor)
        {
            return exitCode is >= 0 and <= (int)AgentStatus.NotRunning ? (AgentStatus)exitCode : AgentStatus.UnknownExitCode;
        }

        return exitCode switch
        {
            0 => AgentStatus.Ok,
            1 or 2 or 3 => AgentStatus.NotRunning,
            4 => AgentStatus.GenericError,
            _ => AgentStatus.UnknownExitCode,
        };
    }

    /// <summary>pha-style: start and stop succeed with 0 and fail otherwise; <c>check</c> 0 is running, anything else not running.</summary>
    public static AgentStatus FromScript(AgentAction action, int exitCode) => (action, exitCode) switch
    {
        (_, 0) => AgentStatus.Ok,
        (AgentAction.Monitor, _) => AgentStatus.NotRunning,
        _ => AgentStatus.GenericError,
    };

    /// <summary>True for the codes after which trying again on this node is pointless (OCF "hard" errors): 2, 4, 5, 6.</summary>
    public static bool IsHardError(AgentStatus status) =>
        status is AgentStatus.InvalidArguments or AgentStatus.InsufficientPrivileges or AgentStatus.NotInstalled or AgentStatus.NotConfigured;

    /// <summary>A short name for messages, e.g. <c>not running (7)</c> or <c>timed out</c>.</summary>
    public static string Describe(AgentStatus status) => status switch
    {
        AgentStatus.Ok => "ok (0)",
        AgentStatus.GenericError => "generic error (1)",
        AgentStatus.InvalidArguments => "invalid arguments (2)",
        AgentStatus.Unimplemented => "unimplemented (3)",
        AgentStatus.InsufficientPrivileges => "insufficient privileges (4)",
        AgentStatus.NotInstalled => "not installed (5)",
        AgentStatus.NotConfigured => "not configured (6)",
        AgentStatus.NotRunning => "not running (7)",
        AgentStatus.RunningMaster => "running master (8)",
        AgentStatus.FailedMaster => "failed master (9)",
        AgentStatus.UnknownExitCode => "unknown exit code",
        AgentStatus.TimedOut => "timed out",
        AgentStatus.Cancelled => "cancelled",
        AgentStatus.CouldNotRun => "could not run",
        _ => status.ToString(),
    };
}
