namespace SplitGuard.Daemon.Agents;

/// <summary>Where agents live and how their processes are handled.</summary>
public sealed record AgentRunnerOptions
{
    /// <summary>The OCF root (<c>OCF_ROOT</c>): agents are <c>{OcfRoot}/resource.d/PROVIDER/TYPE</c>. Debian's resource-agents installs into /usr/lib/ocf.</summary>
    public string OcfRoot { get; init; } = "/usr/lib/ocf";

    /// <summary>
    /// The agents that ship with the daemon (<c>ocf/splitguard/vip</c>), next to its assembly: used for
    /// <c>ocf:splitguard:TYPE</c> when <c>{OcfRoot}/resource.d/splitguard/TYPE</c> does not exist.
    /// </summary>
    public string BundledAgents { get; init; } = Path.Combine(AppContext.BaseDirectory, "agents");

    /// <summary>Where <c>lsb:NAME</c> scripts are: <c>{InitDirectory}/NAME</c>.</summary>
    public string InitDirectory { get; init; } = "/etc/init.d";

    /// <summary>The setsid binary that puts each agent in a new session and process group.</summary>
    public string SetsidPath { get; init; } = "/usr/bin/setsid";

    /// <summary>
    /// The resources' cgroups: each agent joins its resource's cgroup before it execs. Null: no cgroups (agents run in
    /// a session of their own only). The resource manager must be given the same object.
    /// </summary>
    public Cgroups.ResourceCgroups? Cgroups { get; init; }

    /// <summary>Bytes kept of stdout and of stderr each; the rest is read and dropped.</summary>
    public int OutputLimit { get; init; } = 64 * 1024;

    /// <summary>How long to wait for the process to be reaped after SIGKILL before reporting it as unkillable.</summary>
    public TimeSpan KillWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After the agent exits, how long to keep reading output its children may still write to the inherited
    /// pipes (a daemon that did not redirect its output); then the pipes are closed.
    /// </summary>
    public TimeSpan OutputDrain { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// After the agent exits, output pipes still held open by its children are closed once nothing arrived on them
    /// for this long (or at <see cref="OutputDrain"/> at the latest).
    /// </summary>
    public TimeSpan OutputQuiet { get; init; } = TimeSpan.FromMilliseconds(10);
}
