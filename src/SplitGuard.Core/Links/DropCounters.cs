using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Links;

/// <summary>Frames received, accepted and dropped, counted by reason.</summary>
public sealed class DropCounters
{
    private readonly long[] _byReason = new long[Enum.GetValues<FrameError>().Length];

    public long Accepted { get; private set; }

    public long TotalDropped { get; private set; }

    public long this[FrameError reason] => _byReason[(int)reason];

    internal void Count(FrameError reason)
    {
        if (reason == FrameError.None)
        {
            Accepted++;
            return;
        }

        _byReason[(int)reason]++;
        TotalDropped++;
    }

    /// <summary>The counters by stable reason name (zero counters included).</summary>
    public IReadOnlyDictionary<string, long> ByName()
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var reason in Enum.GetValues<FrameError>())
        {
            if (reason != FrameError.None)
            {
                result[reason.Name()] = _byReason[(int)reason];
            }
        }

        return result;
    }
}
