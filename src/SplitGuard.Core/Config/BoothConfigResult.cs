namespace SplitGuard.Core.Config;

/// <summary>The outcome of reading a booth.conf: the config when there is no error, and every error found.</summary>
public sealed record BoothConfigResult(BoothConfig? Config, IReadOnlyList<BoothConfigError> Errors)
{
    /// <summary>Accepted but probably unintended (e.g. <c>port</c> after the member lines).</summary>
    public IReadOnlyList<BoothConfigError> Warnings { get; init; } = [];

    public bool Succeeded => Config is not null && Errors.Count == 0;
}
