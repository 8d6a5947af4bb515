using System.Net;
using System.Net.NetworkInformation;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;

namespace SplitGuard.Commands;

/// <summary>Finds, reads, validates the config and works out which node this is; every failure is a message and exit code 2.</summary>
internal sealed record ConfigContext(SplitGuardConfig Config, string Path, IReadOnlyList<ClusterMembership> Memberships, string NodeName, IReadOnlyList<Core.Resources.ResourceConfig> Resources)
{
    /// <summary>The file's text as read (a reload compares the file with it).</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>
    /// Reload: reads <paramref name="path"/> again and runs the same checks as <see cref="Load"/> (<see cref="ConfigValidation"/>);
    /// which node this is was settled at the start and is not asked again (a change there is a change of <c>Cluster</c>,
    /// which needs a restart).
    /// </summary>
    public static Daemon.Hosting.ReloadSource Reread(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Daemon.Hosting.ReloadSource(string.Empty, [], string.Empty, [$"cannot read config file {path}: {e.Message}"]);
        }

        var validation = ConfigValidation.Check(text, path);
        return validation.IsValid
            ? new Daemon.Hosting.ReloadSource(text, validation.Resources, validation.Core.Config!.Logging.Level, [])
            : new Daemon.Hosting.ReloadSource(text, [], string.Empty, validation.Errors);
    }

    public static ConfigContext Load(string? explicitPath, string? node, TextWriter error)
    {
        var path = ConfigLoader.FindConfigFile(explicitPath, AppContext.BaseDirectory, File.Exists);
        if (path is null)
        {
            throw new CommandException(explicitPath is null
                ? $"no config file found; searched: {string.Join(", ", ConfigLoader.SearchPaths(AppContext.BaseDirectory))}"
                : $"config file {explicitPath} does not exist");
        }

        if (!File.Exists(path))
        {
            throw new CommandException($"config file {path} does not exist");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot read config file {path}: {e.Message}");
        }

        var validation = ConfigValidation.Check(text, path);
        if (!validation.IsValid)
        {
            foreach (var line in validation.Errors)
            {
                error.WriteLine(line);
            }

            throw new CommandException($"{path}: {validation.Errors.Count} error(s); refusing to go on");
        }

        var core = validation.Core.Config!; // valid
        var resources = validation.Resources;
        var identity = NodeIdentity.Resolve(core, LocalAddresses(), node);
        if (!identity.IsValid)
        {
            foreach (var line in identity.Errors)
            {
                error.WriteLine($"{path}: {line}");
            }

            throw new CommandException(identity.Errors.Count == 0
                ? $"{path}: this node is a member of no cluster (no member's link addresses are local; use --node)"
                : $"{path}: cannot tell which node this is");
        }

        var hostname = identity.Hostname!;
        var config = NodeIdentity.ExpandPaths(core, hostname);
        var memberships = identity.Memberships.Select(m => new ClusterMembership(m.Cluster, m.Local.Id)).ToList();
        return new ConfigContext(config, path, memberships, hostname, resources) { Text = text };
    }

    public static HashSet<IPAddress> LocalAddresses()
    {
        var set = new HashSet<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var address in nic.GetIPProperties().UnicastAddresses)
            {
                set.Add(address.Address);
            }
        }

        return set;
    }
}
