using System.Globalization;
using System.Net;
using System.Text;

namespace SplitGuard.Core.Config;

/// <summary>
/// The <c>Tickets</c> section of SplitGuard's JSON config: booth.conf's settings as JSON, checked by the same rules.
/// <code>
/// "Tickets": {
///   "port": 9929, "authfile": "/etc/booth/authkey", "transport": "UDP", "maxtimeskew": 600, "name": "geo",
///   "members": [ { "site": "10.0.0.1" }, { "site": "10.0.0.2" }, { "arbitrator": "10.0.0.3" } ],
///   "tickets": { "ticketA": { "expire": 30, "timeout": "500ms", "retries": 3, "renewal-freq": 10,
///                              "acquire-after": 5, "before-acquire-handler": "/usr/local/bin/check", "mode": "auto" } }
/// }
/// </code>
/// Member order matters as in booth.conf (it must match every other member's config). The section is turned into
/// booth.conf lines and read by <see cref="BoothConfigParser"/>; every error names the JSON line and path.
/// </summary>
public static class BoothJsonReader
{
    private static readonly string[] GlobalKeys = ["transport", "port", "name", "authfile", "maxtimeskew", "debug"];

    /// <summary>Reads <c>$.Tickets</c> of <paramref name="json"/>.</summary>
    public static BoothConfigResult Read(string json, Func<string, IPAddress?>? resolve = null)
    {
        JsonTreeNode root;
        try
        {
            root = JsonTreeParser.Parse(json);
        }
        catch (JsonSyntaxException e)
        {
            return Fail(e.Line, $"{e.JsonPath}: {e.Message}");
        }

        if (root is not JsonTreeObject top || top.Properties.FirstOrDefault(p => p.Name == "Tickets") is not { } section)
        {
            return Fail(1, "$: no \"Tickets\" object");
        }

        if (section.Value is not JsonTreeObject tickets)
        {
            return Fail(section.Line, "$.Tickets: expected an object");
        }

        var text = new StringBuilder();
        var origin = new List<(int Line, string Path)> { (section.Line, "$.Tickets") }; // index 0: whole-file errors
        var errors = new List<BoothConfigError>();

        void Emit(string key, JsonTreeNode value, string path)
        {
            if (Scalar(value) is not { } v)
            {
                errors.Add(new(value.Line, $"{path}: expected a string or a number, got {value.Describe()}"));
                return;
            }

            text.Append(key).Append(" = \"").Append(v).Append("\"\n");
            origin.Add((value.Line, path));
        }

        var props = tickets.Properties;
        foreach (var p in props.OrderBy(p => p.Name == "port" ? 0 : 1))
        {
            var path = $"$.Tickets.{p.Name}";
            if (GlobalKeys.Contains(p.Name))
            {
                Emit(p.Name, p.Value, path);
            }
            else if (p.Name is "resources_ticket" or "ownership_log")
            {
                if (p.Value is not JsonTreeString)
                {
                    errors.Add(new(p.Line, $"{path}: expected a string"));
                }
            }
            else if (p.Name is not ("members" or "tickets"))
            {
                errors.Add(new(p.Line, $"{path}: unknown key (expected {string.Join(", ", GlobalKeys)}, members, tickets, resources_ticket, ownership_log)"));
            }
        }

        if (props.FirstOrDefault(p => p.Name == "members") is { } members)
        {
            if (members.Value is not JsonTreeArray list)
            {
                errors.Add(new(members.Line, "$.Tickets.members: expected an array of {\"site\": ADDR} or {\"arbitrator\": ADDR}"));
            }
            else
            {
                for (var i = 0; i < list.Items.Count; i++)
                {
                    var path = $"$.Tickets.members[{i}]";
                    if (list.Items[i] is JsonTreeObject { Properties: [var only] } && only.Name is "site" or "arbitrator")
                    {
                        Emit(only.Name, only.Value, $"{path}.{only.Name}");
                    }
                    else
                    {
                        errors.Add(new(list.Items[i].Line, $"{path}: expected {{\"site\": ADDR}} or {{\"arbitrator\": ADDR}}"));
                    }
                }
            }
        }

        if (props.FirstOrDefault(p => p.Name == "tickets") is { } ticketSection)
        {
            if (ticketSection.Value is not JsonTreeObject ticketObjects)
            {
                errors.Add(new(ticketSection.Line, "$.Tickets.tickets: expected an object of ticket name -> settings"));
            }
            else
            {
                foreach (var t in ticketObjects.Properties.OrderBy(t => t.Name == "__defaults__" ? 0 : 1))
                {
                    var path = $"$.Tickets.tickets.{t.Name}";
                    Emit("ticket", new JsonTreeString(t.Line, t.Column, t.Name), path);
                    if (t.Value is not JsonTreeObject settings)
                    {
                        errors.Add(new(t.Line, $"{path}: expected an object of settings"));
                        continue;
                    }

                    foreach (var s in settings.Properties)
                    {
                        Emit(s.Name, s.Value, $"{path}.{s.Name}");
                    }
                }
            }
        }

        var parsed = BoothConfigParser.Parse(text.ToString(), null, resolve);
        (int Line, string Path) Origin(int line) => line > 0 && line < origin.Count ? origin[line] : origin[0];
        errors.AddRange(parsed.Errors.Select(e => new BoothConfigError(Origin(e.Line).Line, $"{Origin(e.Line).Path}: {e.Message}")));
        var warnings = parsed.Warnings.Select(w => new BoothConfigError(Origin(w.Line).Line, $"{Origin(w.Line).Path}: {w.Message}")).ToList();
        string? Text(string key) => (props.FirstOrDefault(p => p.Name == key)?.Value as JsonTreeString)?.Value;
        var bound = props.FirstOrDefault(p => p.Name == "resources_ticket");
        if (bound is not null && Text("resources_ticket") is { } name && parsed.Config?.Ticket(name) is null && parsed.Config is not null)
        {
            errors.Add(new(bound.Line, $"$.Tickets.resources_ticket: '{name}' is not one of the tickets"));
        }

        var config = parsed.Config is null ? null : parsed.Config with { ResourcesTicket = Text("resources_ticket"), OwnershipLog = Text("ownership_log") };
        return new BoothConfigResult(errors.Count == 0 ? config : null, errors) { Warnings = warnings };
    }

    private static BoothConfigResult Fail(int line, string message) => new(null, [new BoothConfigError(line, message)]);

    private static string? Scalar(JsonTreeNode node) => node switch
    {
        JsonTreeString s when !s.Value.Contains('"', StringComparison.Ordinal) && !s.Value.Contains('\n', StringComparison.Ordinal) => s.Value,
        JsonTreeNumber n => n.AsDecimal() is { } d ? d.ToString(CultureInfo.InvariantCulture) : null,
        _ => null,
    };
}
