namespace SplitGuard.Core.Tickets;

/// <summary>
/// booth's timestamp check for authenticated packets (docs/booth.md section 3), per member: accepted when
/// (secs, usecs) is newer than the last accepted pair; otherwise still accepted when secs is within
/// <c>maxtimeskew</c> of now (booth logs it and processes it), and the stored pair is overwritten either way. Only
/// packets older than the skew are refused (counted as authfail). Clients get the skew check only.
/// </summary>
public sealed class ReplayWindow(int members, int maxTimeSkewSeconds)
{
    private readonly (uint Secs, uint Usecs)?[] _last = new (uint, uint)?[members];

    /// <summary>How many accepted packets were not newer than the previous one (booth's warning).</summary>
    public long Older { get; private set; }

    /// <summary>Checks a peer packet; <paramref name="nowSecs"/> is the receiver's wall clock.</summary>
    public bool Accept(int member, uint secs, uint usecs, long nowSecs)
    {
        var last = _last[member];
        var newer = last is null || secs > last.Value.Secs || (secs == last.Value.Secs && usecs > last.Value.Usecs);
        if (!newer)
        {
            if (secs < nowSecs - maxTimeSkewSeconds)
            {
                return false;
            }

            Older++;
        }

        _last[member] = (secs, usecs);
        return true;
    }

    /// <summary>Checks a client request: only the skew.</summary>
    public bool AcceptClient(uint secs, long nowSecs) => secs >= nowSecs - maxTimeSkewSeconds;
}
