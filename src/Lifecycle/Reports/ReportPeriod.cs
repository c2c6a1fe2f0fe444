using System.Globalization;

namespace Lifecycle.Reports;

/// <summary>
/// A report's range (lifecycle.md §2): the half-open [from, to) between two calendar days, each taken at midnight
/// in the workspace time zone (default UTC). Pure.
/// </summary>
public sealed class ReportPeriod(DateOnly fromDay, DateOnly toDay, TimeZoneInfo zone)
{
    public DateOnly FromDay { get; } = fromDay;
    public DateOnly ToDay { get; } = toDay;
    public TimeZoneInfo Zone { get; } = zone;
    public DateTime From { get; } = MidnightUtc(fromDay, zone);
    public DateTime To { get; } = MidnightUtc(toDay, zone);

    public bool Contains(DateTime instant) => instant >= From && instant < To;

    /// <summary>The calendar day, in the workspace zone, on which an instant falls.</summary>
    public DateOnly LocalDay(DateTime instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(instant, Zone));

    /// <summary>The period cut at month boundaries (the default monthly grain); the first and last part may be partial.</summary>
    public IEnumerable<(string Month, ReportPeriod Part)> Months()
    {
        var start = FromDay;
        while (start < ToDay)
        {
            var nextMonth = new DateOnly(start.Year, start.Month, 1).AddMonths(1);
            var end = nextMonth < ToDay ? nextMonth : ToDay;
            yield return (start.ToString("yyyy-MM", CultureInfo.InvariantCulture), new ReportPeriod(start, end, Zone));
            start = end;
        }
    }

    /// <summary>The bounds of a calendar month in a time zone, as UTC instants.</summary>
    public static (DateTime From, DateTime To) MonthBounds(int year, int month, TimeZoneInfo zone)
    {
        var first = new DateOnly(year, month, 1);
        return (MidnightUtc(first, zone), MidnightUtc(first.AddMonths(1), zone));
    }

    /// <summary>Midnight of a day in a zone, as a UTC instant (the zone's offset at that local time, as CostProration does).</summary>
    public static DateTime MidnightUtc(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).UtcDateTime;
    }

    /// <summary>
    /// Reads from/to as YYYY-MM-DD days. Errors name the field: both required, real days, from before to,
    /// and at most 10 years (a guard against typos such as 2206).
    /// </summary>
    public static ReportPeriod? Parse(string? from, string? to, TimeZoneInfo zone, Action<string, string> error)
    {
        var fromDay = Day("from", from, error);
        var toDay = Day("to", to, error);
        if (fromDay is null || toDay is null) return null;
        if (toDay <= fromDay) { error("to", $"'{to}' must be after from ({from})"); return null; }
        if (toDay.Value > fromDay.Value.AddYears(10)) { error("to", "the period may span at most 10 years"); return null; }
        return new ReportPeriod(fromDay.Value, toDay.Value, zone);
    }

    private static DateOnly? Day(string field, string? text, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(text)) { error(field, "required (a day YYYY-MM-DD)"); return null; }
        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
        error(field, $"'{text}' is not a day YYYY-MM-DD");
        return null;
    }

    /// <summary>A time zone by IANA or Windows id; the workspace setting Lifecycle:Workspace:TimeZone (default UTC).</summary>
    public static TimeZoneInfo? FindZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return TimeZoneInfo.Utc;
        return TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var zone) ? zone : null;
    }
}
