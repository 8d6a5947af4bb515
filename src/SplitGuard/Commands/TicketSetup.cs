using System.Net;
using SplitGuard.Core.Config;
using SplitGuard.Daemon;
using SplitGuard.Daemon.Booth;

namespace SplitGuard.Commands;

/// <summary>Reading booth.conf and its authfile for the booth commands; problems become <see cref="CommandException"/>s.</summary>
internal static class TicketSetup
{
    public const string DefaultConfig = "/etc/booth/booth.conf";

    public static BoothConfig LoadConfig(string? path)
    {
        path ??= DefaultConfig;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot read {path}: {e.Message}");
        }

        // booth.conf, or SplitGuard's JSON config with a "Tickets" section
        var result = text.TrimStart().StartsWith('{')
            ? BoothJsonReader.Read(text, Resolve)
            : BoothConfigParser.Parse(text, path, Resolve);
        foreach (var w in result.Warnings)
        {
            Console.Error.WriteLine($"splitguard: warning: {w.Format(path)}");
        }

        if (!result.Succeeded)
        {
            throw new CommandException(string.Join(Environment.NewLine, result.Errors.Select(e => e.Format(path))));
        }

        return result.Config!;
    }

    /// <summary>The <c>Resources</c> of a JSON config whose Tickets section binds them to a ticket; empty otherwise.</summary>
    public static IReadOnlyList<Core.Resources.ResourceConfig> LoadResources(BoothConfig config, string path)
    {
        if (config.ResourcesTicket is null)
        {
            return [];
        }

        var root = JsonTreeParser.Parse(File.ReadAllText(path));
        var section = (root as JsonTreeObject)?.Properties.FirstOrDefault(p => p.Name == ResourceConfigReader.SectionName)?.Value
            ?? throw new CommandException($"{path}: $.Tickets.resources_ticket is set but there is no \"Resources\" section");
        var result = ResourceConfigReader.Read(section);
        if (!result.IsValid)
        {
            throw new CommandException(string.Join(Environment.NewLine, result.FormatErrors(path)));
        }

        return result.Resources;
    }

    public static byte[] LoadKey(BoothConfig config)
    {
        if (config.AuthFile is null)
        {
            return [];
        }

        try
        {
            return BoothAuthFile.Read(config.AuthFile);
        }
        catch (Exception e) when (e is DaemonStartException or IOException or UnauthorizedAccessException)
        {
            throw new CommandException(e.Message);
        }
    }

    private static IPAddress? Resolve(string host)
    {
        try
        {
            return Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily is System.Net.Sockets.AddressFamily.InterNetwork or System.Net.Sockets.AddressFamily.InterNetworkV6);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}
