namespace SplitGuard.Core.Config;

/// <summary>
/// Walks a parsed JSON tree and builds a <see cref="SplitGuardConfig"/>, collecting every error
/// instead of stopping at the first. Used by <see cref="ConfigLoader.Parse"/>.
/// </summary>
internal sealed partial class ConfigReader
{
    internal static readonly IReadOnlyList<string> TopLevelKeys = ["Cluster", "System", "Logging", "api", "Auth", "Daemon", "Ownership"];
    internal static readonly IReadOnlyList<string> ReservedKeys = ["Resources", "Tickets", "Fencing", "Registry", "Web"];
    internal static readonly IReadOnlyList<string> SystemKeys = ["udp_port", "foreground"];
    internal static readonly IReadOnlyList<string> LoggingKeys = ["level", "logfile", "max_file_size", "no_of_file"];
    internal static readonly IReadOnlyList<string> ApiKeys = ["socket", "group", "events_socket"];
    internal static readonly IReadOnlyList<string> AuthKeys = ["key_file"];
    internal static readonly IReadOnlyList<string> DaemonKeys = ["pid_file", "control_socket", "control_group", "realtime_priority", "state_dir"];
    internal static readonly IReadOnlyList<string> OwnershipKeys = ["stop_budget", "gateways", "gateway_interval", "gateway_maxloss", "watchdog"];
    internal static readonly IReadOnlyList<string> WatchdogKeys = ["device", "timeout"];

    // Kernel watchdogs take whole seconds from 1; fractions only make sense for the lab stand-in. 60 s is longer than
    // any takeover anyone would accept.
    private const decimal MinWatchdogSeconds = 0.05m;
    private const decimal MaxWatchdogSeconds = 60m;

    private readonly List<ConfigError> _errors = [];
    private (string Path, JsonTreeNode TypeNode)? _firstUdpLink;

    private ConfigReader()
    {
    }

    /// <summary>Validates <paramref name="root"/> and builds the result.</summary>
    public static ConfigResult Read(JsonTreeNode root, string? sourcePath) => new ConfigReader().ReadRoot(root, sourcePath);

    /// <summary>Records an error at an explicit position.</summary>
    public void Error(string path, int line, int column, string message) => _errors.Add(new ConfigError(path, line, column, message));

    /// <summary>Records an error at <paramref name="node"/>.</summary>
    public void Error(JsonTreeNode node, string path, string message) => Error(path, node.Line, node.Column, message);

    /// <summary>Records "expected X, got Y" at <paramref name="node"/>.</summary>
    public void Expected(JsonTreeNode node, string path, string expectation) =>
        Error(node, path, $"expected {expectation}, got {node.Describe()}");

    private ConfigResult ReadRoot(JsonTreeNode rootNode, string? sourcePath)
    {
        var reserved = new Dictionary<string, JsonTreeNode>(StringComparer.Ordinal);
        var root = ObjectView.Open(
            this,
            rootNode,
            JsonPathText.Root,
            "a JSON object at the top level ({\"Cluster\": [...], \"System\": {...}, ...})",
            TopLevelKeys,
            ReservedKeys);
        if (root is null)
        {
            return Finish(null, reserved, sourcePath);
        }

        foreach (var key in ReservedKeys)
        {
            if (root.Get(key) is { } section)
            {
                reserved.Add(key, section.Value);
            }
        }

        IReadOnlyList<ClusterConfig> clusters = [];
        if (root.Get("Cluster") is { } clusterProperty)
        {
            clusters = ReadClusters(clusterProperty.Value, root.PathOf("Cluster"));
        }
        else
        {
            root.Missing(this, "Cluster", "an array of clusters, each {\"ID\", \"Members\", \"links\"}");
        }

        var system = ReadSystem(root);
        var logging = ReadLogging(root);
        var api = ReadApi(root);
        var auth = ReadAuth(root);
        var daemon = ReadDaemon(root);
        var config = new SplitGuardConfig(clusters, system, logging, api, auth, daemon, sourcePath) { Ownership = ReadOwnership(root) };
        return Finish(config, reserved, sourcePath);
    }

    private ConfigResult Finish(SplitGuardConfig? config, Dictionary<string, JsonTreeNode> reserved, string? sourcePath)
    {
        var errors = _errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
        return new ConfigResult(errors.Count == 0 ? config : null, errors, reserved, sourcePath);
    }

