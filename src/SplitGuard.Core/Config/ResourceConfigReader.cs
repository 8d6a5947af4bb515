using SplitGuard.Core.Resources;

namespace SplitGuard.Core.Config;

/// <summary>
/// Validates the top-level <c>Resources</c> section (kept raw by <see cref="ConfigLoader.Parse"/> in
/// <see cref="ConfigResult.ReservedSections"/>) and builds the resources and groups, collecting every error with
/// its JSON path, line and column, in the style of the rest of the configuration.
/// </summary>
public sealed partial class ResourceConfigReader
{
    /// <summary>The top-level key of the section.</summary>
    public const string SectionName = "Resources";

    internal static readonly IReadOnlyList<string> ResourceKeys = ["name", "agent", "params", "group", "timeouts", "monitor_interval", "fail_count", "ticket"];
    internal static readonly IReadOnlyList<string> TimeoutKeys = ["start", "stop", "monitor"];

    private const string ResourceShape = "a resource object ({\"name\": ..., \"agent\": ..., [\"params\": {...}, \"group\": ..., \"timeouts\": {...}, \"monitor_interval\": ..., \"fail_count\": ..., \"ticket\": ...]})";

    private static readonly string SectionPath = JsonPathText.Key(JsonPathText.Root, SectionName);

    private readonly List<ConfigError> _errors = [];

    private ResourceConfigReader()
    {
    }

    /// <summary>
    /// Reads <paramref name="section"/>, the value of the top-level <c>Resources</c> key; null (absent) means no
    /// resources. Never throws for bad input: every problem is an error in the result.
    /// </summary>
    public static ResourcesResult Read(JsonTreeNode? section) => new ResourceConfigReader().ReadSection(section);

    private ResourcesResult ReadSection(JsonTreeNode? section)
    {
        if (section is null or JsonTreeLiteral { Kind: JsonTreeLiteralKind.Null })
        {
            return new ResourcesResult([], [], []);
        }

        if (section is not JsonTreeArray array)
        {
            Expected(section, SectionPath, "an array of resources ([{\"name\": \"vip\", \"agent\": \"ocf:heartbeat:IPaddr2\", \"params\": {...}}, ...])");
            return Finish([]);
        }

        var parsed = new List<(ResourceConfig Resource, Located Where)>();
        for (var i = 0; i < array.Items.Count; i++)
        {
            if (ReadResource(array.Items[i], JsonPathText.Index(SectionPath, i)) is { } r)
            {
                parsed.Add(r);
            }
        }

        CheckNames(parsed);
        CheckGroups(parsed);
        return Finish(parsed.Select(p => p.Resource).ToList());
    }

    private ResourcesResult Finish(List<ResourceConfig> resources)
    {
        var errors = _errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
        return errors.Count == 0
            ? new ResourcesResult(resources, ResourceGroups.Build(resources), errors)
            : new ResourcesResult(null, null, errors);
    }

