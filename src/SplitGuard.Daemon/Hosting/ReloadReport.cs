using System.Text.Json.Nodes;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// What a reload did: the keys it applied, the keys that differ but wait for a restart, or the errors that made it
/// change nothing (then the other two are empty).
/// </summary>
public sealed record ReloadReport(IReadOnlyList<string> Applied, IReadOnlyList<string> NeedRestart, IReadOnlyList<string> Errors)
{
    /// <summary>The control socket's answer: ok false with the errors, else the two lists and a message for the CLI.</summary>
    public JsonObject ToJson()
    {
        if (Errors.Count > 0)
        {
            return new JsonObject
            {
                ["ok"] = false,
                ["error"] = $"reload refused, nothing changed ({Errors.Count} error(s)):{Environment.NewLine}{string.Join(Environment.NewLine, Errors)}",
                ["errors"] = new JsonArray([.. Errors.Select(e => (JsonNode)e)]),
            };
        }

        var message = Applied.Count == 0 ? "reloaded: no run-time setting differs from the start" : $"reloaded: applied {string.Join(", ", Applied)}";
        if (NeedRestart.Count > 0)
        {
            message += $"{Environment.NewLine}not applied, take effect when the daemon restarts: {string.Join(", ", NeedRestart)}";
        }

        return new JsonObject
        {
            ["ok"] = true,
            ["message"] = message,
            ["applied"] = new JsonArray([.. Applied.Select(p => (JsonNode)p)]),
            ["needs_restart"] = new JsonArray([.. NeedRestart.Select(p => (JsonNode)p)]),
        };
    }
}
