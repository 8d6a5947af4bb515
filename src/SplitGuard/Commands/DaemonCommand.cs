using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using SplitGuard.Core.Config;
using SplitGuard.Daemon;
using SplitGuard.Daemon.Api;
using SplitGuard.Daemon.Hosting;

namespace SplitGuard.Commands;

/// <summary><c>splitguard daemon</c>: runs the daemon.</summary>
internal static class DaemonCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var node = CommonOptions.Node();
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Stay in the foreground and log to stderr too (sbp: System.foreground)" };
        var command = new Command("daemon", "Run the SplitGuard daemon") { config, node, foreground };
        command.SetAction(parse => Run(parse.GetValue(config), parse.GetValue(node), parse.GetValue(foreground)));
        return command;
    }

    private static int Run(string? configPath, string? node, bool foreground)
    {
        ConfigContext context;
        try
        {
            context = ConfigContext.Load(configPath, node, Console.Error);
        }
        catch (CommandException e)
        {
            Console.Error.WriteLine($"splitguard: {e.Message}");
            return e.ExitCode;
        }

        var config = context.Config;
        // Under systemd (NOTIFY_SOCKET set: Type=notify) the service manager supervises the process: never detach.
        if (!foreground && !config.System.Foreground && Environment.GetEnvironmentVariable("SPLITGUARD_DETACHED") is null
            && Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is null)
        {
            return Detach(context);
        }

        if (context.Memberships.Any(m => m.Cluster.Links.Any(l => l.Type == LinkType.Icmp && l.EndpointOf(m.LocalNode) is not null)) && !UnixIds.IsRoot
            && !HasCapNetRaw())
        {
            Console.Error.WriteLine("splitguard: icmp links need raw ICMP sockets: run as root or with CAP_NET_RAW (AmbientCapabilities=CAP_NET_RAW), or use only udp links");
            return 4;
        }

        try
        {
            var key = KeyFile.Read(config.Auth.KeyFile);
            var level = new Serilog.Core.LoggingLevelSwitch();
            // Under systemd with the journal: native journal entries, and no file unless the config names one.
            var journal = JournalSink.Available();
            var logFile = JournalStream.IsStderr() && !config.Logging.LogFileConfigured ? null : config.Logging.LogFile;
            using var loggers = Logging.Create(config.Logging, logFile,
                foreground || config.System.Foreground || Environment.GetEnvironmentVariable("SPLITGUARD_DETACHED") is null, level, journal);
            using var pid = PidFile.Create(config.Daemon.PidFile);
            using var state = StateDirectory.Open(config.Daemon.StateDir);
            var settings = new DaemonSettings(config, context.Path, context.Memberships, context.NodeName, config.Daemon.PidFile, config.Daemon.ControlSocket, config.Api.Socket, key)
            {
                Resources = context.Resources,
                EventsSocket = config.Api.EventsSocket,
                OwnershipLog = Environment.GetEnvironmentVariable("SPLITGUARD_OWNERSHIP_LOG"),
                ConfigText = context.Text,
                ReadConfig = () => ConfigContext.Reread(context.Path),
                LogLevel = level,
                StateDir = state.Path,
            };
            using var stop = new CancellationTokenSource();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            using var daemon = new SplitGuardDaemon(settings, loggers);
            using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; daemon.Hangup(); });
            return daemon.Run(stop.Token);
        }
        catch (DaemonStartException e)
        {
            Console.Error.WriteLine($"splitguard: {e.Message}");
            return e.ExitCode;
        }
    }

    private static bool HasCapNetRaw()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            return line is not null && (Convert.ToUInt64(line[7..].Trim(), 16) & (1UL << 13)) != 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Starts a detached copy of this daemon (new session, no terminal) and waits until its control socket answers.</summary>
    private static int Detach(ConfigContext context)
    {
        var command = new List<string>();
        if (File.Exists("/usr/bin/setsid"))
        {
            command.Add("/usr/bin/setsid");
        }

        var self = Environment.ProcessPath!;
        command.Add(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            command.Add(Path.Combine(AppContext.BaseDirectory, "splitguard.dll"));
        }

        command.AddRange(Environment.GetCommandLineArgs().Skip(1));
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["SPLITGUARD_DETACHED"] = "1";
        using var child = Process.Start(start)!;
        child.StandardInput.Close();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (child.HasExited)
            {
                Console.Error.Write(child.StandardError.ReadToEnd());
                Console.Error.WriteLine($"splitguard: the daemon exited with code {child.ExitCode}");
                return child.ExitCode == 0 ? 1 : child.ExitCode;
            }

            try
            {
                ControlClient.Send(context.Config.Daemon.ControlSocket, new System.Text.Json.Nodes.JsonObject { ["command"] = "ping" }, TimeSpan.FromSeconds(1));
                Console.WriteLine($"splitguard: daemon started (pid {child.Id}), log {context.Config.Logging.LogFile}");
                return 0;
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
        }

        Console.Error.WriteLine("splitguard: the daemon did not answer on its control socket within 15 s");
        return 1;
    }
}
