namespace SplitGuard.Core.Resources;

/// <summary>
/// What an agent run meant, in OCF terms. Values 0 to 9 are the OCF exit codes; LSB and pha-style exit codes
/// are mapped onto them by <see cref="AgentExitCodes"/>. Values from 100 up are outcomes without an exit code
/// of the agent's own.
/// </summary>
public enum AgentStatus
{
    /// <summary>OCF_SUCCESS (0): done; for a monitor, running.</summary>
    Ok = 0,

    /// <summary>OCF_ERR_GENERIC (1): a soft error; a restart may help.</summary>
    GenericError = 1,

    /// <summary>OCF_ERR_ARGS (2): the parameters are wrong for this node (hard error).</summary>
    InvalidArguments = 2,

    /// <summary>OCF_ERR_UNIMPLEMENTED (3): the agent does not implement this action.</summary>
    Unimplemented = 3,

    /// <summary>OCF_ERR_PERM (4): insufficient privileges (hard error).</summary>
    InsufficientPrivileges = 4,

    /// <summary>OCF_ERR_INSTALLED (5): the agent or the software it manages is missing on this node (hard error).</summary>
    NotInstalled = 5,

    /// <summary>OCF_ERR_CONFIGURED (6): the configuration is wrong (hard error).</summary>
    NotConfigured = 6,

    /// <summary>OCF_NOT_RUNNING (7): cleanly stopped. For a stop action, the same as <see cref="Ok"/>.</summary>
    NotRunning = 7,

    /// <summary>OCF_RUNNING_PROMOTED (8): running as master; SplitGuard treats it as running.</summary>
    RunningMaster = 8,

    /// <summary>OCF_FAILED_PROMOTED (9): failed as master.</summary>
    FailedMaster = 9,

    /// <summary>The agent exited with a code that means nothing for its kind (e.g. 42); treated as an error.</summary>
    UnknownExitCode = 100,

    /// <summary>The agent did not finish within its timeout; its whole process group was killed.</summary>
    TimedOut = 101,

    /// <summary>The run was cancelled by SplitGuard (shutdown); its whole process group was killed.</summary>
    Cancelled = 102,

    /// <summary>The agent could not be run at all (exec failed); not an exit code of the agent's own.</summary>
    CouldNotRun = 103,
}
