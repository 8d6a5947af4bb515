using System.Text.Json.Nodes;
using SplitGuard.Daemon.Api;

namespace SplitGuard.Commands;

/// <summary>One request to the running daemon's control socket, with the CLI's error handling and exit codes.</summary>
internal static class DaemonRequest
{
    /// <summary>
    /// Finds the control socket (<paramref name="socketOverride"/>, else from the config's <c>Daemon.control_socket</c>,
    /// without validating the rest: <see cref="ControlSocketLocator"/>), sends <paramref name="request"/>,
    /// and hands a successful answer to <paramref name="onOk"/>. Exit codes: 1 the daemon refused, 2 config, 3 unreachable.
    /// </summary>
    public static int Run(string? config, string? node, string? socketOverride, JsonObject request, Func<JsonObject, int> onOk)
    {
        try
        {
            var socket = socketOverride ?? ControlSocketLocator.Find(config, node);
            var response = ControlClient.Send(socket, request, TimeSpan.FromSeconds(5));
            if (response["ok"]?.GetValue<bool>() != true)
            {
                Console.Error.WriteLine($"splitguard: {response["error"]}");
                return 1;
            }

            return onOk(response);
        }
        catch (CommandException e)
        {
            Console.Error.WriteLine($"splitguard: {e.Message}");
            return e.ExitCode;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"splitguard: {e.Message}");
            return 3;
        }
    }
}
