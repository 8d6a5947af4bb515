using System.Globalization;
using System.Text.Json;
using SplitGuard.Core.Config;

namespace SplitGuard.Commands;

/// <summary>
/// Where the running daemon's control socket is, for the operator commands: read from the config file's
/// <c>Daemon.control_socket</c> (and, for a <c>{node}</c> in it, the member named by <c>--node</c>) without validating
/// the rest of the file, so a command still reaches the daemon while someone is editing, say, <c>Resources</c>. Only
/// when that cannot tell (no <c>--node</c> to expand <c>{node}</c>, a file that is not JSON) does it fall back to the
/// full loader, whose errors then say why.
/// </summary>
internal static class ControlSocketLocator
{
    private static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static string Find(string? explicitPath, string? node)
    {
        var path = ConfigLoader.FindConfigFile(explicitPath, AppContext.BaseDirectory, File.Exists);
        if (path is not null && File.Exists(path) && Quick(path, node) is { } socket)
        {
            return socket;
        }

        return ConfigContext.Load(explicitPath, node, Console.Error).Config.Daemon.ControlSocket;
    }

    /// <summary>The socket read straight from the file, or null when the full loader must decide.</summary>
    internal static string? Quick(string path, string? node)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), Lenient);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var socket = ConfigDefaults.ControlSocket;
            if (Property(doc.RootElement, "Daemon") is { } daemon)
            {
                if (daemon.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                if (Property(daemon, "control_socket") is { } value)
                {
                    if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                    {
                        return null;
                    }

                    socket = value.GetString()!;
                }
            }

            if (!socket.Contains(ConfigDefaults.NodePlaceholder, StringComparison.Ordinal))
            {
                return socket;
            }

            return node is not null && HostnameOf(doc.RootElement, node) is { } hostname ? NodeIdentity.ExpandNode(socket, hostname) : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The Hostname of the member <paramref name="node"/> names (its ID or its Hostname) in any cluster, or null.</summary>
    private static string? HostnameOf(JsonElement root, string node)
    {
        if (Property(root, "Cluster") is not { ValueKind: JsonValueKind.Array } clusters)
        {
            return null;
        }

        bool numeric = int.TryParse(node, NumberStyles.None, CultureInfo.InvariantCulture, out var id);
        foreach (var cluster in clusters.EnumerateArray())
        {
            if (cluster.ValueKind != JsonValueKind.Object || Property(cluster, "Members") is not { ValueKind: JsonValueKind.Array } members)
            {
                continue;
            }

            foreach (var member in members.EnumerateArray())
            {
                if (member.ValueKind != JsonValueKind.Object || Property(member, "Hostname") is not { ValueKind: JsonValueKind.String } hostname)
                {
                    continue;
                }

                if (numeric ? Property(member, "ID") is { ValueKind: JsonValueKind.Number } memberId && memberId.TryGetInt32(out var m) && m == id
                    : string.Equals(hostname.GetString(), node, StringComparison.Ordinal))
                {
                    return hostname.GetString();
                }
            }
        }

        return null;
    }

    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
            {
                return property.Value;
            }
        }

        return null;
    }
}
