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

            var result = ConfigLoader.Parse(text, path);
            if (!result.IsValid)
            {
                foreach (var line in result.FormatErrors())
                {
                    Console.Error.WriteLine(line);
                }

                Console.Error.WriteLine($"{path}: {result.Errors.Count} error(s)");
                return 1;
            }

            Console.WriteLine($"{path}: valid");
            foreach (var line in ConfigSummary.Describe(result.Config))
            {
                Console.WriteLine($"  {line}");
            }

            return 0;
        });
        var command = new Command("config", "Configuration tools") { check };
        return command;
    }
}
