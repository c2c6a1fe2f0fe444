using Lifecycle.Reports;

namespace Lifecycle.Tests.Reports;

public class ReportMathTests
{
    [Fact]
    public void Percentile_inc_interpolates_between_closest_ranks()
    {
        double[] sorted = [1, 2, 4, 7];
        // rank (n − 1) p: p50 → 1.5 → 2 + 0.5 × 2 = 3; p75 → 2.25 → 4 + 0.25 × 3 = 4.75; p90 → 2.7 → 4 + 0.7 × 3 = 6.1.
        Assert.Equal(3, ReportMath.PercentileInc(sorted, 0.5)!.Value, 12);
        Assert.Equal(4.75, ReportMath.PercentileInc(sorted, 0.75)!.Value, 12);
        Assert.Equal(6.1, ReportMath.PercentileInc(sorted, 0.9)!.Value, 12);
        Assert.Equal(1, ReportMath.PercentileInc(sorted, 0)!.Value);
        Assert.Equal(7, ReportMath.PercentileInc(sorted, 1)!.Value);
        Assert.Equal(5, ReportMath.PercentileInc([5], 0.9)!.Value);
        Assert.Null(ReportMath.PercentileInc([], 0.5));
    }

    [Fact]
    public void Velocity_stats_sort_their_input_and_count_it()
    {
        // 0.5, 1, 3 days: median 1, p75 rank 1.5 → 2, p90 rank 1.8 → 1 + 0.8 × 2 = 2.6, mean 4.5 / 3 = 1.5.
        var stats = VelocityStats.Of([3, 0.5, 1]);
        Assert.Equal(new VelocityStats(1, 2, 2.6, 1.5, 3), stats with { P90Days = Math.Round(stats.P90Days!.Value, 12) });
        Assert.Equal(new VelocityStats(null, null, null, null, 0), VelocityStats.Of([]));
    }

    [Fact]
    public void Days_are_seconds_over_86400()
    {
        Assert.Equal(1.5, ReportMath.Days(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 1, 2, 12, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(1d / 86_400, ReportMath.Days(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 1, 1, 0, 0, 1, DateTimeKind.Utc)), 15);
    }

    [Fact]
    public void Rates_and_ratios_are_null_when_the_denominator_is_zero()
    {
        Assert.Null(ReportMath.Rate(0, 0));
        Assert.Null(ReportMath.Rate(5, 0));
        Assert.Equal(0, ReportMath.Rate(0, 4));
        Assert.Null(ReportMath.Per(100m, 0));
        Assert.Equal((null, null), ReportMath.Roi(500m, 0m));
        // bookings 300 against cost 100: 3 and (300 − 100) / 100 = 2.
        Assert.Equal((3m, 2m), ReportMath.Roi(300m, 100m));
    }

    [Fact]
    public void Nps_counts_categories_and_scores_within_minus_100_and_100()
    {
        // 10, 9 promoters; 8, 7 passives; 6, 0 detractors: 100 × (2 − 2) / 6 = 0.
        Assert.Equal(new NpsScore(0, 6, 2, 2, 2), NpsScore.Of([10, 9, 8, 7, 6, 0]));
        Assert.Equal(-100, NpsScore.Of([0, 6]).Score);
        Assert.Equal(100, NpsScore.Of([9]).Score);
        Assert.Null(NpsScore.Of([]).Score);
    }

    [Fact]
    public void Periods_are_local_midnights_and_split_by_month()
    {
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var errors = new List<string>();
        var period = ReportPeriod.Parse("2026-01-16", "2026-03-01", tokyo, (f, r) => errors.Add(f))!;
        Assert.Equal(new DateTime(2026, 1, 15, 15, 0, 0, DateTimeKind.Utc), period.From);
        Assert.Equal(new DateTime(2026, 2, 28, 15, 0, 0, DateTimeKind.Utc), period.To);
        Assert.Equal([("2026-01", new DateOnly(2026, 1, 16), new DateOnly(2026, 2, 1)), ("2026-02", new DateOnly(2026, 2, 1), new DateOnly(2026, 3, 1))],
            period.Months().Select(m => (m.Month, m.Part.FromDay, m.Part.ToDay)));
        // New York in March 2026: DST starts on the 8th, so the month runs from UTC−5 midnight to UTC−4 midnight.
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.Equal((new DateTime(2026, 3, 1, 5, 0, 0, DateTimeKind.Utc), new DateTime(2026, 4, 1, 4, 0, 0, DateTimeKind.Utc)), ReportPeriod.MonthBounds(2026, 3, newYork));
        Assert.True(period.Contains(period.From));
        Assert.False(period.Contains(period.To));
    }

    [Fact]
    public void Period_errors_name_the_field()
    {
        var errors = new List<(string, string)>();
        Assert.Null(ReportPeriod.Parse(null, "2026-13-01", TimeZoneInfo.Utc, (f, r) => errors.Add((f, r))));
        Assert.Equal(["from", "to"], errors.Select(e => e.Item1));
        errors.Clear();
        Assert.Null(ReportPeriod.Parse("2026-02-01", "2026-02-01", TimeZoneInfo.Utc, (f, r) => errors.Add((f, r))));
        Assert.Equal("to", Assert.Single(errors).Item1);
    }
}
