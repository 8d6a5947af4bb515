using System.CommandLine;
using System.Runtime.InteropServices;
using Serilog;
using Serilog.Extensions.Logging;
using SplitGuard.Daemon;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Booth;
using SplitGuard.Daemon.Resources;

namespace SplitGuard.Commands;

/// <summary><c>splitguard booth daemon -c booth.conf [--site ADDR]</c>: a booth site or arbitrator, wire-compatible
/// with ClusterLabs boothd, as a process of its own (docs/booth.md).</summary>
internal static class TicketBoothCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config", "-c") { Description = $"booth.conf, or a JSON config with a Tickets section (default {TicketSetup.DefaultConfig})" };
        var site = new Option<string?>("--site", "-s") { Description = "This member's address (default: the member whose address is local)" };
        var seed = new Option<int?>("--seed") { Description = "Seed of the election delay (default: random)" };
        var daemon = new Command("daemon", "Run a booth site or arbitrator in the foreground (logs to stderr)") { config, site, seed };
        daemon.SetAction((parse, token) => RunAsync(parse.GetValue(config), parse.GetValue(site), parse.GetValue(seed), token));
        return new Command("booth", "booth's ticket manager (multi-site tickets), wire-compatible with ClusterLabs booth") { daemon };
    }

    private static async Task<int> RunAsync(string? configPath, string? site, int? seed, CancellationToken token)
    {
        using var factory = new SerilogLoggerFactory(
            new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(new SplitGuard.Daemon.Hosting.StderrSink()).CreateLogger(), dispose: true);
        var logger = factory.CreateLogger("booth");
        BoothService service;
        try
        {
            var config = TicketSetup.LoadConfig(configPath);
            var key = TicketSetup.LoadKey(config);
            var local = BoothLocalMember.ForDaemon(config, site);
            var path = Path.GetFullPath(configPath ?? TicketSetup.DefaultConfig);
            var bound = TicketSetup.LoadResources(config, path);
            var resources = bound.Count == 0 ? null
                : new ResourceManager(bound, new AgentRunner(), new OwnershipLog(config.OwnershipLog, local.Address.ToString()), logger, MonotonicClock());
            service = new BoothService(config, path, local, key, logger, seed ?? Random.Shared.Next(), resources);
        }
        catch (CommandException e)
        {
            Console.Error.WriteLine($"splitguard: {e.Message}");
            return e.ExitCode;
        }
        catch (DaemonStartException e)
        {
            Console.Error.WriteLine($"splitguard: {e.Message}");
            return 3;
        }

        await using (service.ConfigureAwait(false))
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
            {
                ctx.Cancel = true;
                stop.Cancel();
            });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
            {
                ctx.Cancel = true;
                stop.Cancel();
            });
            await service.RunAsync(stop.Token).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Time since the call, on the monotonic clock (Stopwatch): the resource manager's only clock.</summary>
    private static Func<TimeSpan> MonotonicClock()
    {
        var origin = System.Diagnostics.Stopwatch.GetTimestamp();
        return () => System.Diagnostics.Stopwatch.GetElapsedTime(origin);
    }
}
