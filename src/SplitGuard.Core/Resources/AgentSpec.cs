namespace SplitGuard.Core.Resources;

/// <summary>
/// Which agent manages a resource, parsed from the <c>agent</c> key: <c>ocf:PROVIDER:TYPE</c>
/// (<see cref="Provider"/> and <see cref="Name"/> = TYPE), <c>lsb:NAME</c> (<see cref="Name"/> = the script in
/// /etc/init.d), <c>script:/path</c> (<see cref="Name"/> = the absolute path) or <c>builtin:NAME</c> (an agent inside the
/// daemon: <c>builtin:vip</c>).
/// </summary>
/// <param name="Kind">OCF, LSB, pha-style script or built in.</param>
/// <param name="Name">The OCF type, the LSB script name, or the script's absolute path.</param>
/// <param name="Provider">The OCF provider (e.g. <c>heartbeat</c>); null for the other kinds.</param>
public sealed record AgentSpec(AgentKind Kind, string Name, string? Provider = null)
{
    /// <summary>What the <c>agent</c> key accepts, for error messages.</summary>
    public const string Expectation =
        "\"ocf:PROVIDER:TYPE\" (such as \"ocf:heartbeat:Dummy\"), \"lsb:NAME\" (/etc/init.d/NAME), \"script:/absolute/path\" (start, stop, check) or \"builtin:vip\"";

    /// <summary>The names <c>builtin:NAME</c> accepts.</summary>
    public static readonly IReadOnlyList<string> BuiltinNames = [VipParams.AgentName];

    /// <summary>An OCF agent, e.g. <c>Ocf("heartbeat", "Dummy")</c>.</summary>
    public static AgentSpec Ocf(string provider, string type) => new(AgentKind.Ocf, type, provider);

    /// <summary>An LSB init script in /etc/init.d.</summary>
    public static AgentSpec Lsb(string name) => new(AgentKind.Lsb, name);

    /// <summary>A pha-style script at an absolute path.</summary>
    public static AgentSpec Script(string path) => new(AgentKind.Script, path);

    /// <summary>An agent built into the daemon, e.g. <c>Builtin("vip")</c>.</summary>
    public static AgentSpec Builtin(string name) => new(AgentKind.Builtin, name);

    /// <summary>True for <c>builtin:vip</c>.</summary>
    public bool IsBuiltinVip => Kind == AgentKind.Builtin && Name == VipParams.AgentName;

    /// <summary>
    /// Parses the text of an <c>agent</c> key. Returns null and sets <paramref name="problem"/> (a phrase that
    /// completes "expected ..., got X: ...") when the text is not one of the three forms.
    /// </summary>
    public static AgentSpec? Parse(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var prefix = colon < 0 ? text : text[..colon];
        var rest = colon < 0 ? string.Empty : text[(colon + 1)..];
        switch (prefix)
        {
            case "ocf":
                var parts = rest.Split(':');
                if (parts.Length != 2 || !IsAgentWord(parts[0]) || !IsAgentWord(parts[1]))
                {
                    problem = "an OCF agent is ocf:PROVIDER:TYPE, both made of letters, digits, '_', '.' or '-'";
                    return null;
                }

                return Ocf(parts[0], parts[1]);
            case "lsb":
                if (!IsAgentWord(rest))
                {
                    problem = rest.Contains('/', StringComparison.Ordinal)
                        ? "lsb:NAME names a script in /etc/init.d; use script:/path for a script elsewhere"
                        : "an LSB agent is lsb:NAME, the name of a script in /etc/init.d";
                    return null;
                }

                return Lsb(rest);
            case "script":
                if (rest.Length < 2 || rest[0] != '/' || rest.EndsWith('/') || rest.Any(char.IsControl))
                {
                    problem = "a script agent needs the absolute path of the script, e.g. script:/etc/pha/web.sh";
                    return null;
                }

                return Script(rest);
            case "builtin":
                if (!BuiltinNames.Contains(rest))
                {
                    problem = $"the daemon has no built-in agent {JsonQuote(rest)}; the built-in agents are: {string.Join(", ", BuiltinNames.Select(n => "builtin:" + n))}";
                    return null;
                }

                return Builtin(rest);
            default:
                problem = prefix.ToLowerInvariant() is "ocf" or "lsb" or "script" or "builtin"
                    ? $"the agent class is lowercase: {prefix.ToLowerInvariant()}:{rest}"
                    : "the agent must start with ocf:, lsb:, script: or builtin:";
                return null;
        }
    }

    /// <summary>The canonical text, e.g. <c>ocf:heartbeat:Dummy</c>.</summary>
    public override string ToString() => Kind switch
    {
        AgentKind.Ocf => $"ocf:{Provider}:{Name}",
        AgentKind.Lsb => $"lsb:{Name}",
        AgentKind.Builtin => $"builtin:{Name}",
        _ => $"script:{Name}",
    };

    private static string JsonQuote(string text) => "\"" + text + "\"";

    private static bool IsAgentWord(string word) =>
        word.Length > 0 && word != "." && word != ".." && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
}