    private SystemConfig ReadSystem(ObjectView root)
    {
        var udpPort = 0;
        var foreground = ConfigDefaults.Foreground;
        var udpPortGiven = false;
        var systemIsObject = true;
        ObjectView? system = null;
        if (root.Get("System") is { } property)
        {
            system = ObjectView.Open(this, property.Value, root.PathOf("System"), "the System object ({\"udp_port\": ..., \"foreground\": ...})", SystemKeys);
            systemIsObject = system is not null;
            if (system?.Get("udp_port") is { } port)
            {
                udpPortGiven = true;
                udpPort = ReadInt(port.Value, system.PathOf("udp_port"), 1, 65535, "the UDP port of udp links") ?? 0;
            }

            if (system?.Get("foreground") is { } fg)
            {
                foreground = ReadBool(fg.Value, system.PathOf("foreground"), "run in the foreground") ?? foreground;
            }
        }

        if (_firstUdpLink is { } udp && !udpPortGiven && systemIsObject)
        {
            var path = JsonPathText.Key(JsonPathText.Key(JsonPathText.Root, "System"), "udp_port");
            var (line, column) = system is not null ? (system.Node.Line, system.Node.Column) : (udp.TypeNode.Line, udp.TypeNode.Column);
            Error(path, line, column, $"missing udp_port (expected an integer from 1 to 65535): System.udp_port is required because {udp.Path} is a udp link");
        }

        return new SystemConfig(udpPort, foreground);
    }

    private LoggingConfig ReadLogging(ObjectView root)
    {
        var level = ConfigDefaults.LogLevel;
        var logFile = ConfigDefaults.LogFile;
        var logFileConfigured = false;
        var maxFileSize = ConfigDefaults.MaxFileSizeMb;
        var noOfFile = ConfigDefaults.NoOfFile;
        if (root.Get("Logging") is { } property
            && ObjectView.Open(this, property.Value, root.PathOf("Logging"), "the Logging object ({\"level\": ..., \"logfile\": ..., ...})", LoggingKeys) is { } logging)
        {
            if (logging.Get("level") is { } l)
            {
                level = ReadLevel(l.Value, logging.PathOf("level")) ?? level;
            }

            if (logging.Get("logfile") is { } f)
            {
                logFileConfigured = true;
                logFile = ReadPath(f.Value, logging.PathOf("logfile"), "the log file") ?? logFile;
            }

            if (logging.Get("max_file_size") is { } m)
            {
                maxFileSize = ReadInt(m.Value, logging.PathOf("max_file_size"), 1, ConfigDefaults.MaxFileSizeMbLimit, "MB before the log file is rotated") ?? maxFileSize;
            }

            if (logging.Get("no_of_file") is { } n)
            {
                noOfFile = ReadInt(n.Value, logging.PathOf("no_of_file"), 1, ConfigDefaults.MaxNoOfFile, "log files kept") ?? noOfFile;
            }
        }

        return new LoggingConfig(level, logFile, maxFileSize, noOfFile) { LogFileConfigured = logFileConfigured };
    }

    private ApiConfig ReadApi(ObjectView root)
    {
        var socket = ConfigDefaults.ApiSocket;
        string? group = null;
        string? events = null;
        if (root.Get("api") is { } property
            && ObjectView.Open(this, property.Value, root.PathOf("api"), "the api object ({\"socket\": ..., \"group\": ...})", ApiKeys) is { } api)
        {
            if (api.Get("socket") is { } s)
            {
                socket = ReadPath(s.Value, api.PathOf("socket"), "the sbp API socket") ?? socket;
            }

            if (api.Get("group") is { } g)
            {
                group = ReadGroup(g.Value, api.PathOf("group"));
            }

            if (api.Get("events_socket") is { } e)
            {
                events = ReadPath(e.Value, api.PathOf("events_socket"), "the JSON event stream socket");
            }
        }

        return new ApiConfig(socket, group) { EventsSocket = events };
    }

    private AuthConfig ReadAuth(ObjectView root)
    {
        var keyFile = ConfigDefaults.KeyFile;
        if (root.Get("Auth") is { } property
            && ObjectView.Open(this, property.Value, root.PathOf("Auth"), "the Auth object ({\"key_file\": ...})", AuthKeys) is { } auth
            && auth.Get("key_file") is { } k)
        {
            keyFile = ReadPath(k.Value, auth.PathOf("key_file"), "the key file") ?? keyFile;
        }

        return new AuthConfig(keyFile);
    }

