using SplitGuard.Core.Config;
using SplitGuard.Core.Links;

namespace SplitGuard.Daemon.Hosting;

/// <summary>Everything the daemon needs, resolved from the config file and the command line.</summary>
/// <param name="Config">The validated configuration.</param>
/// <param name="ConfigPath">Where it was read from.</param>
/// <param name="Memberships">The clusters this node is a member of, and its id in each.</param>
/// <param name="NodeName">This node's hostname as the config names it (used for <c>{node}</c>).</param>
/// <param name="PidFile">Pid file path with <c>{node}</c> expanded.</param>
/// <param name="ControlSocket">Control socket path with <c>{node}</c> expanded.</param>
/// <param name="ApiSocket">sbp API socket path with <c>{node}</c> expanded.</param>
/// <param name="Key">The frame key.</param>
public sealed record DaemonSettings(
    SplitGuardConfig Config,
    string ConfigPath,
    IReadOnlyList<ClusterMembership> Memberships,
    string NodeName,
    string PidFile,
    string ControlSocket,
    string ApiSocket,
    byte[] Key)
{
    /// <summary><c>Daemon.state_dir</c> with <c>{node}</c> expanded: the lease term and the incarnation (<see cref="StateDirectory"/>).</summary>
    public string StateDir { get; init; } = Core.Config.ConfigDefaults.StateDir;

    /// <summary>The exclusive resources this node runs while it holds the lease of the first cluster (empty: heartbeats only).</summary>
    public IReadOnlyList<Core.Resources.ResourceConfig> Resources { get; init; } = [];

    /// <summary>The JSON event stream socket (one object per line), or null when not enabled.</summary>
    public string? EventsSocket { get; init; }

    /// <summary>Where to append the shared ownership log (FAULTS.md 2.16), from <c>$SPLITGUARD_OWNERSHIP_LOG</c>; null: none.</summary>
    public string? OwnershipLog { get; init; }

    /// <summary>The config file's text as the daemon started with it: what a reload compares the file with.</summary>
    public string? ConfigText { get; init; }

    /// <summary>
    /// Re-reads and checks the config file through the same path as the start (reload); null: reload not available.
    /// </summary>
    public Func<ReloadSource>? ReadConfig { get; init; }

    /// <summary>The log's minimum level, changed by a reload of <c>Logging.level</c>; null: fixed.</summary>
    public Serilog.Core.LoggingLevelSwitch? LogLevel { get; init; }
}

/// <summary>
/// What re-reading the config file gave (reload): its text, the resources and the log level it sets, or every error it
/// has (then nothing else counts).
/// </summary>
public sealed record ReloadSource(string Text, IReadOnlyList<Core.Resources.ResourceConfig> Resources, string LogLevel, IReadOnlyList<string> Errors);
