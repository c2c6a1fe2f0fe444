namespace Lifecycle.Pipeline;

/// <summary>
/// When a sales SLA falls due: a number of business days (Monday to Friday, whole 24-hour days) after the
/// instant, counted on the wall clock of the workspace time zone. An MQL arriving on a weekend starts its clock
/// on Monday at midnight. Holidays are not modelled. Pure.
/// </summary>
public static class SlaClock
{
    public static DateTime DueAt(DateTime instantUtc, int businessDays, TimeZoneInfo zone)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(businessDays);
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(instantUtc, DateTimeKind.Utc), zone);
        if (IsWeekend(local)) local = NextMonday(local);
        for (var i = 0; i < businessDays; i++)
        {
            local = local.AddDays(1);
            if (IsWeekend(local)) local = local.AddDays(local.DayOfWeek == DayOfWeek.Saturday ? 2 : 1);
        }
        return ToUtc(local, zone);
    }

    private static bool IsWeekend(DateTime day) => day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    private static DateTime NextMonday(DateTime weekend) =>
        weekend.Date.AddDays(weekend.DayOfWeek == DayOfWeek.Saturday ? 2 : 1);

    /// <summary>A wall-clock time skipped by a daylight-saving jump (02:30 on a spring-forward night) moves forward by the gap.</summary>
    private static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }
}
