namespace SplitGuard.Client.Tests.Support;

/// <summary>Polls a condition with a deadline (for effects that happen on the thread pool).</summary>
public static class Wait
{
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }
}
