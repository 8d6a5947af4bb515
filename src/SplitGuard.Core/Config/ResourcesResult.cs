using System.Diagnostics.CodeAnalysis;
using SplitGuard.Core.Resources;

namespace SplitGuard.Core.Config;

/// <summary>
/// What <see cref="ResourceConfigReader.Read"/> found in the top-level <c>Resources</c> section: either the
/// resources and their groups, or every error (sorted by line and column), never both.
/// </summary>
/// <param name="Resources">The resources in config order when there is no error, else null.</param>
/// <param name="Groups">The groups (explicit and groups of one) when there is no error, else null.</param>
/// <param name="Errors">Every error found, in source order; empty when valid.</param>
public sealed record ResourcesResult(
    IReadOnlyList<ResourceConfig>? Resources,
    IReadOnlyList<ResourceGroupConfig>? Groups,
    IReadOnlyList<ConfigError> Errors)
{
    /// <summary>True when there are no errors; then <see cref="Resources"/> and <see cref="Groups"/> are set.</summary>
    [MemberNotNullWhen(true, nameof(Resources), nameof(Groups))]
    public bool IsValid => Resources is not null && Groups is not null && Errors.Count == 0;

    /// <summary>Each error as one <c>FILE:LINE:COL: $.path: message</c> line.</summary>
    public IReadOnlyList<string> FormatErrors(string? sourcePath) => Errors.Select(e => e.Format(sourcePath)).ToList();
}
