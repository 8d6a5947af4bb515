using System.Globalization;
using System.Net;

namespace SplitGuard.Core.Config;

/// <summary>
/// Answers "which member am I?" in every cluster: the member whose link IPs are all local
/// addresses of this host, or the member named by <c>--node</c> (ID or Hostname). Also expands
/// the <c>{node}</c> placeholder in paths.
/// </summary>
public static class NodeIdentity
{
    /// <summary>
    /// Resolves the local member of each cluster.
    /// Without <paramref name="nodeOverride"/>: per cluster, the one member all of whose link IPs are in
    /// <paramref name="localAddresses"/>; several such members is an error (pass <c>--node</c>); a member
    /// with only some of its IPs local is an error naming the missing ones; a cluster with none is
    /// skipped with a note. With <paramref name="nodeOverride"/> (a member ID or a Hostname, Hostname
    /// compared case-insensitively): that member in each cluster that has it; other clusters are
    /// skipped with a note; matching no cluster is an error.
    /// </summary>
    public static NodeIdentityResult Resolve(SplitGuardConfig cfg, IReadOnlySet<IPAddress> localAddresses, string? nodeOverride)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(localAddresses);
        var local = new HashSet<IPAddress>(localAddresses.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a));
        var memberships = new List<LocalMembership>();
        var errors = new List<string>();
        var notes = new List<string>();

        if (!string.IsNullOrWhiteSpace(nodeOverride))
        {
            ResolveOverride(cfg, local, nodeOverride.Trim(), memberships, errors, notes);
        }
        else
        {
            foreach (var cluster in cfg.Clusters)
            {
                ResolveByAddress(cluster, local, memberships, errors, notes);
            }

            if (memberships.Count == 0 && errors.Count == 0)
            {
                var shown = local.Count == 0 ? "none" : string.Join(", ", local.Select(a => a.ToString()).Order(StringComparer.Ordinal));
                errors.Add($"this host is a member of no configured cluster: no member has all its link IPs among the local addresses ({shown}); pass --node ID|Hostname or fix the config");
            }
        }

        var hostnames = memberships.Select(m => m.Local.Hostname).Distinct(StringComparer.Ordinal).ToList();
        if (hostnames.Count > 1)
        {
            notes.Add($"this node has different Hostnames in different clusters ({string.Join(", ", memberships.Select(m => $"{m.Local.Hostname} in cluster {m.Cluster.Id}"))}); {ConfigDefaults.NodePlaceholder} expands to {hostnames[0]}");
        }

        return new NodeIdentityResult(memberships, errors, notes);
    }

    /// <summary>The distinct IP addresses <paramref name="member"/> uses on the links of <paramref name="cluster"/>.</summary>
    public static IReadOnlyList<IPAddress> LinkAddresses(ClusterConfig cluster, MemberConfig member)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(member);
        return cluster.Links
            .Select(l => l.EndpointOf(member.Id)?.Ip)
            .OfType<IPAddress>()
            .Distinct()
            .ToList();
    }

    /// <summary>Replaces every <c>{node}</c> in <paramref name="path"/> with <paramref name="hostname"/>.</summary>
    public static string ExpandNode(string path, string hostname)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(hostname);
        return path.Replace(ConfigDefaults.NodePlaceholder, hostname, StringComparison.Ordinal);
    }

    /// <summary>
    /// <paramref name="cfg"/> with <c>{node}</c> expanded to <paramref name="hostname"/> in every path:
    /// <c>Logging.logfile</c>, <c>api.socket</c>, <c>Auth.key_file</c>, <c>Daemon.pid_file</c>,
    /// <c>Daemon.control_socket</c>, <c>Daemon.state_dir</c>.
    /// </summary>
    public static SplitGuardConfig ExpandPaths(SplitGuardConfig cfg, string hostname)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        return cfg with
        {
            Logging = cfg.Logging with { LogFile = ExpandNode(cfg.Logging.LogFile, hostname) },
            Api = cfg.Api with { Socket = ExpandNode(cfg.Api.Socket, hostname), EventsSocket = cfg.Api.EventsSocket is { } events ? ExpandNode(events, hostname) : null },
            Auth = cfg.Auth with { KeyFile = ExpandNode(cfg.Auth.KeyFile, hostname) },
            Daemon = cfg.Daemon with
            {
                PidFile = ExpandNode(cfg.Daemon.PidFile, hostname),
                ControlSocket = ExpandNode(cfg.Daemon.ControlSocket, hostname),
                StateDir = ExpandNode(cfg.Daemon.StateDir, hostname),
            },
            Ownership = cfg.Ownership.Watchdog is { } watchdog
                ? cfg.Ownership with { Watchdog = watchdog with { Device = ExpandNode(watchdog.Device, hostname) } }
                : cfg.Ownership,
        };
    }

    private static void ResolveByAddress(
        ClusterConfig cluster,
        HashSet<IPAddress> local,
        List<LocalMembership> memberships,
        List<string> errors,
        List<string> notes)
    {
        var full = new List<MemberConfig>();
        var partial = new List<(MemberConfig Member, List<IPAddress> Local, List<IPAddress> Missing)>();
        foreach (var member in cluster.Members)
        {
            var addresses = LinkAddresses(cluster, member);
            if (addresses.Count == 0)
            {
                continue;
            }

            var present = addresses.Where(local.Contains).ToList();
            if (present.Count == addresses.Count)
            {
                full.Add(member);
            }
            else if (present.Count > 0)
            {
                partial.Add((member, present, addresses.Where(a => !local.Contains(a)).ToList()));
            }
        }

        if (full.Count == 1)
        {
            memberships.Add(new LocalMembership(cluster, full[0]));
            foreach (var p in partial)
            {
                notes.Add($"cluster {cluster.Id}: this node is member {Describe(full[0])}, but also has {Join(p.Local)} of member {Describe(p.Member)}");
            }
        }
        else if (full.Count > 1)
        {
            errors.Add($"cluster {cluster.Id}: cannot tell which member this node is: all link IPs of members {string.Join(", ", full.Select(Describe))} are local (several nodes on one host?); pass --node with a member ID or Hostname");
        }
        else if (partial.Count > 0)
        {
            foreach (var p in partial)
            {
                errors.Add($"cluster {cluster.Id}: member {Describe(p.Member)} has its link IPs {Join(p.Local)} on this host but not {Join(p.Missing)}; add the missing addresses, fix the config, or pass --node");
            }
        }
        else
        {
            notes.Add($"cluster {cluster.Id}: skipped, this host is not a member (none of its link IPs is local)");
        }
    }

    private static void ResolveOverride(
        SplitGuardConfig cfg,
        HashSet<IPAddress> local,
        string node,
        List<LocalMembership> memberships,
        List<string> errors,
        List<string> notes)
    {
        var isId = ushort.TryParse(node, NumberStyles.None, CultureInfo.InvariantCulture, out var id);
        var byId = false;
        foreach (var cluster in cfg.Clusters)
        {
            MemberConfig? member = null;
            if (isId)
            {
                member = cluster.Members.FirstOrDefault(m => m.Id == id);
                byId |= member is not null;
            }

            member ??= cluster.Members.FirstOrDefault(m => string.Equals(m.Hostname, node, StringComparison.OrdinalIgnoreCase));
            if (member is null)
            {
                notes.Add($"cluster {cluster.Id}: skipped, --node {node} is not one of its members");
                continue;
            }

            memberships.Add(new LocalMembership(cluster, member));
            var missing = LinkAddresses(cluster, member).Where(a => !local.Contains(a)).ToList();
            if (missing.Count > 0)
            {
                notes.Add($"cluster {cluster.Id}: member {Describe(member)} (chosen by --node) has link IPs {Join(missing)} that are not local to this host; those links cannot work here");
            }
        }

        if (memberships.Count == 0)
        {
            var known = string.Join("; ", cfg.Clusters.Select(c => $"cluster {c.Id}: {string.Join(", ", c.Members.Select(Describe))}"));
            errors.Add($"--node {node} matches no member ID or Hostname in any cluster ({known})");
            return;
        }

        if (byId && memberships.Select(m => m.Local.Hostname).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1)
        {
            errors.Add($"--node {node} names different hosts in different clusters ({string.Join(", ", memberships.Select(m => $"{Describe(m.Local)} in cluster {m.Cluster.Id}"))}); pass the Hostname instead");
            memberships.Clear();
        }
    }

    private static string Describe(MemberConfig member) => $"{member.Id} ({member.Hostname})";

    private static string Join(IEnumerable<IPAddress> addresses) => string.Join(", ", addresses);
}
