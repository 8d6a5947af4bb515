using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SplitGuard.Core.Config;

/// <content>Typed values: IDs, integers, intervals, booleans, strings, paths, IPv4 addresses.</content>
internal sealed partial class ConfigReader
{
    private const string IntervalExpectation = "a number > 0 (seconds, fractions such as 0.05 allowed)";

    private ushort? ReadId(JsonTreeNode node, string path, string what)
    {
        if (AsInteger(node) is { } d && d >= 0 && d <= ushort.MaxValue)
        {
            return (ushort)d;
        }

        Expected(node, path, $"an integer from 0 to 65535 ({what})");
        return null;
    }

    private int? ReadInt(JsonTreeNode node, string path, int min, int max, string what)
    {
        if (AsInteger(node) is { } d && d >= min && d <= max)
        {
            return (int)d;
        }

        Expected(node, path, $"an integer from {min} to {max} ({what})");
        return null;
    }

    private static decimal? AsInteger(JsonTreeNode node) =>
        node is JsonTreeNumber number && number.AsDecimal() is { } d && d == decimal.Truncate(d) ? d : null;

    private TimeSpan? ReadInterval(JsonTreeNode node, string path)
    {
        if (node is not JsonTreeNumber number)
        {
            Expected(node, path, IntervalExpectation);
            return null;
        }

        var seconds = number.AsDecimal();
        if (seconds is null && number.Text.StartsWith('-'))
        {
            Expected(node, path, IntervalExpectation);
            return null;
        }

        if (seconds is null || seconds > ConfigDefaults.MaxIntervalSeconds)
        {
            Expected(node, path, $"an interval of at most {ConfigDefaults.MaxIntervalSeconds.ToString(CultureInfo.InvariantCulture)} seconds");
            return null;
        }

        if (seconds <= 0)
        {
            Expected(node, path, IntervalExpectation);
            return null;
        }

        if (seconds < ConfigDefaults.MinIntervalSeconds)
        {
            Expected(node, path, $"an interval of at least {ConfigDefaults.MinIntervalSeconds.ToString(CultureInfo.InvariantCulture)} seconds (5 ms)");
            return null;
        }

        return TimeSpan.FromTicks((long)decimal.Round(seconds.Value * TimeSpan.TicksPerSecond));
    }

    private bool? ReadBool(JsonTreeNode node, string path, string what)
    {
        if (node is JsonTreeLiteral { Kind: JsonTreeLiteralKind.True or JsonTreeLiteralKind.False } literal)
        {
            return literal.Kind == JsonTreeLiteralKind.True;
        }

        Expected(node, path, $"true or false ({what})");
        return null;
    }

    private LinkType? ReadLinkType(JsonTreeNode node, string path)
    {
        switch (node)
        {
            case JsonTreeString { Value: "udp" }:
                return LinkType.Udp;
            case JsonTreeString { Value: "icmp" }:
                return LinkType.Icmp;
            case JsonTreeString s when s.Value.Equals("udp", StringComparison.OrdinalIgnoreCase) || s.Value.Equals("icmp", StringComparison.OrdinalIgnoreCase):
                Expected(node, path, $"\"udp\" or \"icmp\" (lowercase: {JsonTreeString.Quote(s.Value.ToLowerInvariant())})");
                return null;
            default:
                Expected(node, path, "\"udp\" or \"icmp\"");
                return null;
        }
    }

    private string? ReadLevel(JsonTreeNode node, string path)
    {
        if (node is JsonTreeString s)
        {
            var match = ConfigDefaults.LogLevels.FirstOrDefault(l => l.Equals(s.Value, StringComparison.OrdinalIgnoreCase));
            if (match is not null)
            {
                return match;
            }
        }

        Expected(node, path, $"one of {string.Join(", ", ConfigDefaults.LogLevels)}");
        return null;
    }

    private string? ReadHostname(JsonTreeNode node, string path)
    {
        if (node is JsonTreeString s && s.Value.Length > 0 && s.Value.Length <= 255
            && s.Value.All(c => c > ' ' && c != '/' && c != '{' && c != '}' && c != 0x7f))
        {
            return s.Value;
        }

        Expected(node, path, "a hostname: a non-empty string without spaces, '/', '{' or '}' (it may be used in {node} paths)");
        return null;
    }

    private string? ReadGroup(JsonTreeNode node, string path)
    {
        if (node is JsonTreeLiteral { Kind: JsonTreeLiteralKind.Null })
        {
            return null;
        }

        if (node is JsonTreeString s && s.Value.Length > 0 && s.Value.All(c => c > ' ' && c != ':' && c != '/' && c != 0x7f))
        {
            return s.Value;
        }

        Expected(node, path, "a Unix group name (a non-empty string without spaces, ':' or '/'), or null");
        return null;
    }

    private string? ReadPath(JsonTreeNode node, string path, string what)
    {
        if (node is not JsonTreeString s || s.Value.Length == 0 || s.Value[0] != '/' || s.Value.Contains('\0', StringComparison.Ordinal))
        {
            Expected(node, path, $"an absolute path starting with '/' ({what}; {ConfigDefaults.NodePlaceholder} is replaced by the local Hostname)");
            return null;
        }

        var rest = s.Value.Replace(ConfigDefaults.NodePlaceholder, string.Empty, StringComparison.Ordinal);
        if (rest.Contains('{', StringComparison.Ordinal) || rest.Contains('}', StringComparison.Ordinal))
        {
            Error(node, path, $"unknown placeholder in {s.Describe()}: only {ConfigDefaults.NodePlaceholder} (the local Hostname) is supported");
            return null;
        }

        return s.Value;
    }

    private IPAddress? ReadIpv4(JsonTreeNode node, string path, bool icmp)
    {
        if (node is not JsonTreeString s)
        {
            Expected(node, path, "an IPv4 address in double quotes, such as \"10.96.0.1\"");
            return null;
        }

        var address = ParseDottedQuad(s.Value);
        if (address is null)
        {
            if (IPAddress.TryParse(s.Value, out var other) && other.AddressFamily == AddressFamily.InterNetworkV6)
            {
                var why = icmp ? "the ICMP relay through the witness works over IPv4 only" : "IPv6 links are not supported yet";
                Error(node, path, $"expected an IPv4 address such as \"10.96.0.1\", got the IPv6 address {s.Describe()}: {why}");
            }
            else
            {
                Expected(node, path, "an IPv4 address in dotted-quad form, such as \"10.96.0.1\"");
            }

            return null;
        }

        var bytes = address.GetAddressBytes();
        var problem = bytes[0] switch
        {
            0 => "0.0.0.0/8 is not a host address",
            >= 224 and <= 239 => "a multicast address is not a host address",
            >= 240 => bytes.All(b => b == 255) ? "the broadcast address is not a host address" : "240.0.0.0/4 is reserved",
            _ => null,
        };
        if (problem is not null)
        {
            Error(node, path, $"expected a unicast IPv4 host address, got {s.Describe()}: {problem}");
            return null;
        }

        return address;
    }

    /// <summary>Strict a.b.c.d with decimal octets 0..255 and no leading zeros (IPAddress.Parse also takes "10.1" or "0x0a.1").</summary>
    internal static IPAddress? ParseDottedQuad(string text)
    {
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }

        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var part = parts[i];
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0'))
            {
                return null;
            }

            var value = int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return null;
            }

            bytes[i] = (byte)value;
        }

        return new IPAddress(bytes);
    }
}
