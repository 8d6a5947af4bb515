namespace SplitGuard.Core.Resources;

/// <summary>The result of one step of a <see cref="ResourceGroupState"/>: the new state and every effect, in order.</summary>
public sealed record GroupStep(ResourceGroupState State, IReadOnlyList<ResourceEffect> Effects);
