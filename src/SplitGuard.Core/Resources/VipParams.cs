using System.Globalization;
using System.Net;

namespace SplitGuard.Core.Resources;

/// <summary>
/// The parameters of <c>builtin:vip</c>, the virtual IPv4 address the daemon adds and removes itself (netlink) and
/// announces with gratuitous ARP from its own process. The names and meanings are those of the bundled
/// <c>ocf:splitguard:vip</c> agent, so a resource switches between the two by its <c>agent</c> key alone; unlike an OCF
/// agent's, they are checked when the configuration is read.
/// </summary>
/// <param name="Address">The address (<c>ip</c>).</param>
/// <param name="Prefix">Its prefix length (<c>cidr_netmask</c>, default 32).</param>
/// <param name="Nic">The interface (<c>nic</c>); null: the interface that has an address of a subnet containing <paramref name="Address"/>.</param>
/// <param name="ArpCount">Gratuitous ARP announcements after a start (<c>arp_count</c>, default 5; 0: none).</param>
/// <param name="ArpInterval">Time between them (<c>arp_interval</c>, milliseconds, default 200).</param>
public sealed record VipParams(IPAddress Address, int Prefix, string? Nic, int ArpCount, TimeSpan ArpInterval)
{
    /// <summary>The name after <c>builtin:</c>.</summary>
    public const string AgentName = "vip";

    /// <summary>Default <c>arp_count</c>.</summary>
    public const int DefaultArpCount = 5;

    /// <summary>Largest <c>arp_count</c>.</summary>
    public const int MaxArpCount = 1000;

    /// <summary>Largest <c>arp_interval</c> in milliseconds.</summary>
    public const int MaxArpIntervalMs = 60_000;

    /// <summary>Default <c>arp_interval</c>.</summary>
    public static readonly TimeSpan DefaultArpInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The parameter names <c>builtin:vip</c> takes.</summary>
    public static readonly IReadOnlyList<string> Names = ["ip", "cidr_netmask", "nic", "arp_count", "arp_interval"];

    /// <summary>
    /// Reads the parameters. Returns null and adds to <paramref name="problems"/> (the parameter's name, or null for the
    /// whole object, and a message that says what was expected) when anything is missing, unknown or malformed.
    /// </summary>
    public static VipParams? Parse(IReadOnlyDictionary<string, string> values, List<(string? Key, string Message)> problems)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(problems);
        var before = problems.Count;
        foreach (var key in values.Keys)
        {
            if (!Names.Contains(key))
            {
                problems.Add((key, $"builtin:vip has no parameter \"{key}\"; its parameters are {string.Join(", ", Names)}"));
            }
        }

        IPAddress? address = null;
        if (!values.TryGetValue("ip", out var ipText))
        {
            problems.Add((null, "builtin:vip needs the parameter \"ip\" (the virtual IPv4 address, such as \"10.0.0.10\")"));
        }
        else if ((address = ParseIPv4(ipText)) is null)
        {
            problems.Add(("ip", $"expected an IPv4 address in dotted form (such as \"10.0.0.10\"), got \"{ipText}\""));
        }

        var prefix = Whole(values, "cidr_netmask", 32, 1, 32, "a prefix length from 1 to 32", problems);
        var count = Whole(values, "arp_count", DefaultArpCount, 0, MaxArpCount, $"a number of announcements from 0 to {MaxArpCount}", problems);
        var interval = Whole(values, "arp_interval", (int)DefaultArpInterval.TotalMilliseconds, 1, MaxArpIntervalMs, $"milliseconds from 1 to {MaxArpIntervalMs}", problems);
        string? nic = null;
        if (values.TryGetValue("nic", out var nicText))
        {
            if (IsInterfaceName(nicText))
            {
                nic = nicText;
            }
            else
            {
                problems.Add(("nic", $"expected an interface name (1 to 15 characters, no '/', ':' or white space, such as \"eth0\"), got \"{nicText}\""));
            }
        }

        return problems.Count == before && address is not null
            ? new VipParams(address, prefix, nic, count, TimeSpan.FromMilliseconds(interval))
            : null;
    }

    /// <summary>Only four decimal parts of 0 to 255 (IPAddress.Parse would also take "10.1" or "0x0a000001").</summary>
    public static IPAddress? ParseIPv4(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }

        var bytes = new byte[4];
        for (int i = 0; i < 4; i++)
        {
            if (parts[i].Length is 0 or > 3 || !parts[i].All(char.IsAsciiDigit) || !byte.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return null;
            }
        }

        return new IPAddress(bytes);
    }

    /// <summary>What the kernel takes as an interface name (IFNAMSIZ 16 with the NUL), without the alias colon.</summary>
    public static bool IsInterfaceName(string text) =>
        text.Length is > 0 and <= 15 && text != "." && text != ".."
        && text.All(c => c > ' ' && c < 0x7f && c is not '/' and not ':');

    /// <summary>The address as <c>ip</c>/<c>prefix</c>, e.g. <c>10.0.0.10/24</c>.</summary>
    public override string ToString() => $"{Address}/{Prefix.ToString(CultureInfo.InvariantCulture)}";

    private static int Whole(IReadOnlyDictionary<string, string> values, string key, int fallback, int min, int max, string expectation, List<(string? Key, string Message)> problems)
    {
        if (!values.TryGetValue(key, out var text))
        {
            return fallback;
        }

        if (text.Length is > 0 and <= 6 && text.All(char.IsAsciiDigit)
            && int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) is var value && value >= min && value <= max)
        {
            return value;
        }

        problems.Add((key, $"expected {expectation}, got \"{text}\""));
        return fallback;
    }
}
