using System.CommandLine;
using System.Text.Json.Nodes;

namespace SplitGuard.Commands;

/// <summary><c>standby</c>, <c>online</c>, <c>offline [--for S]</c>, <c>stop [--leave-running]</c>: requests to the running daemon.</summary>
internal static class OperatorCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Simple("standby", "Stop owning: release the lease and stop resources here; the peer takes over", _ => new JsonObject { ["command"] = "standby" });
        yield return Simple("online", "Be willing to own resources again (after standby or offline)", _ => new JsonObject { ["command"] = "online" });

        var seconds = new Option<double>("--for") { Description = "Seconds to stay offline (default 30, as pha)", DefaultValueFactory = _ => 30 };
        var offline = Simple("offline", "Manual switchover (pha): go OFFLINE for a while, the peer takes over; ONLINE again afterwards",
            parse => new JsonObject { ["command"] = "offline", ["for_s"] = parse.GetValue(seconds) });
        offline.Options.Add(seconds);
        yield return offline;

        yield return Simple("recover", "Leave panic: stop the resources whose stop failed once more, check them, and resume automatic decisions",
            _ => new JsonObject { ["command"] = "recover" });

        var resource = new Command("resource", "Act on one resource: start, stop, move, cleanup");
        foreach (var (action, description) in new[]
        {
            ("start", "Let the resource's group run again (undo `resource stop`) and reset its fail count"),
            ("stop", "Keep the resource's group stopped here while this node holds the lease"),
            ("move", "Move the resources to the peer (run on the node that holds them)"),
            ("cleanup", "Reset the resource's fail count; a failed resource is probed again"),
        })
        {
            var name = new Argument<string>("NAME") { Description = "The resource's name (config key Resources[].name)" };
            var sub = Simple(action, description, parse => new JsonObject { ["command"] = "resource", ["action"] = action, ["name"] = parse.GetValue(name) });
            sub.Arguments.Add(name);
            resource.Subcommands.Add(sub);
        }

        yield return resource;

        yield return Simple("reload", "Re-read the config file (as SIGHUP does): apply what can change at run time, name what needs a restart; an invalid file changes nothing",
            _ => new JsonObject { ["command"] = "reload" });

        var leave = new Option<bool>("--leave-running") { Description = "Leave the resources running without the daemon (maintenance): the peers are told to hold off until it is back" };
        var stop = Simple("stop", "Stop this node's resources, then the daemon",
            parse => new JsonObject { ["command"] = "stop", ["leave_running"] = parse.GetValue(leave) });
        stop.Options.Add(leave);
        yield return stop;
    }

    private static Command Simple(string name, string description, Func<ParseResult, JsonObject> request)
    {
        var config = CommonOptions.Config();
        var node = CommonOptions.Node();
        var socket = CommonOptions.ControlSocket();
        var json = new Option<bool>("--json") { Description = "Print the daemon's whole answer as JSON" };
        var command = new Command(name, description) { config, node, socket, json };
        command.SetAction(parse => DaemonRequest.Run(parse.GetValue(config), parse.GetValue(node), parse.GetValue(socket), request(parse), response =>
        {
            Console.WriteLine(parse.GetValue(json) ? response.ToJsonString(CommonOptions.Indented) : response["message"]?.ToString() ?? "ok");
            return 0;
        }));
        return command;
    }
}
