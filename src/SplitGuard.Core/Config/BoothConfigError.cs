using System.Globalization;

namespace SplitGuard.Core.Config;

/// <summary>One problem in a booth.conf: the 1-based line (0 for the whole file) and what is wrong.</summary>
public sealed record BoothConfigError(int Line, string Message)
{
    /// <summary><c>FILE:LINE: message</c>.</summary>
    public string Format(string? sourcePath) =>
        string.Create(CultureInfo.InvariantCulture, $"{sourcePath ?? "booth.conf"}:{Line}: {Message}");
}
