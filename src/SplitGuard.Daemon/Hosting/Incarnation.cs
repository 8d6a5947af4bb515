using System.Globalization;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// This run's incarnation: peers drop frames from an older incarnation than the newest they saw (replay protection), so
/// it must grow from run to run even when the wall clock went back between them. It is the wall clock in microseconds,
/// or one more than the last run's (kept in <c>incarnation</c> of <c>Daemon.state_dir</c>) when the clock is behind that.
/// </summary>
public static class Incarnation
{
    /// <summary>Chooses and stores the incarnation; a file that cannot be read or written is reported through <paramref name="warn"/>.</summary>
    public static ulong Next(string path, DateTimeOffset now, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(warn);
        var clock = (ulong)now.ToUnixTimeMilliseconds() * 1000UL;
        ulong previous = 0;
        try
        {
            if (File.Exists(path) && !ulong.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out previous))
            {
                warn($"{path}: not an incarnation number; ignoring it");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warn($"{path}: cannot read the last incarnation ({e.Message}); a wall clock set back since may make peers drop this run's frames");
        }

        var next = Math.Max(clock, previous + 1);
        try
        {
            File.WriteAllText(path, next.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warn($"{path}: cannot store the incarnation ({e.Message})");
        }

        return next;
    }
}
