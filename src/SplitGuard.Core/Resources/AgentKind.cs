namespace SplitGuard.Core.Resources;

/// <summary>The kinds of resource agent SplitGuard runs (the prefix of a resource's <c>agent</c> key).</summary>
public enum AgentKind
{
    /// <summary><c>ocf:PROVIDER:TYPE</c>: an Open Cluster Framework agent, <c>$OCF_ROOT/resource.d/PROVIDER/TYPE</c>.</summary>
    Ocf = 0,

    /// <summary><c>lsb:NAME</c>: an LSB init script, <c>/etc/init.d/NAME</c> (start, stop, status).</summary>
    Lsb = 1,

    /// <summary><c>script:/path</c>: a pha-style plain script taking start, stop and check.</summary>
    Script = 2,

    /// <summary><c>builtin:NAME</c>: an agent built into the daemon, run in its own process (<c>builtin:vip</c>: a virtual IPv4 address by netlink).</summary>
    Builtin = 3,
}
