namespace Lifecycle.Programs;

/// <summary>The arithmetic of wait steps: pure, so time zones and DST are tested directly (A/B splits: Experiments/ProgramSplits).</summary>
public static class ProgramWaits
{
    /// <summary>
    /// The UTC instant a wait entered at <paramref name="now"/> ends. A weekday wait ends at the next such weekday
    /// and hour in <paramref name="zone"/> strictly after now. On a spring-forward day an hour that does not exist
    /// moves to the first instant after the gap; an hour that occurs twice (fall back) is its first occurrence.
    /// </summary>
    public static DateTime DueAt(ProgramStep wait, DateTime now, TimeZoneInfo zone)
    {
        if (wait.Duration is { } duration) return now + ProgramCheck.WaitDuration(duration)!.Value;
        if (wait.Until is { } until) return DateTime.SpecifyKind(until.Kind == DateTimeKind.Local ? until.ToUniversalTime() : until, DateTimeKind.Utc);
        var weekday = Enum.Parse<DayOfWeek>(wait.Weekday!, true);
        var localNow = TimeZoneInfo.ConvertTimeFromUtc(now, zone);
        var day = localNow.Date.AddDays(((int)weekday - (int)localNow.DayOfWeek + 7) % 7);
        while (true)
        {
            var due = ToUtc(day.AddHours(wait.Hour!.Value), zone);
            if (due > now) return due;
            day = day.AddDays(7);
        }
    }

    private static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // The clocks jump over this wall time: the wait ends when the jump lands (the gap's end).
            var probe = local;
            while (zone.IsInvalidTime(probe)) probe = probe.AddMinutes(1);
            return TimeZoneInfo.ConvertTimeToUtc(probe, zone);
        }
        if (zone.IsAmbiguousTime(local))
        {
            var firstOffset = zone.GetAmbiguousTimeOffsets(local).Max();
            return DateTime.SpecifyKind(local - firstOffset, DateTimeKind.Utc);
        }
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }

    /// <summary>The contact's time zone (custom field time_zone, an IANA id) or, when it has none or an unknown one, the workspace's.</summary>
    public static TimeZoneInfo ZoneOf(IReadOnlyDictionary<string, string> custom, TimeZoneInfo workspace)
    {
        if (custom.TryGetValue("time_zone", out var id) && TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var zone)) return zone;
        return workspace;
    }
}
