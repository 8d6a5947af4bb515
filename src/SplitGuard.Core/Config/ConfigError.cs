using System.Globalization;

namespace SplitGuard.Core.Config;

/// <summary>
/// One problem found in a configuration file: where (JSON path, 1-based line and column) and what
/// was expected.
/// </summary>
public sealed record ConfigError(string JsonPath, int Line, int Column, string Message)
{
    /// <summary>
    /// The line <c>splitguard config check</c> prints: <c>FILE:LINE:COL: $.json.path: message</c>.
    /// </summary>
    /// <param name="sourcePath">The file name to show; <c>&lt;config&gt;</c> when null.</param>
    public string Format(string? sourcePath) =>
        string.Create(CultureInfo.InvariantCulture, $"{sourcePath ?? "<config>"}:{Line}:{Column}: {JsonPath}: {Message}");
}
