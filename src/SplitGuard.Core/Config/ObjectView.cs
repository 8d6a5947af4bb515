namespace SplitGuard.Core.Config;

/// <summary>
/// A JSON object being validated: reports duplicate and unknown keys once, then hands out the
/// first occurrence of each allowed key.
/// </summary>
internal sealed class ObjectView
{
    private readonly Dictionary<string, JsonTreeProperty> _properties;

    private ObjectView(JsonTreeObject node, string path, Dictionary<string, JsonTreeProperty> properties)
    {
        Node = node;
        Path = path;
        _properties = properties;
    }

    public JsonTreeObject Node { get; }

    public string Path { get; }

    /// <summary>
    /// Checks that <paramref name="node"/> is an object whose keys are all in <paramref name="allowed"/>
    /// (or <paramref name="reserved"/>) and appear once; reports to <paramref name="reader"/> otherwise.
    /// Returns null, after reporting, when the node is not an object.
    /// </summary>
    public static ObjectView? Open(
        ConfigReader reader,
        JsonTreeNode node,
        string path,
        string expectation,
        IReadOnlyList<string> allowed,
        IReadOnlyList<string>? reserved = null)
    {
        if (node is not JsonTreeObject obj)
        {
            reader.Expected(node, path, expectation);
            return null;
        }

        var properties = new Dictionary<string, JsonTreeProperty>(StringComparer.Ordinal);
        var seen = new Dictionary<string, JsonTreeProperty>(StringComparer.Ordinal);
        foreach (var property in obj.Properties)
        {
            var propertyPath = JsonPathText.Key(path, property.Name);
            if (seen.TryGetValue(property.Name, out var first))
            {
                reader.Error(
                    propertyPath,
                    property.Line,
                    property.Column,
                    $"duplicate key {JsonTreeString.Quote(property.Name)} (first given at line {first.Line}, column {first.Column}); a key may appear only once");
                continue;
            }

            seen.Add(property.Name, property);
            if (allowed.Contains(property.Name) || (reserved?.Contains(property.Name) ?? false))
            {
                properties.Add(property.Name, property);
            }
            else
            {
                var all = reserved is null ? allowed : [.. allowed, .. reserved];
                reader.Error(propertyPath, property.Line, property.Column, UnknownKeyMessage(property.Name, all));
            }
        }

        return new ObjectView(obj, path, properties);
    }

    /// <summary>The first occurrence of an allowed key, or null when absent.</summary>
    public JsonTreeProperty? Get(string key) => _properties.GetValueOrDefault(key);

    /// <summary>The JSON path of <paramref name="key"/> in this object.</summary>
    public string PathOf(string key) => JsonPathText.Key(Path, key);

    /// <summary>Reports that required <paramref name="key"/> is missing, at this object's opening brace.</summary>
    public void Missing(ConfigReader reader, string key, string expectation) =>
        reader.Error(PathOf(key), Node.Line, Node.Column, $"missing required key {JsonTreeString.Quote(key)} (expected {expectation})");

    internal static string UnknownKeyMessage(string key, IReadOnlyList<string> allowed)
    {
        var hint = string.Empty;
        var caseMatch = allowed.FirstOrDefault(a => string.Equals(a, key, StringComparison.OrdinalIgnoreCase));
        if (caseMatch is not null)
        {
            hint = $" (keys are case-sensitive: did you mean {JsonTreeString.Quote(caseMatch)}?)";
        }
        else
        {
            var best = allowed
                .Select(a => (Key: a, Distance: Distance(a.ToLowerInvariant(), key.ToLowerInvariant())))
                .Where(x => x.Distance <= Math.Max(1, Math.Min(2, x.Key.Length / 3)))
                .OrderBy(x => x.Distance)
                .FirstOrDefault();
            if (best.Key is not null)
            {
                hint = $" (did you mean {JsonTreeString.Quote(best.Key)}?)";
            }
        }

        return $"unknown key {JsonTreeString.Quote(key)}{hint}; allowed keys here: {string.Join(", ", allowed)}";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
