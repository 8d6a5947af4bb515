using System.Net;

namespace SplitGuard.Core.Links;

/// <summary>
/// pha's gateway check: ICMP echo to each configured gateway every interval. The gateways count as lost when none of
/// them answered for <c>interval x maxloss + interval/2</c> (the same rule as a link). Pure: the shell sends the
/// probes <see cref="Due"/> returns and reports the replies.
/// </summary>
public sealed class GatewayMonitor
{
    private readonly TimeSpan _interval;
    private readonly TimeSpan _detection;
    private readonly TimeSpan _started;
    private readonly Dictionary<IPAddress, TimeSpan> _lastReply = [];
    private TimeSpan _nextProbe;
    private ushort _sequence;

    public GatewayMonitor(IReadOnlyList<IPAddress> targets, TimeSpan interval, int maxLoss, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(targets);
        Targets = targets;
        _interval = interval;
        _detection = (interval * maxLoss) + LinkMonitor.Slack(interval);
        _started = now;
        _nextProbe = now;
    }

    public IReadOnlyList<IPAddress> Targets { get; }

    /// <summary>The probes to send now (each target, one sequence number), or none; also when the next ones are due.</summary>
    public (IReadOnlyList<IPAddress> Targets, ushort Sequence, TimeSpan Next) Due(TimeSpan now)
    {
        if (now < _nextProbe || Targets.Count == 0)
        {
            return ([], _sequence, Targets.Count == 0 ? TimeSpan.MaxValue : _nextProbe);
        }

        _nextProbe = now + _interval;
        _sequence++;
        return (Targets, _sequence, _nextProbe);
    }

    /// <summary>An echo reply from <paramref name="source"/> arrived at <paramref name="now"/>; replies from anything else are ignored.</summary>
    public bool OnReply(IPAddress source, TimeSpan now)
    {
        if (!Targets.Contains(source))
        {
            return false;
        }

        _lastReply[source] = now;
        return true;
    }

    /// <summary>
    /// False when gateways are configured and none answered within the detection time. Right after start (before one
    /// detection time has passed) they count as reachable.
    /// </summary>
    public bool Reachable(TimeSpan now) =>
        Targets.Count == 0 || now - _started < _detection || _lastReply.Values.Any(at => now - at <= _detection);

    /// <summary>When <paramref name="gateway"/> last answered, or null.</summary>
    public TimeSpan? LastReply(IPAddress gateway) => _lastReply.TryGetValue(gateway, out var at) ? at : null;
}
