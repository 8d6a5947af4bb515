using System.CommandLine;
using SplitGuard.Core.Config;

namespace SplitGuard.Commands;

/// <summary><c>splitguard config check FILE</c>: validates a config without starting anything.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The config file to check" };
        var json = new Option<bool>("--json") { Description = "Print {\"file\", \"valid\", \"errors\": [...], \"summary\": [...]} instead of text (same exit codes)" };
        var check = new Command("check", "Report every error of a config file with JSON path, line and what was expected") { file, json };
        check.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (parse.GetValue(json))
                {
                    Console.WriteLine(Json(path, [$"{path}: cannot read: {e.Message}"], []).ToJsonString(CommonOptions.Indented));
                }
                else
                {
                    Console.Error.WriteLine($"{path}: cannot read: {e.Message}");
                }

                return 1;
            }

            // The daemon's own checks (all but which node this host is).
            var validation = ConfigValidation.Check(text, path);
            if (parse.GetValue(json))
            {
                var summary = validation.IsValid
                    ? validation.Resources.Select(r => $"resource {r.Name}").Concat(ConfigSummary.Describe(validation.Core.Config!)).ToList()
                    : [];
                Console.WriteLine(Json(path, validation.Errors, summary).ToJsonString(CommonOptions.Indented));
                return validation.IsValid ? 0 : 1;
            }

            if (!validation.IsValid)
            {
                foreach (var line in validation.Errors)
                {
                    Console.Error.WriteLine(line);
                }

                Console.Error.WriteLine($"{path}: {validation.Errors.Count} error(s)");
                return 1;
            }

            var lines = ConfigSummary.Describe(validation.Core.Config!);
            Console.WriteLine(lines[0]);
            if (validation.Resources.Count > 0)
            {
                Console.WriteLine($"  {validation.Resources.Count} resource(s): {string.Join(", ", validation.Resources.Select(r => r.Name))}");
            }

            foreach (var line in lines.Skip(1))
            {
                Console.WriteLine($"  {line}");
            }

            return 0;
        });
        var command = new Command("config", "Configuration tools") { check };
        return command;
    }

    private static System.Text.Json.Nodes.JsonObject Json(string path, IReadOnlyList<string> errors, IReadOnlyList<string> summary) => new()
    {
        ["file"] = path,
        ["valid"] = errors.Count == 0,
        ["errors"] = new System.Text.Json.Nodes.JsonArray([.. errors.Select(e => (System.Text.Json.Nodes.JsonNode)e)]),
        ["summary"] = new System.Text.Json.Nodes.JsonArray([.. summary.Select(l => (System.Text.Json.Nodes.JsonNode)l)]),
    };
}
