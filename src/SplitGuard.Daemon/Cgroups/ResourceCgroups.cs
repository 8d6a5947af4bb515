namespace SplitGuard.Daemon.Cgroups;

/// <summary>
/// The cgroups of one daemon's resources: <c>splitguard/&lt;node&gt;/&lt;resource&gt;</c> under the chosen backend's
/// root (the node name keeps apart several daemons on one host, as in the lab's namespaces, which share the cgroup
/// tree). Shared by the agent runner (which puts each agent into its resource's cgroup before it execs) and the
/// resource manager (which waits for, kills and checks them). Without a backend (not root, no usable hierarchy)
/// every method is a no-op and <see cref="Mode"/> says why.
/// </summary>
public sealed class ResourceCgroups
{
    private readonly ICgroupBackend? _backend;
    private readonly string _node;
    private string? _disabled;

    public ResourceCgroups(ICgroupBackend? backend, string node, string why)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(node);
        _backend = backend;
        _node = node;
        _disabled = backend is null ? why : null;
    }

    /// <summary>"v2", "v1 (freezer+pids)", or "none: why".</summary>
    public string Mode => _backend is not null && _disabled is null ? _backend.Mode : "none: " + _disabled;

    /// <summary>The node whose cgroups these are.</summary>
    public string Node => _node;

    /// <summary>True when resources run in cgroups.</summary>
    public bool Enabled => _backend is not null && _disabled is null;

    /// <summary>The real host's backend for <paramref name="node"/>, from /proc/self/mountinfo.</summary>
    public static ResourceCgroups Detect(string node)
    {
        string mountinfo;
        try
        {
            mountinfo = File.ReadAllText("/proc/self/mountinfo");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ResourceCgroups(null, node, $"cannot read /proc/self/mountinfo: {e.Message}");
        }

        var (backend, why) = CgroupDetection.Choose(mountinfo, Environment.IsPrivilegedProcess, CgroupKernel.Instance);
        if (backend is null && Environment.IsPrivilegedProcess && !mountinfo.Contains(" - cgroup", StringComparison.Ordinal))
        {
            // No cgroup mounted at all in this mount namespace (ip netns exec's fresh /sys): mount the host's layout.
            try
            {
                var problem = CgroupMount.MountHostLayout(File.ReadAllText("/proc/self/cgroup"));
                (backend, why) = problem is null
                    ? CgroupDetection.Choose(File.ReadAllText("/proc/self/mountinfo"), true, CgroupKernel.Instance)
                    : (null, $"{why}; mounting them failed: {problem}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                why = $"{why}; mounting them failed: {e.Message}";
            }
        }

        return new ResourceCgroups(backend, node, why);
    }

    /// <summary>No cgroups, for <paramref name="why"/>.</summary>
    public static ResourceCgroups None(string why) => new(null, "-", why);

    /// <summary>The cgroup path of <paramref name="resource"/> relative to the backend root.</summary>
    public string PathOf(string resource) => $"splitguard/{_node}/{resource}";

    /// <summary>
    /// Creates the cgroups of <paramref name="resources"/>. When that fails the cgroups are disabled (agents then run as
    /// without them) and the reason is returned; null on success.
    /// </summary>
    public string? Prepare(IEnumerable<string> resources)
    {
        if (!Enabled)
        {
            return null;
        }

        foreach (var resource in resources)
        {
            try
            {
                _backend!.Create(PathOf(resource));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _disabled = $"cannot create the cgroup of {resource} ({e.Message})";
                return _disabled;
            }
        }

        return null;
    }

    /// <summary>The cgroup.procs files an agent of <paramref name="resource"/> joins before it execs; empty without cgroups.</summary>
    public IReadOnlyList<string> JoinFiles(string resource) => Enabled ? _backend!.JoinFiles(PathOf(resource)) : [];

    /// <summary>The processes in the cgroup of <paramref name="resource"/>.</summary>
    public IReadOnlyList<int> Pids(string resource) => Enabled ? _backend!.Pids(PathOf(resource)) : [];

    /// <summary>True when the cgroup of <paramref name="resource"/> is empty (always without cgroups).</summary>
    public bool IsEmpty(string resource) => !Enabled || _backend!.IsEmpty(PathOf(resource));

    /// <summary>Waits up to <paramref name="wait"/> for the cgroup of <paramref name="resource"/> to be empty.</summary>
    public bool WaitEmpty(string resource, TimeSpan wait) => !Enabled || _backend!.WaitEmpty(PathOf(resource), wait);

    /// <summary>Kills every process in the cgroup of <paramref name="resource"/> and waits up to <paramref name="wait"/> for it to be empty; null without cgroups.</summary>
    public CgroupKill? Kill(string resource, TimeSpan wait) => Enabled ? _backend!.Kill(PathOf(resource), wait) : null;

    /// <summary>Removes the cgroup of <paramref name="resource"/> (and the node's directory once empty) when nothing runs in it.</summary>
    public bool Remove(string resource) => !Enabled || _backend!.Remove(PathOf(resource));

    /// <summary>The guard's spec of <paramref name="resource"/>, number <paramref name="index"/>, for <see cref="CgroupShell.KillProgram"/>.</summary>
    public string KillSpec(int index, string resource) => CgroupShell.Spec(index, Enabled ? _backend : null, PathOf(resource));

    /// <summary>The shell check that succeeds when the cgroup of <paramref name="resource"/> is empty (for the guard script).</summary>
    public string? ShellEmpty(string resource) => Enabled ? CgroupShell.Empty(_backend!, PathOf(resource)) : null;

    /// <summary>The arguments of the guard's cg_term for <paramref name="resource"/> (its directories, quoted), or null without cgroups.</summary>
    public string? ShellDirs(string resource) => Enabled ? CgroupShell.Dirs(_backend!, PathOf(resource)) : null;
}
