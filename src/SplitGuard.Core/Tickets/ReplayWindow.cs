namespace SplitGuard.Core.Tickets;

/// <summary>
/// The timestamp check for authenticated packets, per member (docs/booth.md section 3). booth accepts a packet whose
/// (secs, usecs) is newer than the last accepted pair and, weakly, also any older one within <c>maxtimeskew</c>.
/// SplitGuard is stricter: a packet not newer than the last accepted one is <see cref="ReplayVerdict.Reordered"/> and
/// dropped (the sender's resend carries a fresh stamp), one older than the skew is <see cref="ReplayVerdict.Stale"/>.
/// The cost: boothd stamps usecs from the monotonic clock, so about one packet in a few hundred sent within the same
/// wall-clock second as its predecessor looks older and waits for booth's resend. Clients get the skew check only.
/// </summary>
public sealed class ReplayWindow(int members, int maxTimeSkewSeconds)
{
    private readonly (uint Secs, uint Usecs)?[] _last = new (uint, uint)?[members];

    /// <summary>Checks a peer packet; <paramref name="nowSecs"/> is the receiver's wall clock.</summary>
    public ReplayVerdict Check(int member, uint secs, uint usecs, long nowSecs)
    {
        if (secs < nowSecs - maxTimeSkewSeconds)
        {
            return ReplayVerdict.Stale;
        }

        var last = _last[member];
        var newer = last is null || secs > last.Value.Secs || (secs == last.Value.Secs && usecs > last.Value.Usecs);
        if (!newer)
        {
            return ReplayVerdict.Reordered;
        }

        _last[member] = (secs, usecs);
        return ReplayVerdict.Accept;
    }

    /// <summary>Forgets a member's last stamp (it restarted and its clock may have stepped back).</summary>
    public void Forget(int member) => _last[member] = null;

    /// <summary>Checks a client request: only the skew (there is no upper bound, as in booth).</summary>
    public bool AcceptClient(uint secs, long nowSecs) => secs >= nowSecs - maxTimeSkewSeconds;
}
