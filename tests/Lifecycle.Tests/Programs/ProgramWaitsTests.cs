using Lifecycle.Experiments;
using Lifecycle.Programs;

namespace Lifecycle.Tests.Programs;

public class ProgramWaitsTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static DateTime Utc(string text) => DateTime.Parse(text, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

    private static ProgramStep Weekly(string weekday, int hour) => new() { Id = "w", Type = "wait", Weekday = weekday, Hour = hour };

    [Fact]
    public void A_duration_and_an_until_date_end_where_they_say()
    {
        var now = Utc("2026-11-29T08:00:00Z");
        Assert.Equal(Utc("2026-12-02T20:00:00Z"), ProgramWaits.DueAt(new ProgramStep { Duration = "P3DT12H" }, now, Tokyo));
        Assert.Equal(Utc("2027-01-01T00:00:00Z"), ProgramWaits.DueAt(new ProgramStep { Until = Utc("2027-01-01T00:00:00Z") }, now, Tokyo));
    }

    [Fact]
    public void A_weekday_wait_is_the_next_such_hour_in_the_contacts_zone()
    {
        // 2026-11-29 08:00 UTC is Sunday 17:00 in Tokyo (UTC+9).
        var now = Utc("2026-11-29T08:00:00Z");
        // Monday 09:00 JST = Monday 00:00 UTC.
        Assert.Equal(Utc("2026-11-30T00:00:00Z"), ProgramWaits.DueAt(Weekly("monday", 9), now, Tokyo));
        // Sunday 18:00 JST is later today: 09:00 UTC.
        Assert.Equal(Utc("2026-11-29T09:00:00Z"), ProgramWaits.DueAt(Weekly("Sunday", 18), now, Tokyo));
        // Sunday 17:00 JST is now, not after it: a week later, 2026-12-06 08:00 UTC.
        Assert.Equal(Utc("2026-12-06T08:00:00Z"), ProgramWaits.DueAt(Weekly("sunday", 17), now, Tokyo));
        // The same instant in New York is Sunday 03:00 EST (UTC-5): Monday 09:00 EST = 14:00 UTC.
        Assert.Equal(Utc("2026-11-30T14:00:00Z"), ProgramWaits.DueAt(Weekly("monday", 9), now, NewYork));
    }

    [Fact]
    public void Daylight_saving_shifts_the_utc_instant_and_a_missing_hour_moves_past_the_gap()
    {
        // Saturday 2026-03-07 12:00 UTC = 07:00 EST. On Sunday 2026-03-08 New York springs from 02:00 EST to 03:00 EDT.
        var now = Utc("2026-03-07T12:00:00Z");
        // Sunday 09:00 is EDT (UTC-4): 13:00 UTC, not the 14:00 it would be in winter.
        Assert.Equal(Utc("2026-03-08T13:00:00Z"), ProgramWaits.DueAt(Weekly("sunday", 9), now, NewYork));
        // Sunday 02:00 does not exist: the wait ends when the clocks land, 03:00 EDT = 07:00 UTC.
        Assert.Equal(Utc("2026-03-08T07:00:00Z"), ProgramWaits.DueAt(Weekly("sunday", 2), now, NewYork));
        // Sunday 2026-11-01 01:00 happens twice (EDT then EST): the first, 01:00 EDT = 05:00 UTC.
        Assert.Equal(Utc("2026-11-01T05:00:00Z"), ProgramWaits.DueAt(Weekly("sunday", 1), Utc("2026-10-31T12:00:00Z"), NewYork));
    }

    [Fact]
    public void The_contacts_zone_falls_back_to_the_workspace_zone()
    {
        Assert.Equal("Asia/Seoul", ProgramWaits.ZoneOf(new Dictionary<string, string> { ["time_zone"] = "Asia/Seoul" }, Tokyo).Id);
        Assert.Same(Tokyo, ProgramWaits.ZoneOf(new Dictionary<string, string> { ["time_zone"] = "Mars/Olympus_Mons" }, Tokyo));
        Assert.Same(NewYork, ProgramWaits.ZoneOf(new Dictionary<string, string>(), NewYork));
    }

    [Fact]
    public void An_ab_split_is_deterministic_per_contact_and_follows_the_weights()
    {
        var split = new ProgramStep { Id = "split", Type = "ab_split", Variants = [new("a", 1, "x"), new("b", 3, "y")] };
        var arms = Enumerable.Range(0, 4000).Select(i => ProgramSplits.ArmOf("trial", split, $"c{i}")).ToList();
        // A re-run (another worker, a retry) picks the same arm for every contact.
        Assert.Equal(arms, Enumerable.Range(0, 4000).Select(i => ProgramSplits.ArmOf("trial", split, $"c{i}")));
        // 1:3 of 4000 is 1000:3000; a fair hash stays within a few standard deviations (sd = sqrt(4000*.25*.75) ≈ 27).
        Assert.InRange(arms.Count(a => a == 0), 850, 1150);
        // Another split step assigns independently: some contacts land in the other arm there.
        var elsewhere = Enumerable.Range(0, 4000).Select(i => ProgramSplits.ArmOf("trial", split with { Id = "other-split" }, $"c{i}")).ToList();
        Assert.NotEqual(arms, elsewhere);
    }

    [Fact]
    public void Re_entry_rules()
    {
        var now = Utc("2026-11-29T00:00:00Z");
        var last = Utc("2026-10-01T00:00:00Z"); // 59 days before now
        Assert.Null(ProgramEnrolments.ReEntryRefusal(new(ReEntryRule.Never), null, now));
        Assert.NotNull(ProgramEnrolments.ReEntryRefusal(new(ReEntryRule.Never), last, now));
        Assert.Null(ProgramEnrolments.ReEntryRefusal(new(ReEntryRule.Always), last, now));
        Assert.NotNull(ProgramEnrolments.ReEntryRefusal(new(ReEntryRule.AfterDays, 60), last, now));
        Assert.Null(ProgramEnrolments.ReEntryRefusal(new(ReEntryRule.AfterDays, 59), last, now));
    }

    [Fact]
    public void Date_triggers_and_recycle_reasons()
    {
        Assert.True(ProgramTriggers.IsAnniversary(new DateOnly(1990, 12, 1), new DateOnly(2026, 12, 1)));
        Assert.False(ProgramTriggers.IsAnniversary(new DateOnly(1990, 12, 1), new DateOnly(2026, 12, 2)));
        // 29 February is celebrated on 28 February in a common year, and on 29 February in a leap year only.
        Assert.True(ProgramTriggers.IsAnniversary(new DateOnly(2000, 2, 29), new DateOnly(2026, 2, 28)));
        Assert.False(ProgramTriggers.IsAnniversary(new DateOnly(2000, 2, 29), new DateOnly(2028, 2, 28)));
        Assert.True(ProgramTriggers.SameReason("not ready", "Not_Ready"));
        Assert.True(ProgramTriggers.SameReason("not ready", "not ready: budget next quarter"));
        Assert.False(ProgramTriggers.SameReason("not ready", "bad fit: not ready"));
        Assert.False(ProgramTriggers.SameReason("not ready", "no budget"));
    }
}
