using SplitGuard.Core.Config;
using SplitGuard.Core.Resources;

namespace SplitGuard.Commands;

/// <summary>
/// Everything the daemon checks in a config file before it starts, except which node this host is (that depends on
/// the host's addresses): the clusters and the rest of the core file, the <c>Resources</c> section, the rule that
/// resources need a first cluster able to place them, and the sections this version does not build. One path for
/// <c>splitguard config check</c> and <c>splitguard daemon</c>, so they agree by construction.
/// </summary>
internal sealed record ConfigValidation(ConfigResult Core, IReadOnlyList<ResourceConfig> Resources, IReadOnlyList<string> Errors)
{
    /// <summary>Sections the loader recognises but this version does not build: an error, never silently ignored.</summary>
    public static readonly IReadOnlyDictionary<string, string> NotBuilt = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Fencing"] = "fence agents",
        ["Registry"] = "the node registry",
        ["Web"] = "the metrics and status page",
    };

    public bool IsValid => Errors.Count == 0;

    public static ConfigValidation Check(string text, string path)
    {
        var core = ConfigLoader.Parse(text, path);
        var errors = new List<string>(core.FormatErrors());
        foreach (var (name, what) in NotBuilt)
        {
            if (core.ReservedSections.TryGetValue(name, out var section))
            {
                errors.Add(new ConfigError($"$.{name}", section.Line, section.Column,
                    $"{what} ({name}) is not built in this version: remove the section (it would do nothing)").Format(path));
            }
        }

        var resources = ResourceConfigReader.Read(core.ReservedSections.GetValueOrDefault(ResourceConfigReader.SectionName));
        errors.AddRange(resources.FormatErrors(path));
        if (core.IsValid && resources.IsValid && resources.Resources.Count > 0)
        {
            var cluster = core.Config.Clusters[0];
            var members = cluster.Members;
            var unlinked = members.SelectMany(a => members.Where(b => a.Id < b.Id).Select(b => (a.Id, b.Id)))
                .Where(pair => !cluster.Links.Any(l => (l.A.NodeId, l.B.NodeId) == pair || (l.B.NodeId, l.A.NodeId) == pair))
                .Select(pair => $"{pair.Item1}-{pair.Item2}").ToList();
            if (members.Count < 2 || unlinked.Count > 0)
            {
                errors.Add($"{path}: Resources are placed by the first cluster (cluster {cluster.Id}), which needs at least two members "
                    + $"and a link between every two of them (missing: {(members.Count < 2 ? "a second member" : string.Join(", ", unlinked))}); "
                    + "two members also need a witness (an icmp link) to take over from each other");
            }
        }

        return new ConfigValidation(core, resources.IsValid ? resources.Resources : [], errors);
    }
}
