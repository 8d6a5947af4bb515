namespace SplitGuard.Core.Config;

/// <summary>
/// Reads SplitGuard's JSON configuration (sbp's <c>sbpd.conf</c> shape plus SplitGuard's keys) and
/// finds the file. Pure: the caller reads the file and supplies the existence check.
/// </summary>
public static class ConfigLoader
{
    /// <summary>
    /// Parses and validates <paramref name="json"/>. Returns the configuration, or every error found
    /// (syntax errors stop at the first; validation errors are all reported).
    /// </summary>
    /// <param name="json">The file's text.</param>
    /// <param name="sourcePath">Where the text came from; kept in <see cref="SplitGuardConfig.SourcePath"/> and error lines.</param>
    public static ConfigResult Parse(string json, string? sourcePath)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonTreeNode root;
        try
        {
            root = JsonTreeParser.Parse(json);
        }
        catch (JsonSyntaxException e)
        {
            return new ConfigResult(
                null,
                [new ConfigError(e.JsonPath, e.Line, e.Column, e.Message)],
                new Dictionary<string, JsonTreeNode>(),
                sourcePath);
        }

        return ConfigReader.Read(root, sourcePath);
    }

    /// <summary>
    /// The places searched when no <c>--config</c> is given, in order: <c>/etc/splitguard/splitguard.json</c> (the
    /// packaged service's), <c>/etc/splitguard.json</c>,
    /// <c>/etc/sbpd.conf</c>, <c>/usr/local/etc/splitguard.json</c>, <c>/usr/local/etc/sbpd.conf</c>,
    /// then <c>splitguard.json</c> and <c>sbpd.conf</c> in <paramref name="binaryDir"/>.
    /// </summary>
    public static IReadOnlyList<string> SearchPaths(string binaryDir)
    {
        ArgumentNullException.ThrowIfNull(binaryDir);
        return
        [
            ConfigDefaults.ConfigFile,
            "/etc/splitguard.json",
            "/etc/sbpd.conf",
            "/usr/local/etc/splitguard.json",
            "/usr/local/etc/sbpd.conf",
            Path.Combine(binaryDir, "splitguard.json"),
            Path.Combine(binaryDir, "sbpd.conf"),
        ];
    }

    /// <summary>
    /// The configuration file to read: <paramref name="explicitPath"/> when given (returned as is,
    /// even if it does not exist, so the caller reports that file), else the first of
    /// <see cref="SearchPaths"/> for which <paramref name="exists"/> is true, else null.
    /// </summary>
    public static string? FindConfigFile(string? explicitPath, string binaryDir, Func<string, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(exists);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return explicitPath;
        }

        return SearchPaths(binaryDir).FirstOrDefault(exists);
    }
}
