using System.Globalization;
using SplitGuard.Core.Resources;

namespace SplitGuard.Core.Config;

/// <content>Objects, names, agents, parameters, seconds and counts.</content>
public sealed partial class ResourceConfigReader
{
    private static readonly string SecondsRange =
        $"from {ResourceDefaults.MinSeconds.ToString(CultureInfo.InvariantCulture)} to {ResourceDefaults.MaxSeconds.ToString(CultureInfo.InvariantCulture)}";

    private void Error(string path, int line, int column, string message) => _errors.Add(new ConfigError(path, line, column, message));

    private void Error(JsonTreeNode node, string path, string message) => Error(path, node.Line, node.Column, message);

    private void Expected(JsonTreeNode node, string path, string expectation) =>
        Error(node, path, $"expected {expectation}, got {node.Describe()}");

    private void Missing(JsonTreeObject node, string path, string key, string expectation) =>
        Error(JsonPathText.Key(path, key), node.Line, node.Column, $"missing required key {JsonTreeString.Quote(key)} (expected {expectation})");

    /// <summary>Checks that <paramref name="node"/> is an object with allowed keys, each once; returns the first occurrence of each, or null when not an object.</summary>
    private Dictionary<string, JsonTreeProperty>? Open(JsonTreeNode node, string path, string expectation, IReadOnlyList<string> allowed)
    {
        if (node is not JsonTreeObject obj)
        {
            Expected(node, path, expectation);
            return null;
        }

        var keys = new Dictionary<string, JsonTreeProperty>(StringComparer.Ordinal);
        var seen = new Dictionary<string, JsonTreeProperty>(StringComparer.Ordinal);
        foreach (var property in obj.Properties)
        {
            var propertyPath = JsonPathText.Key(path, property.Name);
            if (seen.TryGetValue(property.Name, out var first))
            {
                Error(propertyPath, property.Line, property.Column,
                    $"duplicate key {JsonTreeString.Quote(property.Name)} (first given at line {first.Line}, column {first.Column}); a key may appear only once");
                continue;
            }

            seen.Add(property.Name, property);
            if (allowed.Contains(property.Name))
            {
                keys.Add(property.Name, property);
            }
            else
            {
                Error(propertyPath, property.Line, property.Column, ObjectView.UnknownKeyMessage(property.Name, allowed));
            }
        }

        return keys;
    }

    /// <summary>A resource, group or ticket name: 1 to 64 of letters, digits, '_', '.', '-', starting with a letter or digit.</summary>
    private string? ReadName(JsonTreeNode node, string path, string what)
    {
        if (node is JsonTreeString s && IsName(s.Value))
        {
            return s.Value;
        }

        Expected(node, path, $"{what}: 1 to {ResourceDefaults.MaxNameLength} letters, digits, '_', '.' or '-', starting with a letter or digit");
        return null;
    }

    internal static bool IsName(string text) =>
        text.Length is > 0 and <= ResourceDefaults.MaxNameLength
        && char.IsAsciiLetterOrDigit(text[0])
        && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    private AgentSpec? ReadAgent(JsonTreeNode node, string path)
    {
        if (node is not JsonTreeString s)
        {
            Expected(node, path, AgentSpec.Expectation);
            return null;
        }

        var agent = AgentSpec.Parse(s.Value, out var problem);
        if (agent is null)
        {
            Error(node, path, $"expected {AgentSpec.Expectation}, got {s.Describe()}: {problem}");
        }

        return agent;
    }

