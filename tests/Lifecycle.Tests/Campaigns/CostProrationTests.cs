using Lifecycle.Campaigns;

namespace Lifecycle.Tests.Campaigns;

public class CostProrationTests
{
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;

    private static DateTimeOffset Day(int year, int month, int day) => new(year, month, day, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_whole_month_counts_in_full()
    {
        var line = new CostLine { Month = new DateOnly(2026, 3, 1), Channel = "email", Amount = 3100m };
        Assert.Equal(3100m, CostProration.InPeriod(line, Day(2026, 3, 1), Day(2026, 4, 1), Utc));
    }

    [Fact]
    public void A_period_across_a_month_boundary_takes_the_days_of_each_month_inside_it()
    {
        // Period 2026-01-22 .. 2026-02-08 (exclusive): 10 of January's 31 days, 7 of February's 28.
        // January 3100 × 10/31 = 1000; February 2800 × 7/28 = 700; total 1700.
        CostLine[] lines =
        [
            new() { Month = new DateOnly(2026, 1, 1), Channel = "paid_search", Amount = 3100m },
            new() { Month = new DateOnly(2026, 2, 1), Channel = "paid_search", Amount = 2800m },
            new() { Month = new DateOnly(2026, 3, 1), Channel = "paid_search", Amount = 999m },
        ];
        Assert.Equal(1700m, CostProration.InPeriod(lines, Day(2026, 1, 22), Day(2026, 2, 8), Utc));
    }

    [Fact]
    public void Months_begin_at_midnight_in_the_workspace_time_zone()
    {
        // In Asia/Tokyo (UTC+9) March begins at 2026-02-28T15:00Z. The UTC month of March
        // [03-01T00:00Z, 04-01T00:00Z) holds Tokyo's March minus its first 9 hours, plus 9 hours of April:
        // March is 744 h, a line of 744 → 735; April is 720 h, a line of 720 → 9. Total 744, but only
        // the April line alone shows the shift: 9 instead of 0.
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        CostLine[] lines =
        [
            new() { Month = new DateOnly(2026, 3, 1), Channel = "events", Amount = 744m },
            new() { Month = new DateOnly(2026, 4, 1), Channel = "events", Amount = 720m },
        ];
        Assert.Equal(735m, CostProration.InPeriod(lines[0], Day(2026, 3, 1), Day(2026, 4, 1), tokyo));
        Assert.Equal(9m, CostProration.InPeriod(lines[1], Day(2026, 3, 1), Day(2026, 4, 1), tokyo));
        Assert.Equal(0m, CostProration.InPeriod(lines[1], Day(2026, 3, 1), Day(2026, 4, 1), Utc));
    }

    [Fact]
    public void A_period_outside_the_month_costs_nothing()
    {
        var line = new CostLine { Month = new DateOnly(2026, 5, 1), Channel = "email", Amount = 500m };
        Assert.Equal(0m, CostProration.InPeriod(line, Day(2026, 6, 1), Day(2026, 7, 1), Utc));
    }
}
