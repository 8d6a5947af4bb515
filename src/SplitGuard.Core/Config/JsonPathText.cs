namespace SplitGuard.Core.Config;

/// <summary>Builds JSON path strings such as <c>$.Cluster[0].links[1].interval</c>.</summary>
public static class JsonPathText
{
    /// <summary>The path of the document's root.</summary>
    public const string Root = "$";

    /// <summary>The path of property <paramref name="key"/> of the object at <paramref name="parent"/>.</summary>
    public static string Key(string parent, string key) =>
        IsPlainName(key) ? parent + "." + key : parent + "['" + key.Replace("\\", "\\\\").Replace("'", "\\'") + "']";

    /// <summary>The path of element <paramref name="index"/> of the array at <paramref name="parent"/>.</summary>
    public static string Index(string parent, int index) => parent + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    private static bool IsPlainName(string key)
    {
        if (key.Length == 0 || char.IsAsciiDigit(key[0]))
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
            {
                return false;
            }
        }

        return true;
    }
}
