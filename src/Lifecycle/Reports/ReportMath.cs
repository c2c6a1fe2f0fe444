namespace Lifecycle.Reports;

/// <summary>Median, p75, p90 and mean of durations in fractional days (lifecycle.md §3, convert.velocity).</summary>
public sealed record VelocityStats(double? MedianDays, double? P75Days, double? P90Days, double? MeanDays, int Count)
{
    public static VelocityStats Of(IEnumerable<double> days)
    {
        var sorted = days.Order().ToArray();
        if (sorted.Length == 0) return new VelocityStats(null, null, null, null, 0);
        return new VelocityStats(
            ReportMath.PercentileInc(sorted, 0.5), ReportMath.PercentileInc(sorted, 0.75), ReportMath.PercentileInc(sorted, 0.9),
            sorted.Average(), sorted.Length);
    }
}

/// <summary>The metric arithmetic of lifecycle.md §3, with no I/O.</summary>
public static class ReportMath
{
    /// <summary>
    /// Excel PERCENTILE.INC (numpy's default): rank h = (n − 1) p on the sorted values, linear between the closest
    /// ranks. Null for no values.
    /// </summary>
    public static double? PercentileInc(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return null;
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), "a percentile is in [0, 1]");
        var rank = (sorted.Count - 1) * p;
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }

    public static double? Median(IEnumerable<double> values) => PercentileInc(values.Order().ToArray(), 0.5);

    /// <summary>Exact duration in days: seconds / 86,400.</summary>
    public static double Days(DateTime from, DateTime to) => (to - from).TotalSeconds / 86_400d;

    /// <summary>A rate whose denominator is 0 is null, never 0 and never an error.</summary>
    public static double? Rate(long numerator, long denominator) =>
        denominator == 0 ? null : (double)numerator / denominator;

    public static decimal? Rate(decimal numerator, decimal denominator) =>
        denominator == 0 ? null : numerator / denominator;

    /// <summary>Money per unit (cost per MQL, average deal size): null when there are no units.</summary>
    public static decimal? Per(decimal amount, long count) => count == 0 ? null : amount / count;

    /// <summary>convert.roi: bookings / cost and (bookings − cost) / cost, both null without cost.</summary>
    public static (decimal? BookingsToCost, decimal? Roi) Roi(decimal bookings, decimal cost) =>
        cost == 0 ? (null, null) : (bookings / cost, (bookings - cost) / cost);

    /// <summary>Money as shown: cents, halves away from zero. The sums behind it stay exact.</summary>
    public static decimal? Money(decimal? amount) => amount is { } a ? Math.Round(a, 2, MidpointRounding.AwayFromZero) : null;
}

/// <summary>expand.nps: promoters 9–10, passives 7–8, detractors 0–6; score = 100 × (promoters − detractors) / answers.</summary>
public sealed record NpsScore(double? Score, int Responses, int Promoters, int Passives, int Detractors)
{
    public static NpsScore Of(IEnumerable<int> scores)
    {
        int promoters = 0, passives = 0, detractors = 0;
        foreach (var score in scores)
        {
            if (score >= 9) promoters++;
            else if (score >= 7) passives++;
            else detractors++;
        }
        var responses = promoters + passives + detractors;
        return new NpsScore(responses == 0 ? null : 100d * (promoters - detractors) / responses, responses, promoters, passives, detractors);
    }
}
