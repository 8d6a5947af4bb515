using System.CommandLine;
using SplitGuard.Daemon.Hosting;

namespace SplitGuard.Commands;

/// <summary><c>splitguard keygen FILE</c>: writes a new random frame key with mode 0600.</summary>
internal static class KeygenCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Where to write the key (copy it to every node)" };
        var command = new Command("keygen", "Create a random key file for frame authentication (mode 0600)") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            try
            {
                KeyFile.Generate(path);
                var where = Path.GetFullPath(path) == Core.Config.ConfigDefaults.KeyFile
                    ? "the default Auth.key_file"
                    : "set Auth.key_file to it";
                Console.WriteLine($"wrote {path} (mode 0600); copy it to every node ({where})");
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"splitguard: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
