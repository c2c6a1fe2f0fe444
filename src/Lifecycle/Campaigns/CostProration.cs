namespace Lifecycle.Campaigns;

/// <summary>
/// Cost in a period (lifecycle.md §3, counting rules): Σ amount × (part of the month inside the period / the
/// month). Months begin at midnight in the workspace time zone, so a month is measured between two instants;
/// with whole-day periods this is exactly "days inside / days in the month". Pure.
/// </summary>
public static class CostProration
{
    /// <summary>The part of <paramref name="line"/>'s amount that falls in [from, to).</summary>
    public static decimal InPeriod(CostLine line, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone)
    {
        var start = MonthStart(line.Month, zone);
        var end = MonthStart(line.Month.AddMonths(1), zone);
        var overlapStart = start > from ? start : from;
        var overlapEnd = end < to ? end : to;
        if (overlapEnd <= overlapStart) return 0m;
        // Multiply before dividing, so whole-day shares of whole amounts stay exact in decimal.
        return line.Amount * (overlapEnd - overlapStart).Ticks / (end - start).Ticks;
    }

    public static decimal InPeriod(IEnumerable<CostLine> lines, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone) =>
        lines.Sum(line => InPeriod(line, from, to, zone));

    private static DateTimeOffset MonthStart(DateOnly month, TimeZoneInfo zone)
    {
        var local = new DateTime(month.Year, month.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
