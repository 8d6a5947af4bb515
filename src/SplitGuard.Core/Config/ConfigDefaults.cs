namespace SplitGuard.Core.Config;

/// <summary>Defaults and limits of the configuration keys (documented in docs/configuration.md).</summary>
public static class ConfigDefaults
{
    /// <summary><c>System.foreground</c> default (sbp).</summary>
    public const bool Foreground = false;

    /// <summary><c>Logging.level</c> default (sbp).</summary>
    public const string LogLevel = "INFO";

    /// <summary><c>Logging.logfile</c> default.</summary>
    public const string LogFile = "/var/log/splitguard.log";

    /// <summary><c>Logging.max_file_size</c> default in MB (sbp).</summary>
    public const int MaxFileSizeMb = 10;

    /// <summary><c>Logging.no_of_file</c> default (sbp).</summary>
    public const int NoOfFile = 5;

    /// <summary><c>api.socket</c> default (sbp's is <c>/run/sbpd.sock</c>).</summary>
    public const string ApiSocket = "/run/splitguard/api.sock";

    /// <summary><c>Auth.key_file</c> default.</summary>
    public const string KeyFile = "/etc/splitguard/authkey";

    /// <summary><c>Daemon.pid_file</c> default.</summary>
    public const string PidFile = "/run/splitguard/splitguard.pid";

    /// <summary><c>Daemon.control_socket</c> default.</summary>
    public const string ControlSocket = "/run/splitguard/control.sock";

    /// <summary><c>Daemon.state_dir</c> default: the lease term and the incarnation, kept across reboots.</summary>
    public const string StateDir = "/var/lib/splitguard";

    /// <summary>The configuration file the packaged service reads (searched first when no <c>--config</c> is given).</summary>
    public const string ConfigFile = "/etc/splitguard/splitguard.json";

    /// <summary>SCHED_RR priority of the heartbeat threads (Daemon.realtime_priority); 0: normal scheduling.</summary>
    public const int RealtimePriority = 50;

    /// <summary>
    /// How long the heartbeat threads run under normal scheduling after the daemon starts, before SCHED_RR: the start-up's
    /// CPU (JIT, 60 to 160 ms measured) must not be taken from the node's services (Hosting.Realtime in the daemon).
    /// </summary>
    public static readonly TimeSpan RealtimeWarmup = TimeSpan.FromSeconds(1);

    /// <summary>The placeholder in paths that the daemon replaces with the local member's Hostname.</summary>
    public const string NodePlaceholder = "{node}";

    /// <summary>Smallest <c>interval</c> in seconds.</summary>
    public const decimal MinIntervalSeconds = 0.005m;

    /// <summary>Largest <c>interval</c> in seconds.</summary>
    public const decimal MaxIntervalSeconds = 3600m;

    /// <summary>Largest <c>maxloss</c>.</summary>
    public const int MaxMaxLoss = 100_000;

    /// <summary>Largest <c>max_file_size</c> in MB.</summary>
    public const int MaxFileSizeMbLimit = 100_000;

    /// <summary>Largest <c>no_of_file</c>.</summary>
    public const int MaxNoOfFile = 1000;

    /// <summary>sbp's logging levels, in increasing severity.</summary>
    public static readonly IReadOnlyList<string> LogLevels = ["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"];
}
