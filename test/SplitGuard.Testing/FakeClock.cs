namespace SplitGuard.Testing;

/// <summary>
/// A manual monotonic clock for the unit and simulation tiers. It starts at a random offset so code that
/// silently assumes "time starts at zero" fails.
/// </summary>
public sealed class FakeClock
{
    public FakeClock(int seed = 0)
    {
        Now = TimeSpan.FromMilliseconds(1_000_000 + new Random(seed).Next(1, 1_000_000));
    }

    public TimeSpan Now { get; private set; }

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(by), "a monotonic clock never goes back");
        }

        Now += by;
    }
}
