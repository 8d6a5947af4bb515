namespace SplitGuard.Core.Placement;

/// <summary>
/// The one chance a restarted daemon has to resume the lease it held while its resources ran on (back from maintenance
/// or a quick restart): it opens at the first decision in which the node is eligible (its probe done) and lasts one
/// detection time, long enough for the peers' acknowledgement of its PROGRESS frames to arrive. It closes for good when
/// the lease is resumed, when resuming is not possible, or when the node stops being eligible.
/// </summary>
internal sealed class ResumeWindow(TimeSpan span)
{
    private TimeSpan? _until;
    private bool _over;

    /// <summary>True while the node waits in the window (it says PROGRESS meanwhile, so peers keep acknowledging it).</summary>
    public bool Waiting { get; private set; }

    /// <summary>True while the window is open at <paramref name="now"/>; opens it at the first eligible call.</summary>
    public bool Open(TimeSpan now, bool eligible)
    {
        Waiting = false;
        if (_over || !eligible)
        {
            _over |= _until is not null;
            return false;
        }

        _until ??= now + span;
        _over = now >= _until;
        return !_over;
    }

    /// <summary>Waits in the window (this decision).</summary>
    public void Wait() => Waiting = true;

    /// <summary>Closes the window for good.</summary>
    public void Close()
    {
        _over = true;
        Waiting = false;
    }
}
