using System.CommandLine;
using SplitGuard.Core.Config;

namespace SplitGuard.Commands;

/// <summary><c>splitguard config check FILE</c>: validates a config without starting anything.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The config file to check" };
        var check = new Command("check", "Report every error of a config file with JSON path, line and what was expected") { file };
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
                Console.Error.WriteLine($"{path}: cannot read: {e.Message}");
                return 1;
            }

            // The daemon's own checks (all but which node this host is).
            var validation = ConfigValidation.Check(text, path);
            if (!validation.IsValid)
            {
                foreach (var line in validation.Errors)
                {
                    Console.Error.WriteLine(line);
                }

                Console.Error.WriteLine($"{path}: {validation.Errors.Count} error(s)");
                return 1;
            }

            Console.WriteLine($"{path}: valid");
            if (validation.Resources.Count > 0)
            {
                Console.WriteLine($"  {validation.Resources.Count} resource(s): {string.Join(", ", validation.Resources.Select(r => r.Name))}");
            }

            foreach (var line in ConfigSummary.Describe(validation.Core.Config!))
            {
                Console.WriteLine($"  {line}");
            }

            return 0;
        });
        var command = new Command("config", "Configuration tools") { check };
        return command;
    }
}
