using Lifecycle.Pipeline;

namespace Lifecycle.Tests.Pipeline;

public class SlaClockTests
{
    private static DateTime Utc(string instant) => DateTime.Parse(instant, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
    private static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);

    [Fact]
    public void A_Friday_afternoon_MQL_is_due_Tuesday_afternoon_on_the_workspace_wall_clock()
    {
        // Fri 2026-11-27 15:00 in New York (EST, UTC-5) = 20:00Z. +1 business day skips the weekend: Mon 15:00;
        // +2: Tue 2026-12-01 15:00 EST = 20:00Z.
        Assert.Equal(Utc("2026-12-01T20:00:00Z"), SlaClock.DueAt(Utc("2026-11-27T20:00:00Z"), 2, Zone("America/New_York")));
    }

    [Fact]
    public void The_due_instant_keeps_the_wall_clock_across_a_daylight_saving_change()
    {
        // Berlin moves to summer time on Sun 2026-03-29. Fri 2026-03-27 15:00 CET (UTC+1) = 14:00Z
        // -> Tue 2026-03-31 15:00 CEST (UTC+2) = 13:00Z: 95 hours later, not 96.
        Assert.Equal(Utc("2026-03-31T13:00:00Z"), SlaClock.DueAt(Utc("2026-03-27T14:00:00Z"), 2, Zone("Europe/Berlin")));
    }

    [Fact]
    public void The_same_instant_falls_on_a_different_day_in_another_time_zone()
    {
        // Sun 2026-11-29 23:00Z is Mon 2026-11-30 08:00 in Tokyo (UTC+9): due Wed 2026-12-02 08:00 JST = Tue 23:00Z.
        var instant = Utc("2026-11-29T23:00:00Z");
        Assert.Equal(Utc("2026-12-01T23:00:00Z"), SlaClock.DueAt(instant, 2, Zone("Asia/Tokyo")));
        // In UTC the same instant is a Sunday: the clock starts Mon 2026-11-30 00:00Z and is due Wed 2026-12-02 00:00Z.
        Assert.Equal(Utc("2026-12-02T00:00:00Z"), SlaClock.DueAt(instant, 2, TimeZoneInfo.Utc));
    }

    [Theory]
    // Wed 10:00 + 2 = Fri 10:00.
    [InlineData("2026-11-25T10:00:00Z", 2, "2026-11-27T10:00:00Z")]
    // Thu 10:00 + 2: Fri 10:00, then Sat -> Mon 2026-11-30 10:00.
    [InlineData("2026-11-26T10:00:00Z", 2, "2026-11-30T10:00:00Z")]
    // Sat 2026-11-28 10:00: the clock starts Mon 00:00; + 2 = Wed 2026-12-02 00:00.
    [InlineData("2026-11-28T10:00:00Z", 2, "2026-12-02T00:00:00Z")]
    // Zero days on a weekend: due when the week starts.
    [InlineData("2026-11-29T18:30:00Z", 0, "2026-11-30T00:00:00Z")]
    // Fri + 5 business days = the next Fri.
    [InlineData("2026-11-27T09:15:00Z", 5, "2026-12-04T09:15:00Z")]
    public void Business_days_skip_weekends_in_UTC(string from, int days, string due) =>
        Assert.Equal(Utc(due), SlaClock.DueAt(Utc(from), days, TimeZoneInfo.Utc));
}