    private OwnershipConfig ReadOwnership(ObjectView root)
    {
        var ownership = OwnershipConfig.Default;
        if (root.Get("Ownership") is not { } property
            || ObjectView.Open(this, property.Value, root.PathOf("Ownership"), "the Ownership object ({\"stop_budget\": seconds, \"gateways\": [...]})", OwnershipKeys) is not { } section)
        {
            return ownership;
        }

        if (section.Get("stop_budget") is { } budget)
        {
            if (ReadSeconds(budget.Value, section.PathOf("stop_budget"), 0.01m, 60m, "how long the resources may take to stop") is { } stop)
            {
                ownership = ownership with { StopBudget = stop };
            }
        }

        if (section.Get("gateways") is { } gateways)
        {
            var path = section.PathOf("gateways");
            if (gateways.Value is JsonTreeArray array && array.Items.Count > 0)
            {
                var list = new List<System.Net.IPAddress>();
                for (int i = 0; i < array.Items.Count; i++)
                {
                    if (ReadIpv4(array.Items[i], JsonPathText.Index(path, i), icmp: true) is { } ip)
                    {
                        list.Add(ip);
                    }
                }

                ownership = ownership with { Gateways = list };
            }
            else
            {
                Expected(gateways.Value, path, "a non-empty array of IPv4 addresses to ping, such as [\"10.96.0.254\"]");
            }
        }

        if (section.Get("gateway_interval") is { } interval
            && ReadSeconds(interval.Value, section.PathOf("gateway_interval"), 0.01m, 60m, "time between gateway pings") is { } every)
        {
            ownership = ownership with { GatewayInterval = every };
        }

        if (section.Get("gateway_maxloss") is { } maxLoss
            && ReadInt(maxLoss.Value, section.PathOf("gateway_maxloss"), 1, 1000, "unanswered gateway pings before the gateways count as lost") is { } loss)
        {
            ownership = ownership with { GatewayMaxLoss = loss };
        }

        if (section.Get("watchdog") is { } watchdog)
        {
            ownership = ownership with { Watchdog = ReadWatchdog(watchdog.Value, section.PathOf("watchdog")) };
        }

        return ownership;
    }

    private WatchdogConfig? ReadWatchdog(JsonTreeNode node, string path)
    {
        // null says "no watchdog" explicitly, as leaving the key out does.
        if (node is JsonTreeLiteral { Kind: JsonTreeLiteralKind.Null }
            || ObjectView.Open(this, node, path, "the watchdog object ({\"device\": \"/dev/watchdog\", \"timeout\": seconds}) or null", WatchdogKeys) is not { } watchdog)
        {
            return null;
        }

        var device = WatchdogConfig.DefaultDevice;
        var valid = true;
        if (watchdog.Get("device") is { } d)
        {
            var read = ReadPath(d.Value, watchdog.PathOf("device"), "the watchdog device, such as /dev/watchdog");
            valid &= read is not null;
            device = read ?? device;
        }

        // The timeout is required: it lengthens every takeover, so it should be visible in the file, not a default.
        TimeSpan? timeout = null;
        if (watchdog.Get("timeout") is { } t)
        {
            timeout = ReadSeconds(t.Value, watchdog.PathOf("timeout"), MinWatchdogSeconds, MaxWatchdogSeconds, "how long the watchdog waits for a pet before it resets the node");
        }
        else
        {
            watchdog.Missing(this, "timeout", "a number of seconds from 0.05 to 60: how long the watchdog waits for a pet before it resets the node");
        }

        return valid && timeout is { } wait ? new WatchdogConfig(device, wait) : null;
    }

    private TimeSpan? ReadSeconds(JsonTreeNode node, string path, decimal min, decimal max, string what)
    {
        if (node is JsonTreeNumber number && number.AsDecimal() is { } seconds && seconds >= min && seconds <= max)
        {
            return TimeSpan.FromTicks((long)decimal.Round(seconds * TimeSpan.TicksPerSecond));
        }

        Expected(node, path, $"a number of seconds from {min.ToString(System.Globalization.CultureInfo.InvariantCulture)} to {max.ToString(System.Globalization.CultureInfo.InvariantCulture)} ({what})");
        return null;
    }

    private DaemonConfig ReadDaemon(ObjectView root)
    {
        var pidFile = ConfigDefaults.PidFile;
        var controlSocket = ConfigDefaults.ControlSocket;
        var stateDir = ConfigDefaults.StateDir;
        string? controlGroup = null;
        var realtime = ConfigDefaults.RealtimePriority;
        if (root.Get("Daemon") is { } property
            && ObjectView.Open(this, property.Value, root.PathOf("Daemon"), "the Daemon object ({\"pid_file\": ..., \"control_socket\": ..., \"control_group\": ..., \"realtime_priority\": ..., \"state_dir\": ...})", DaemonKeys) is { } daemon)
        {
            if (daemon.Get("pid_file") is { } p)
            {
                pidFile = ReadPath(p.Value, daemon.PathOf("pid_file"), "the pid file") ?? pidFile;
            }

            if (daemon.Get("control_socket") is { } c)
            {
                controlSocket = ReadPath(c.Value, daemon.PathOf("control_socket"), "the control socket") ?? controlSocket;
            }

            if (daemon.Get("state_dir") is { } d)
            {
                stateDir = ReadPath(d.Value, daemon.PathOf("state_dir"), "the state directory (lease term, incarnation)") ?? stateDir;
            }

            if (daemon.Get("control_group") is { } g)
            {
                controlGroup = ReadGroup(g.Value, daemon.PathOf("control_group"));
            }

            if (daemon.Get("realtime_priority") is { } r)
            {
                realtime = ReadInt(r.Value, daemon.PathOf("realtime_priority"), 0, 99, "the SCHED_RR priority of the heartbeat threads (0: normal scheduling)") ?? realtime;
            }
        }

        return new DaemonConfig(pidFile, controlSocket, controlGroup, realtime) { StateDir = stateDir };
    }
}
