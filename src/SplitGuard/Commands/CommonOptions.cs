using System.CommandLine;

namespace SplitGuard.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    /// <summary>How <c>--json</c> output is written.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Option<string?> Config() => new("--config", "-c")
    {
        Description = "Config file (default: /etc/splitguard/splitguard.json, /etc/splitguard.json, /etc/sbpd.conf, /usr/local/etc/..., beside the binary)",
    };

    public static Option<string?> ControlSocket() => new("--control-socket")
    {
        Description = "The daemon's control socket (default: Daemon.control_socket of the config, read without validating the rest of the file)",
    };

    public static Option<string?> Node() => new("--node", "-n")
    {
        Description = "This node's member ID or Hostname (default: the member whose link addresses are local)",
    };
}
