namespace SplitGuard.Core.Resources;

/// <summary>Builds the groups of a resource list and answers ordering questions.</summary>
public static class ResourceGroups
{
    /// <summary>
    /// The groups of <paramref name="resources"/>, in the order of each group's first member; members keep config
    /// order. Resources without a group become groups of one.
    /// </summary>
    public static IReadOnlyList<ResourceGroupConfig> Build(IEnumerable<ResourceConfig> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var order = new List<string>();
        var members = new Dictionary<string, List<ResourceConfig>>(StringComparer.Ordinal);
        var isExplicit = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var resource in resources)
        {
            var name = resource.GroupName;
            if (!members.TryGetValue(name, out var list))
            {
                list = [];
                members.Add(name, list);
                isExplicit.Add(name, resource.Group is not null);
                order.Add(name);
            }

            list.Add(resource);
        }

        return order.Select(n => new ResourceGroupConfig(n, members[n], isExplicit[n])).ToList();
    }

    /// <summary>Every resource of every group in start order: groups in order, members in config order.</summary>
    public static IReadOnlyList<ResourceConfig> StartOrder(IEnumerable<ResourceGroupConfig> groups) =>
        groups.SelectMany(g => g.StartOrder).ToList();

    /// <summary>Every resource in stop order: the exact reverse of <see cref="StartOrder"/>.</summary>
    public static IReadOnlyList<ResourceConfig> StopOrder(IEnumerable<ResourceGroupConfig> groups) =>
        Enumerable.Reverse(StartOrder(groups)).ToList();
}
