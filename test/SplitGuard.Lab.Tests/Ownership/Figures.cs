using System.Globalization;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>Median, p95 and max of a few measurements, for the reports of the lab tests.</summary>
public static class Figures
{
    /// <summary>"n=5 median 812 ms, p95 901 ms, max 905 ms" (nearest-rank percentiles).</summary>
    public static string Summarize(IReadOnlyCollection<double> ms)
    {
        if (ms.Count == 0)
        {
            return "n=0";
        }

        var sorted = ms.Order().ToList();
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"n={sorted.Count} median {Rank(0.5):0} ms, p95 {Rank(0.95):0} ms, max {sorted[^1]:0} ms");
    }
}
