using System.Globalization;
using System.Text;

namespace SplitGuard.Core.Config;

/// <summary>
/// One difference between the configuration a daemon runs and the file it re-reads (reload): the JSON path of the key
/// that differs, and whether a reload applies it at run time (<see cref="Runtime"/>) or it takes a restart.
/// </summary>
/// <param name="Path">
/// Where, e.g. <c>$.Logging.level</c> or <c>$.Resources[name=web].timeouts.start</c> (resources are matched by name, so
/// reordering them changes nothing).
/// </param>
/// <param name="Runtime">True: reload applies it; false: it takes effect at the next start of the daemon.</param>
public sealed record ConfigChange(string Path, bool Runtime);

/// <summary>
/// Compares two valid configuration documents key by key (reload). What a reload applies at run time is a short, fixed
/// list (<see cref="RuntimeKeys"/>, <see cref="RuntimeResourceKeys"/>): the keys whose new value can take over without
/// stopping anything and without changing what peers see or what the guard was told. Every other difference is
/// reported as needing a restart and is not applied.
/// </summary>
public static class ConfigChanges
{
    /// <summary>Top-level keys a reload applies.</summary>
    public static readonly IReadOnlyList<string> RuntimeKeys = ["$.Logging.level"];

    /// <summary>
    /// Keys of one resource a reload applies: the next monitor is planned with the new interval, the next start and monitor
    /// run with the new timeouts, the fail count is judged against the new limit. The stop timeout is not among them: the
    /// guard process was given it when it started.
    /// </summary>
    public static readonly IReadOnlyList<string> RuntimeResourceKeys = ["monitor_interval", "fail_count", "timeouts.start", "timeouts.monitor"];

    private const string ResourcesPath = "$." + ResourceConfigReader.SectionName;

    /// <summary>Every key that differs between <paramref name="running"/> and <paramref name="file"/>, in document order.</summary>
    public static IReadOnlyList<ConfigChange> Compare(JsonTreeNode running, JsonTreeNode file)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(file);
        var paths = new List<string>();
        Walk(running, file, JsonPathText.Root, paths);
        return paths.Select(p => new ConfigChange(p, IsRuntime(p))).ToList();
    }

    /// <summary>True when a reload applies a change at <paramref name="path"/>.</summary>
    public static bool IsRuntime(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (RuntimeKeys.Contains(path, StringComparer.Ordinal))
        {
            return true;
        }

        const string Prefix = ResourcesPath + "[name=";
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var close = path.IndexOf("].", Prefix.Length, StringComparison.Ordinal);
        return close > 0 && RuntimeResourceKeys.Contains(path[(close + 2)..], StringComparer.Ordinal);
    }

    /// <summary>
    /// <paramref name="running"/> with the settings of <see cref="RuntimeResourceKeys"/> taken from
    /// <paramref name="file"/>; everything else stays as it runs.
    /// </summary>
    public static Resources.ResourceConfig WithRuntimeSettings(Resources.ResourceConfig running, Resources.ResourceConfig file)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(file);
        return running with
        {
            MonitorInterval = file.MonitorInterval,
            MigrationThreshold = file.MigrationThreshold,
            Timeouts = running.Timeouts with { Start = file.Timeouts.Start, Monitor = file.Timeouts.Monitor },
        };
    }

    private static readonly JsonTreeObject Empty = new(0, 0, []);

    private static void Walk(JsonTreeNode? a, JsonTreeNode? b, string path, List<string> changes)
    {
        // A section or object present on one side only is compared against an empty one, so each key in it is named.
        if (a is JsonTreeObject || b is JsonTreeObject)
        {
            if ((a ?? Empty) is JsonTreeObject left && (b ?? Empty) is JsonTreeObject right)
            {
                foreach (var key in left.Properties.Select(p => p.Name).Concat(right.Properties.Select(p => p.Name)).Distinct(StringComparer.Ordinal))
                {
                    Walk(Get(left, key), Get(right, key), $"{path}.{key}", changes);
                }

                return;
            }
        }

        if (path == ResourcesPath && a is JsonTreeArray before && b is JsonTreeArray after && Named(before) is { } old && Named(after) is { } now)
        {
            foreach (var name in old.Keys.Concat(now.Keys).Distinct(StringComparer.Ordinal))
            {
                var where = $"{path}[name={name}]";
                if (!old.TryGetValue(name, out var x) || !now.TryGetValue(name, out var y))
                {
                    changes.Add(where);
                }
                else
                {
                    Walk(x, y, where, changes);
                }
            }

            return;
        }

        if (a is null || b is null || Canonical(a) != Canonical(b))
        {
            changes.Add(path);
        }
    }

    private static JsonTreeNode? Get(JsonTreeObject node, string key) =>
        node.Properties.LastOrDefault(p => p.Name == key)?.Value;

    /// <summary>The resources by name, or null when one has no name (a valid file has one on each).</summary>
    private static Dictionary<string, JsonTreeNode>? Named(JsonTreeArray array)
    {
        var byName = new Dictionary<string, JsonTreeNode>(StringComparer.Ordinal);
        foreach (var item in array.Items)
        {
            if (item is not JsonTreeObject o || Get(o, "name") is not JsonTreeString name || !byName.TryAdd(name.Value, item))
            {
                return null;
            }
        }

        return byName;
    }

    /// <summary>A value as text with object keys sorted and numbers by value (0.50 and 0.5 are the same setting).</summary>
    private static string Canonical(JsonTreeNode node)
    {
        var text = new StringBuilder();
        Append(node, text);
        return text.ToString();
    }

    // Not JsonTreeString.Quote: that one shortens long strings for messages; here the whole text counts.
    private static void AppendString(string value, StringBuilder text) =>
        text.Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');

    private static void Append(JsonTreeNode node, StringBuilder text)
    {
        switch (node)
        {
            case JsonTreeObject o:
                text.Append('{');
                foreach (var p in o.Properties.OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    AppendString(p.Name, text);
                    text.Append(':');
                    Append(p.Value, text);
                    text.Append(',');
                }

                text.Append('}');
                break;
            case JsonTreeArray a:
                text.Append('[');
                foreach (var item in a.Items)
                {
                    Append(item, text);
                    text.Append(',');
                }

                text.Append(']');
                break;
            case JsonTreeString s:
                AppendString(s.Value, text);
                break;
            case JsonTreeNumber n:
                text.Append(n.AsDecimal() is { } d ? d.ToString("G29", CultureInfo.InvariantCulture) : n.Text);
                break;
            default:
                text.Append(node.Describe());
                break;
        }
    }
}
