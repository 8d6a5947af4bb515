using System.Globalization;
using System.Net;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Core.Config;

/// <summary>
/// Reads booth's own booth.conf syntax (docs/booth.md): one <c>key = value</c> per line, <c>#</c> comments, values
/// optionally quoted; global keys, <c>site</c>/<c>arbitrator</c> member lines (using the <c>port</c> in effect at that
/// line, as booth does), and <c>ticket</c> sections. Every error names its line. Pure: host names are resolved
/// through the optional resolver the caller passes.
/// </summary>
public static class BoothConfigParser
{
    private const int MaxTokenLength = 64;
    private const string DefaultsTicket = "__defaults__";

    /// <summary>Parses <paramref name="text"/>; <paramref name="fileName"/> gives the default config name.</summary>
    public static BoothConfigResult Parse(string text, string? fileName = null, Func<string, IPAddress?>? resolve = null)
    {
        var errors = new List<BoothConfigError>();
        var warnings = new List<BoothConfigError>();
        var members = new List<BoothMember>();
        var drafts = new List<BoothTicketDraft>();
        BoothTicketDraft? defaults = null;
        BoothTicketDraft? current = null;
        var port = BoothConfig.DefaultPort;
        var transport = "UDP";
        string? name = null;
        string? authFile = null;
        var maxTimeSkew = BoothConfig.DefaultMaxTimeSkew;
        var debug = 0;
        var millis = false;

        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNo = i + 1;
            if (!TrySplit(lines[i], out var key, out var value, out var problem))
            {
                if (problem is not null)
                {
                    errors.Add(new(lineNo, problem));
                }

                continue;
            }

            void Error(string message) => errors.Add(new(lineNo, message));

            bool Time(out long ms)
            {
                if (!TryParseTime(value, out ms, out var subSecond))
                {
                    Error($"{key}: '{value}' is not a time (whole seconds, or NNNms)");
                    return false;
                }

                millis |= subSecond;
                return true;
            }

            switch (key)
            {
                case "transport":
                    var t = value.ToUpperInvariant();
                    if (t is "UDP" or "SCTP")
                    {
                        transport = t;
                    }
                    else
                    {
                        Error($"transport: '{value}' is not supported (booth accepts UDP or SCTP; TCP is only for clients)");
                    }

                    break;
                case "port":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536)
                    {
                        port = p;
                        if (members.Count > 0)
                        {
                            warnings.Add(new(lineNo, string.Create(CultureInfo.InvariantCulture,
                                $"port = {p} comes after {members.Count} member line(s): like booth, those members keep port {members[^1].Port}")));
                        }
                    }
                    else
                    {
                        Error($"port: '{value}' is not a port number (1..65535)");
                    }

                    break;
                case "name":
                    name = value;
                    break;
                case "authfile":
                    authFile = value;
                    break;
                case "maxtimeskew":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out maxTimeSkew))
                    {
                        Error($"maxtimeskew: '{value}' is not a whole number of seconds");
                    }

                    break;
                case "debug":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out debug))
                    {
                        Error($"debug: '{value}' is not a number");
                    }

                    break;
                case "site-user" or "site-group" or "arbitrator-user" or "arbitrator-group":
                    break; // accepted and ignored: broken in booth (docs/booth.md)
                case "site" or "arbitrator":
                    AddMember(key, value, lineNo, port, members, errors, resolve);
                    break;
                case "ticket":
                    if (!IsTicketName(value) && value != DefaultsTicket)
                    {
                        Error($"ticket: '{value}' is not a ticket name (1..63 characters of A-Z a-z 0-9 / -)");
                        current = null;
                        break;
                    }

                    if (value == DefaultsTicket)
                    {
                        if (drafts.Count > 0)
                        {
                            Error("ticket \"__defaults__\" must come before every other ticket");
                        }

                        current = defaults = new BoothTicketDraft(value, lineNo);
                        break;
                    }

                    if (drafts.Any(d => d.Name == value))
                    {
                        Error($"ticket '{value}' is defined twice");
                    }

                    current = new BoothTicketDraft(value, lineNo);
                    drafts.Add(current);
                    break;
                case "expire" or "timeout" or "retries" or "renewal-freq" or "acquire-after" or "before-acquire-handler"
                    or "attr-prereq" or "weights" or "mode":
                    if (current is null)
                    {
                        Error($"{key}: only allowed inside a ticket section (after a 'ticket = \"NAME\"' line)");
                        break;
                    }

                    SetTicketKey(current, key, value, Error, Time);
                    if (key is "renewal-freq" or "timeout" or "retries")
                    {
                        current.TimingLine = lineNo;
                    }

                    break;
                default:
                    Error($"unknown key '{key}'");
                    break;
            }
        }

        if (members.Count == 0)
        {
            errors.Add(new(0, "no site or arbitrator lines: booth needs its members"));
        }

        var tickets = new List<BoothTicketConfig>();
        foreach (var d in drafts)
        {
            var expire = d.ExpireMs ?? defaults?.ExpireMs ?? BoothTicketConfig.DefaultExpireMs;
            var ticket = new BoothTicketConfig
            {
                Name = d.Name,
                Line = d.Line,
                ExpireMs = expire,
                TimeoutMs = d.TimeoutMs ?? defaults?.TimeoutMs ?? BoothTicketConfig.DefaultTimeoutMs,
                Retries = d.Retries ?? defaults?.Retries ?? BoothTicketConfig.DefaultRetries,
                RenewalFreqMs = d.RenewalFreqMs ?? expire / 2,
                AcquireAfterMs = d.AcquireAfterMs ?? 0,
                BeforeAcquireHandler = d.Handler,
                AttrPrereqs = d.AttrPrereqs,
                Weights = d.Weights ?? defaults?.Weights,
                Mode = d.Mode ?? defaults?.Mode ?? BoothTicketMode.Auto,
            };
            if (!ticket.IsManual && ticket.TimeoutMs * (ticket.Retries + 1) >= ticket.RenewalFreqMs)
            {
                errors.Add(new(d.TimingLine > 0 ? d.TimingLine : d.Line, string.Create(CultureInfo.InvariantCulture,
                    $"ticket '{d.Name}': timeout*(retries+1) = {ticket.TimeoutMs * (ticket.Retries + 1)} ms must be less than renewal-freq = {ticket.RenewalFreqMs} ms")));
            }

            tickets.Add(ticket);
        }

        var config = new BoothConfig
        {
            Transport = transport,
            Port = port,
            Name = name ?? DefaultName(fileName),
            AuthFile = authFile,
            MaxTimeSkew = maxTimeSkew,
            Debug = debug,
            Members = members,
            Tickets = tickets,
            MillisecondUnits = millis,
        };
        return new BoothConfigResult(errors.Count == 0 ? config : null, errors) { Warnings = warnings };
    }

    /// <summary>
    /// booth's time values: whole seconds ("30"), milliseconds ("500ms"), or seconds with a fraction ("0.5").
    /// <paramref name="subSecond"/> is true when the value is not a whole number of seconds.
    /// </summary>
    public static bool TryParseTime(string text, out long ms, out bool subSecond)
    {
        ms = 0;
        subSecond = false;
        var t = text.Trim();
        if (t.EndsWith("ms", StringComparison.Ordinal))
        {
            if (!long.TryParse(t[..^2], NumberStyles.None, CultureInfo.InvariantCulture, out ms))
            {
                return false;
            }

            subSecond = ms % 1000 != 0;
            return true;
        }

        if (t.EndsWith('s'))
        {
            t = t[..^1];
        }

        if (!decimal.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        var exact = seconds * 1000m;
        if (exact != decimal.Truncate(exact) || exact > long.MaxValue)
        {
            return false;
        }

        ms = (long)exact;
        subSecond = ms % 1000 != 0;
        return true;
    }

    private static void SetTicketKey(BoothTicketDraft d, string key, string value, Action<string> error, TimeParser time)
    {
        switch (key)
        {
            case "expire":
                if (time(out var e))
                {
                    d.ExpireMs = e;
                }

                break;
            case "timeout":
                if (time(out var to))
                {
                    if (to <= 0)
                    {
                        error("timeout: must be more than 0");
                    }

                    d.TimeoutMs = to;
                }

                break;
            case "renewal-freq":
                if (time(out var r))
                {
                    d.RenewalFreqMs = r;
                }

                break;
            case "acquire-after":
                if (time(out var a))
                {
                    d.AcquireAfterMs = a;
                }

                break;
            case "retries":
                if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 3 and <= 100)
                {
                    d.Retries = n;
                }
                else
                {
                    error($"retries: '{value}' must be a whole number from 3 to 100");
                }

                break;
            case "before-acquire-handler":
                d.Handler = value;
                break;
            case "attr-prereq":
                var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 4 || parts[0] is not ("auto" or "manual") || parts[2] is not ("eq" or "ne"))
                {
                    error($"attr-prereq: '{value}' must be 'auto|manual ATTRIBUTE eq|ne VALUE'");
                }
                else
                {
                    d.AttrPrereqs.Add(value);
                }

                break;
            case "weights":
                d.Weights = value;
                break;
            case "mode":
                switch (value.ToLowerInvariant())
                {
                    case "manual": d.Mode = BoothTicketMode.Manual; break;
                    case "auto" or "automatic": d.Mode = BoothTicketMode.Auto; break;
                    default: error($"mode: '{value}' must be manual or auto"); break;
                }

                break;
        }
    }

    private delegate bool TimeParser(out long ms);

    private static void AddMember(
        string key,
        string value,
        int lineNo,
        int port,
        List<BoothMember> members,
        List<BoothConfigError> errors,
        Func<string, IPAddress?>? resolve)
    {
        if (members.Count >= BoothConfig.MaxMembers)
        {
            errors.Add(new(lineNo, $"{key}: more than {BoothConfig.MaxMembers} members"));
            return;
        }

        if (!IPAddress.TryParse(value, out var address))
        {
            address = resolve?.Invoke(value);
            if (address is null)
            {
                errors.Add(new(lineNo, $"{key}: '{value}' is not an IPv4 or IPv6 address{(resolve is null ? string.Empty : " and does not resolve")}"));
                return;
            }
        }

        var id = BoothSiteId.Of(address);
        var clash = members.FirstOrDefault(m => m.Id == id);
        if (clash is not null)
        {
            errors.Add(new(lineNo, clash.Address.Equals(address)
                ? $"{key}: {address} is already a member (line {clash.Line})"
                : $"{key}: site-ID collision between {address} and {clash.Address} (line {clash.Line})"));
            return;
        }

        var type = key == "site" ? BoothMemberType.Site : BoothMemberType.Arbitrator;
        members.Add(new BoothMember(members.Count, type, value, address, port, id, lineNo));
    }

    private static bool TrySplit(string raw, out string key, out string value, out string? problem)
    {
        key = value = string.Empty;
        problem = null;
        var line = StripComment(raw).Trim();
        if (line.Length == 0)
        {
            return false;
        }

        var eq = line.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            problem = $"expected 'key = value', got '{line}'";
            return false;
        }

        key = line[..eq].Trim();
        value = line[(eq + 1)..].Trim();
        if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            problem = $"'{key}' is not a key (letters, digits, _ and -)";
            return false;
        }

        if (value.Length >= 2 && (value[0] == '"' || value[0] == '\''))
        {
            if (value[^1] != value[0])
            {
                problem = $"{key}: the value's closing {value[0]} is missing";
                return false;
            }

            value = value[1..^1];
        }
        else if (value.Length == 1 && value[0] is '"' or '\'')
        {
            problem = $"{key}: the value's closing {value[0]} is missing";
            return false;
        }

        if (key.Length > MaxTokenLength || value.Length > MaxTokenLength)
        {
            problem = $"{key}: keys and values are limited to {MaxTokenLength} characters";
            return false;
        }

        if (value.Length == 0)
        {
            problem = $"{key}: the value is empty";
            return false;
        }

        return true;
    }

    private static string StripComment(string line)
    {
        char quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '#')
            {
                return line[..i];
            }
        }

        return line;
    }

    private static bool IsTicketName(string name) =>
        name.Length is > 0 and < 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-');

    private static string DefaultName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            return "booth";
        }

        var n = Path.GetFileNameWithoutExtension(fileName);
        return n.Length > 0 ? n : "booth";
    }
}
