using System.Net;
using System.Net.NetworkInformation;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;

namespace SplitGuard.Commands;

/// <summary>Finds, reads, validates the config and works out which node this is; every failure is a message and exit code 2.</summary>
internal sealed record ConfigContext(SplitGuardConfig Config, string Path, IReadOnlyList<ClusterMembership> Memberships, string NodeName, IReadOnlyList<Core.Resources.ResourceConfig> Resources)
{
    public static ConfigContext Load(string? explicitPath, string? node, TextWriter error)
    {
        var path = ConfigLoader.FindConfigFile(explicitPath, AppContext.BaseDirectory, File.Exists);
        if (path is null)
        {
            throw new CommandException(explicitPath is null
                ? $"no config file found; searched: {string.Join(", ", ConfigLoader.SearchPaths(AppContext.BaseDirectory))}"
                : $"config file {explicitPath} does not exist");
        }

        if (!File.Exists(path))
        {
            throw new CommandException($"config file {path} does not exist");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot read config file {path}: {e.Message}");
        }

        var result = ConfigLoader.Parse(text, path);
        if (!result.IsValid)
        {
            foreach (var line in result.FormatErrors())
            {
                error.WriteLine(line);
            }

            throw new CommandException($"{path}: {result.Errors.Count} error(s); refusing to go on");
        }

        var resources = ResourceConfigReader.Read(result.ReservedSections.GetValueOrDefault(ResourceConfigReader.SectionName));
        if (!resources.IsValid)
        {
            foreach (var line in resources.FormatErrors(path))
            {
                error.WriteLine(line);
            }

            throw new CommandException($"{path}: {resources.Errors.Count} error(s) in Resources; refusing to go on");
        }

        if (resources.Resources.Count > 0)
        {
            var cluster = result.Config.Clusters[0];
            var members = cluster.Members;
            var unlinked = members.SelectMany(a => members.Where(b => a.Id < b.Id).Select(b => (a.Id, b.Id)))
                .Where(pair => !cluster.Links.Any(l => (l.A.NodeId, l.B.NodeId) == pair || (l.B.NodeId, l.A.NodeId) == pair))
                .Select(pair => $"{pair.Item1}-{pair.Item2}").ToList();
            if (members.Count < 2 || unlinked.Count > 0)
            {
                throw new CommandException($"{path}: Resources are placed by the first cluster (cluster {cluster.Id}), which needs at least two members "
                    + $"and a link between every two of them (missing: {(members.Count < 2 ? "a second member" : string.Join(", ", unlinked))}); "
                    + "two members also need a witness (an icmp link) to take over from each other");
            }
        }

        var identity = NodeIdentity.Resolve(result.Config, LocalAddresses(), node);
        if (!identity.IsValid)
        {
            foreach (var line in identity.Errors)
            {
                error.WriteLine($"{path}: {line}");
            }

            throw new CommandException(identity.Errors.Count == 0
                ? $"{path}: this node is a member of no cluster (no member's link addresses are local; use --node)"
                : $"{path}: cannot tell which node this is");
        }

        var hostname = identity.Hostname!;
        var config = NodeIdentity.ExpandPaths(result.Config, hostname);
        var memberships = identity.Memberships.Select(m => new ClusterMembership(m.Cluster, m.Local.Id)).ToList();
        return new ConfigContext(config, path, memberships, hostname, resources.Resources);
    }

    public static HashSet<IPAddress> LocalAddresses()
    {
        var set = new HashSet<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var address in nic.GetIPProperties().UnicastAddresses)
            {
                set.Add(address.Address);
            }
        }

        return set;
    }
}
