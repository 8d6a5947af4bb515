namespace SplitGuard.Core.Resources;

/// <summary>The result of one transition of a <see cref="ResourceState"/>: the new state and what to do about it.</summary>
public sealed record ResourceTransition(ResourceState State, IReadOnlyList<ResourceEffect> Effects);
