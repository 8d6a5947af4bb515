using System.CommandLine;
using SplitGuard.Commands;

var root = new RootCommand("SplitGuard: keeps a service on exactly one node of a small cluster.");
root.Subcommands.Add(DaemonCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(ConfigCommand.Create());
root.Subcommands.Add(KeygenCommand.Create());
root.Subcommands.Add(TicketCommand.Create());
root.Subcommands.Add(TicketBoothCommand.Create());
foreach (var command in OperatorCommands.Create())
{
    root.Subcommands.Add(command);
}

return root.Parse(args).Invoke();
