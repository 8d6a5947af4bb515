using System.CommandLine;
using System.Net;
using SplitGuard.Core.Config;
using SplitGuard.Daemon.Booth;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Commands;

/// <summary>
/// <c>splitguard ticket list | grant [-F] NAME | revoke NAME | peers [-c booth.conf] [-s SITE]</c>: booth's client
/// protocol, so it works against a real boothd as well as against <c>splitguard booth daemon</c>. Exit 0 on success,
/// 1 when the daemon refused, 2 for a usage or config problem.
/// </summary>
internal static class TicketCommand
{
    public static Command Create()
    {
        var ticket = new Command("ticket", "booth tickets: list, grant, revoke, peers (booth's client protocol)");
        ticket.Subcommands.Add(Query("list", "List the tickets and their holders", BoothCommand.ClientList));
        ticket.Subcommands.Add(Query("peers", "Show booth's per-member packet counters", BoothCommand.ClientPeers));
        ticket.Subcommands.Add(Change("grant", "Grant a ticket to a site", BoothCommand.ClientGrant));
        ticket.Subcommands.Add(Change("revoke", "Revoke a ticket (redirected to its holder)", BoothCommand.ClientRevoke));
        return ticket;
    }

    private static Option<string?> ConfigOption() => new("--config", "-c") { Description = $"booth.conf, or a JSON config with a Tickets section (default {TicketSetup.DefaultConfig})" };

    private static Option<string?> SiteOption() => new("--site", "-s") { Description = "Member to ask (default: this host's member)" };

    private static Command Query(string name, string description, BoothCommand command)
    {
        var config = ConfigOption();
        var site = SiteOption();
        var json = new Option<bool>("--json") { Description = "One JSON object per line of booth's answer (its \"key: value\" pairs), as an array" };
        var c = new Command(name, description) { config, site, json };
        c.SetAction((parse, token) => Run(async () =>
        {
            var (cfg, client, target) = Prepare(parse.GetValue(config), parse.GetValue(site));
            var (reply, text) = await client.QueryAsync(target, command, token).ConfigureAwait(false);
            if (reply.Result != BoothResult.Success)
            {
                Console.Error.WriteLine($"splitguard: {name} failed: {Describe(reply.Result, string.Empty)}");
                return 1;
            }

            Console.Write(parse.GetValue(json) ? Lines(text).ToJsonString(CommonOptions.Indented) + "\n" : text);
            return 0;
        }));
        return c;
    }

    /// <summary>
    /// booth's list and peers text ("ticket: A, leader: 10.0.0.1, expires: ...") as JSON: one object per line, its
    /// "key: value" pairs as properties (keys as booth writes them); a part without ": " goes to "text".
    /// </summary>
    internal static System.Text.Json.Nodes.JsonArray Lines(string text)
    {
        var array = new System.Text.Json.Nodes.JsonArray();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var item = new System.Text.Json.Nodes.JsonObject();
            foreach (var part in line.Split(", ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var colon = part.IndexOf(": ", StringComparison.Ordinal);
                var (key, value) = colon > 0 ? (part[..colon].Trim(), part[(colon + 2)..].Trim()) : ("text", part);
                item[key] = item[key] is { } earlier ? $"{earlier}, {value}" : value;
            }

            array.Add((System.Text.Json.Nodes.JsonNode)item);
        }

        return array;
    }

    private static Command Change(string name, string description, BoothCommand command)
    {
        var config = ConfigOption();
        var site = SiteOption();
        var force = new Option<bool>("--force", "-F") { Description = "Grant immediately, without waiting for the safety delay (booth -F)" };
        var ticketName = new Argument<string>("ticket") { Description = "Ticket name" };
        var c = new Command(name, description) { config, site, ticketName };
        if (command == BoothCommand.ClientGrant)
        {
            c.Options.Add(force);
        }

        c.SetAction((parse, token) => Run(async () =>
        {
            var (cfg, client, target) = Prepare(parse.GetValue(config), parse.GetValue(site));
            var ticket = parse.GetValue(ticketName)!;
            var options = parse.GetValue(force) ? BoothClientOptions.Immediate : BoothClientOptions.None;
            if (cfg.Members.FirstOrDefault(m => m.Address.Equals(target.Address)) is { IsSite: false })
            {
                Console.Error.WriteLine($"splitguard: {target.Address} is an arbitrator: {name} must go to a site");
                return 2;
            }

            var replies = await client.RequestAsync(target, command, ticket, options, token).ConfigureAwait(false);
            var final = replies[^1];
            if (final.Result == BoothResult.Redirect && cfg.MemberById(final.Leader) is { } leader)
            {
                Console.Error.WriteLine($"splitguard: {name} redirected to the holder {leader.Address}");
                replies = await client.RequestAsync(new IPEndPoint(leader.Address, leader.Port), command, ticket, options, token).ConfigureAwait(false);
                final = replies[^1];
            }

            if (final.Result == BoothResult.Success)
            {
                Console.WriteLine(name + " succeeded!");
                return 0;
            }

            Console.Error.WriteLine($"splitguard: {Describe(final.Result, ticket)}");
            return final.Result == BoothResult.More ? 0 : 1;
        }));
        return c;
    }

    private static (BoothConfig Config, BoothClient Client, IPEndPoint Target) Prepare(string? configPath, string? site)
    {
        var config = TicketSetup.LoadConfig(configPath);
        var key = TicketSetup.LoadKey(config);
        var local = BoothLocalMember.ForClient(config);
        BoothMember target;
        if (site is not null)
        {
            target = config.Members.FirstOrDefault(m => m.Text == site || (IPAddress.TryParse(site, out var a) && m.Address.Equals(a)))
                ?? throw new CommandException($"{site} is not a member of the config");
        }
        else
        {
            target = local ?? throw new CommandException("no member of the config is local here: use -s SITE");
        }

        var from = (local ?? target).Id;
        return (config, new BoothClient(key, from), new IPEndPoint(target.Address, target.Port));
    }

    private static async Task<int> Run(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (CommandException e)
        {
            Console.Error.WriteLine($"splitguard: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidDataException or EndOfStreamException or OperationCanceledException)
        {
            Console.Error.WriteLine($"splitguard: cannot talk to the booth daemon: {e.Message}");
            return 1;
        }
    }

    /// <summary>booth's client messages for the result codes.</summary>
    private static string Describe(BoothResult result, string ticket) => result switch
    {
        BoothResult.InvalidArgument => $"ticket \"{ticket}\" does not exist",
        BoothResult.Overgrant => "You're granting a granted ticket. If you wanted to migrate a ticket, use revoke first, then use grant.",
        BoothResult.TicketIdle => "ticket is not owned",
        BoothResult.AuthFailed => "authentication error",
        BoothResult.ExternalFailed => $"before-acquire-handler for ticket \"{ticket}\" failed, grant denied",
        BoothResult.AttributePrerequisite => $"attr-prereq for ticket \"{ticket}\" failed, grant denied",
        BoothResult.CibPending => "succeeded (CIB commit pending)",
        BoothResult.More => "request sent, waiting for the result: check with `splitguard ticket list`",
        BoothResult.SyncFail => "failed",
        _ => $"failed: {FourCc.Text((uint)result)}",
    };
}