    /// <summary>The <c>params</c> object: names usable as <c>OCF_RESKEY_&lt;name&gt;</c>, string values. Null after an error.</summary>
    private Dictionary<string, string>? ReadParams(JsonTreeProperty property, string path, AgentSpec? agent)
    {
        var node = property.Value;
        if (node is not JsonTreeObject obj)
        {
            Expected(node, path, "an object of string values ({\"ip\": \"10.0.0.10\", \"cidr_netmask\": \"24\"}), passed as OCF_RESKEY_<name>");
            return null;
        }

        if (agent?.Kind == AgentKind.Lsb && obj.Properties.Count > 0)
        {
            Error(path, property.Line, property.Column,
                $"an LSB init script takes no parameters (it is run as /etc/init.d/{agent.Name} start|stop|status); remove \"params\" or use an ocf: or script: agent");
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var ok = true;
        var firstAt = new Dictionary<string, JsonTreeProperty>(StringComparer.Ordinal);
        foreach (var p in obj.Properties)
        {
            var keyPath = JsonPathText.Key(path, p.Name);
            if (firstAt.TryGetValue(p.Name, out var first))
            {
                Error(keyPath, p.Line, p.Column, $"duplicate key {JsonTreeString.Quote(p.Name)} (first given at line {first.Line}, column {first.Column}); a key may appear only once");
                ok = false;
                continue;
            }

            firstAt.Add(p.Name, p);
            if (!IsParamName(p.Name))
            {
                Error(keyPath, p.Line, p.Column,
                    $"parameter name {JsonTreeString.Quote(p.Name)} cannot be an environment variable: expected letters, digits and '_', not starting with a digit (it becomes OCF_RESKEY_<name>)");
                ok = false;
                continue;
            }

            if (p.Name.StartsWith("CRM_meta_", StringComparison.Ordinal))
            {
                Error(keyPath, p.Line, p.Column, $"parameter name {JsonTreeString.Quote(p.Name)} is reserved: SplitGuard sets OCF_RESKEY_CRM_meta_* itself (e.g. CRM_meta_timeout from \"timeouts\")");
                ok = false;
                continue;
            }

            if (p.Value is not JsonTreeString value)
            {
                var hint = p.Value is JsonTreeNumber or JsonTreeLiteral { Kind: JsonTreeLiteralKind.True or JsonTreeLiteralKind.False }
                    ? $" (write it in double quotes: \"{p.Value.Describe()}\")"
                    : string.Empty;
                Expected(p.Value, keyPath, $"a string{hint}");
                ok = false;
                continue;
            }

            if (value.Value.Contains('\0', StringComparison.Ordinal))
            {
                Error(p.Value, keyPath, "a parameter value cannot contain a NUL character (\\u0000): it is passed in the environment");
                ok = false;
                continue;
            }

            result.Add(p.Name, value.Value);
        }

        return ok ? result : null;
    }

    /// <summary>builtin:vip's parameters are the daemon's own: checked here, each error at its parameter.</summary>
    private bool CheckVipParams(JsonTreeObject resource, string path, JsonTreeProperty? property, IReadOnlyDictionary<string, string> parameters)
    {
        var problems = new List<(string? Key, string Message)>();
        if (VipParams.Parse(parameters, problems) is not null)
        {
            return true;
        }

        var paramsPath = JsonPathText.Key(path, "params");
        foreach (var (key, message) in problems)
        {
            var at = key is null ? null : (property?.Value as JsonTreeObject)?.Properties.FirstOrDefault(x => x.Name == key);
            if (at is not null)
            {
                Error(JsonPathText.Key(paramsPath, key!), at.Line, at.Column, message);
            }
            else if (property is not null)
            {
                Error(paramsPath, property.Line, property.Column, message);
            }
            else
            {
                Missing(resource, path, "params", "builtin:vip's parameters, at least its address, such as {\"ip\": \"10.0.0.10\"}");
            }
        }

        return false;
    }

    private static bool IsParamName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private ResourceTimeouts? ReadTimeouts(JsonTreeNode node, string path)
    {
        if (Open(node, path, "the timeouts object ({\"start\": 20, \"stop\": 20, \"monitor\": 20}, in seconds)", TimeoutKeys) is not { } keys)
        {
            return null;
        }

        var timeouts = ResourceTimeouts.Default;
        var ok = true;
        foreach (var (key, property) in keys)
        {
            var seconds = ReadSeconds(property.Value, JsonPathText.Key(path, key), $"the {key} timeout");
            if (seconds is not { } value)
            {
                ok = false;
                continue;
            }

            timeouts = key switch
            {
                "start" => timeouts with { Start = value },
                "stop" => timeouts with { Stop = value },
                _ => timeouts with { Monitor = value },
            };
        }

        return ok ? timeouts : null;
    }

    private TimeSpan? ReadSeconds(JsonTreeNode node, string path, string what)
    {
        if (node is JsonTreeNumber number && number.AsDecimal() is { } seconds
            && seconds >= ResourceDefaults.MinSeconds && seconds <= ResourceDefaults.MaxSeconds)
        {
            return TimeSpan.FromTicks((long)decimal.Round(seconds * TimeSpan.TicksPerSecond));
        }

        Expected(node, path, $"a number of seconds {SecondsRange} ({what}; fractions such as 1.5 allowed)");
        return null;
    }

    private int? ReadCount(JsonTreeNode node, string path)
    {
        if (node is JsonTreeNumber number && number.AsDecimal() is { } d && d == decimal.Truncate(d)
            && d >= 1 && d <= ResourceDefaults.MaxMigrationThreshold)
        {
            return (int)d;
        }

        Expected(node, path, $"an integer from 1 to {ResourceDefaults.MaxMigrationThreshold} (failures on a node before the group moves)");
        return null;
    }
}
