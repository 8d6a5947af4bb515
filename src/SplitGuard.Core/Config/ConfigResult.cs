using System.Diagnostics.CodeAnalysis;

namespace SplitGuard.Core.Config;

/// <summary>
/// What <see cref="ConfigLoader.Parse"/> found: either a valid <see cref="Config"/> or every
/// <see cref="Errors"/> (sorted by line and column), never both.
/// </summary>
/// <param name="Config">The configuration when there is no error, else null.</param>
/// <param name="Errors">Every error found, in source order; empty when valid.</param>
/// <param name="ReservedSections">
/// The raw top-level sections reserved for later features (<c>Resources</c>, <c>Tickets</c>,
/// <c>Fencing</c>, <c>Registry</c>, <c>Web</c>), accepted but not yet validated.
/// </param>
/// <param name="SourcePath">The file the text came from, as given to the loader (may be null).</param>
public sealed record ConfigResult(
    SplitGuardConfig? Config,
    IReadOnlyList<ConfigError> Errors,
    IReadOnlyDictionary<string, JsonTreeNode> ReservedSections,
    string? SourcePath)
{
    /// <summary>True when <see cref="Config"/> is set and there are no errors.</summary>
    [MemberNotNullWhen(true, nameof(Config))]
    public bool IsValid => Config is not null && Errors.Count == 0;

    /// <summary>Each error as one <c>FILE:LINE:COL: $.path: message</c> line.</summary>
    public IReadOnlyList<string> FormatErrors() => Errors.Select(e => e.Format(SourcePath)).ToList();
}