    private (ResourceConfig, Located)? ReadResource(JsonTreeNode node, string path)
    {
        if (Open(node, path, ResourceShape, ResourceKeys) is not { } keys)
        {
            return null;
        }

        var obj = (JsonTreeObject)node;
        string? name = null;
        if (keys.TryGetValue("name", out var n))
        {
            name = ReadName(n.Value, JsonPathText.Key(path, "name"), "a resource name");
        }
        else
        {
            Missing(obj, path, "name", "the resource's unique name, such as \"vip\"");
        }

        AgentSpec? agent = null;
        if (keys.TryGetValue("agent", out var a))
        {
            agent = ReadAgent(a.Value, JsonPathText.Key(path, "agent"));
        }
        else
        {
            Missing(obj, path, "agent", AgentSpec.Expectation);
        }

        IReadOnlyDictionary<string, string>? parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (keys.TryGetValue("params", out var p))
        {
            parameters = ReadParams(p, JsonPathText.Key(path, "params"), agent);
        }

        if (agent is { IsBuiltinVip: true } && parameters is not null && !CheckVipParams(obj, path, p, parameters))
        {
            parameters = null;
        }

        string? group = null;
        var groupOk = true;
        if (keys.TryGetValue("group", out var g) && g.Value is not JsonTreeLiteral { Kind: JsonTreeLiteralKind.Null })
        {
            group = ReadName(g.Value, JsonPathText.Key(path, "group"), "a group name");
            groupOk = group is not null;
        }

        var timeouts = ResourceTimeouts.Default;
        var timeoutsOk = true;
        if (keys.TryGetValue("timeouts", out var t))
        {
            var read = ReadTimeouts(t.Value, JsonPathText.Key(path, "timeouts"));
            timeoutsOk = read is not null;
            timeouts = read ?? timeouts;
        }

        var interval = ResourceDefaults.MonitorInterval;
        var intervalOk = true;
        if (keys.TryGetValue("monitor_interval", out var mi))
        {
            var read = ReadSeconds(mi.Value, JsonPathText.Key(path, "monitor_interval"), "time between monitors");
            intervalOk = read is not null;
            interval = read ?? interval;
        }

        var threshold = ResourceDefaults.MigrationThreshold;
        var thresholdOk = true;
        if (keys.TryGetValue("fail_count", out var fc))
        {
            var read = ReadCount(fc.Value, JsonPathText.Key(path, "fail_count"));
            thresholdOk = read is not null;
            threshold = read ?? threshold;
        }

        string? ticket = null;
        var ticketOk = true;
        if (keys.TryGetValue("ticket", out var tk) && tk.Value is not JsonTreeLiteral { Kind: JsonTreeLiteralKind.Null })
        {
            ticket = ReadName(tk.Value, JsonPathText.Key(path, "ticket"), "a ticket name");
            ticketOk = ticket is not null;
        }

        if (name is null || agent is null || parameters is null || !groupOk || !timeoutsOk || !intervalOk || !thresholdOk || !ticketOk)
        {
            return null;
        }

        var resource = new ResourceConfig
        {
            Name = name,
            Agent = agent,
            Params = parameters,
            Group = group,
            Timeouts = timeouts,
            MonitorInterval = interval,
            MigrationThreshold = threshold,
            Ticket = ticket,
        };
        return (resource, new Located(path, obj, n!.Value, g?.Value, tk?.Value));
    }

    /// <summary>Resource names are unique (ignoring case: they name state files and CLI arguments).</summary>
    private void CheckNames(List<(ResourceConfig Resource, Located Where)> parsed)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (resource, where) in parsed)
        {
            if (!seen.TryAdd(resource.Name, where.Path))
            {
                Error(where.NameNode, JsonPathText.Key(where.Path, "name"),
                    $"duplicate resource name {JsonTreeString.Quote(resource.Name)} (already used by {seen[resource.Name]}): resource names must be unique, ignoring case");
            }
        }
    }

    /// <summary>Group names do not clash with resource names, and all members of a group name the same ticket.</summary>
    private void CheckGroups(List<(ResourceConfig Resource, Located Where)> parsed)
    {
        var resourcePaths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (resource, where) in parsed)
        {
            resourcePaths.TryAdd(resource.Name, where.Path);
        }

        var firstOfGroup = new Dictionary<string, (ResourceConfig Resource, Located Where)>(StringComparer.Ordinal);
        var groupSpelling = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (resource, where) in parsed)
        {
            if (resource.Group is not { } group)
            {
                continue;
            }

            var groupPath = JsonPathText.Key(where.Path, "group");
            if (resourcePaths.TryGetValue(group, out var clash))
            {
                Error(where.GroupNode!, groupPath,
                    $"group name {JsonTreeString.Quote(group)} is also the name of the resource at {clash}: resources and groups share one set of names");
                continue;
            }

            if (groupSpelling.TryGetValue(group, out var spelled) && spelled != group)
            {
                Error(where.GroupNode!, groupPath,
                    $"group {JsonTreeString.Quote(group)} differs only in case from group {JsonTreeString.Quote(spelled)}: spell a group's name the same way in each member");
                continue;
            }

            groupSpelling.TryAdd(group, group);
            if (!firstOfGroup.TryGetValue(group, out var first))
            {
                firstOfGroup.Add(group, (resource, where));
                continue;
            }

            if (first.Resource.Ticket != resource.Ticket)
            {
                var node = where.TicketNode ?? where.Node;
                var theirs = first.Resource.Ticket is { } t1 ? $"names ticket {JsonTreeString.Quote(t1)}" : "names no ticket";
                var ours = resource.Ticket is { } t2 ? $"ticket {JsonTreeString.Quote(t2)}" : "no ticket";
                Error(node, JsonPathText.Key(where.Path, "ticket"),
                    $"the members of group {JsonTreeString.Quote(group)} must name the same ticket: {first.Where.Path} {theirs}, this one {ours}");
            }
        }
    }

    /// <summary>Where one resource was written, for the cross-checks' error positions.</summary>
    private sealed record Located(string Path, JsonTreeObject Node, JsonTreeNode NameNode, JsonTreeNode? GroupNode, JsonTreeNode? TicketNode);
}
