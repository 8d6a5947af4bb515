namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>Outcome of a net.sh udp-probe or relay-probe: datagrams/echo requests sent and answers received.</summary>
public sealed record ProbeResult(int Sent, int Received)
{
    /// <summary>Parses net.sh's "sent=S received=R" line.</summary>
    public static ProbeResult Parse(string text)
    {
        int? sent = null;
        int? received = null;
        foreach (var token in text.Split([' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.StartsWith("sent=", StringComparison.Ordinal))
            {
                sent = int.Parse(token.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (token.StartsWith("received=", StringComparison.Ordinal))
            {
                received = int.Parse(token.AsSpan(9), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return sent is { } s && received is { } r
            ? new ProbeResult(s, r)
            : throw new FormatException($"not a probe result: '{text.Trim()}'");
    }
}
