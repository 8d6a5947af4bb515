namespace SplitGuard.Core.Resources;

/// <summary>
/// Resources placed together, started in <see cref="StartOrder"/> (config order) and stopped in
/// <see cref="StopOrder"/> (reverse). A resource without a <c>group</c> key is a group of one with its own name.
/// </summary>
/// <param name="Name">The group name, or the resource's name for a group of one.</param>
/// <param name="Members">The resources in config order; never empty.</param>
/// <param name="IsExplicit">True when named by a <c>group</c> key, false for an implicit group of one.</param>
public sealed record ResourceGroupConfig(string Name, IReadOnlyList<ResourceConfig> Members, bool IsExplicit)
{
    /// <summary>The members in the order they start: config order.</summary>
    public IReadOnlyList<ResourceConfig> StartOrder => Members;

    /// <summary>The members in the order they stop: the reverse of <see cref="StartOrder"/>.</summary>
    public IReadOnlyList<ResourceConfig> StopOrder => Enumerable.Reverse(Members).ToList();

    /// <summary>The ticket of the group (all members name the same one), or null.</summary>
    public string? Ticket => Members[0].Ticket;
}
