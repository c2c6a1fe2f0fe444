using Lifecycle.Contacts;
using Lifecycle.Scoring;

namespace Lifecycle.Tests.Scoring;

public class ScoreStatusRulesTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly ScoringModel Model = new() { HalfLifeDays = null };

    private static ScoreChange Change(ScoreKind kind, int points, DateTime at) =>
        new() { ContactId = "c1", RuleId = "r", Kind = kind, Points = points, At = at };

    private static ScoredEvent Event(string name, DateTime at) => new("m1", name, at, new Dictionary<string, string>());

    [Fact]
    public void A_lead_becomes_mql_when_fit_plus_engagement_reaches_the_threshold()
    {
        // 60 fit + 39 engagement = 99: not yet. One more point: 100 = the threshold.
        List<ScoreChange> changes = [Change(ScoreKind.Fit, 60, T0), Change(ScoreKind.Engagement, 39, T0)];
        Assert.Null(ScoreStatusRules.Decide(Model, ContactStatus.Lead, T0, Event("Page Viewed", T0), changes));
        changes.Add(Change(ScoreKind.Engagement, 1, T0.AddHours(1)));
        var decision = ScoreStatusRules.Decide(Model, ContactStatus.Lead, T0, Event("Page Viewed", T0.AddHours(1)), changes)!;
        Assert.Equal((ContactStatus.Mql, "rule:mql_threshold"), (decision.To, decision.Actor));
        Assert.Contains("score 100 (fit 60 + engagement 40)", decision.Reason);
        // An inquiry is not scored into mql (it is not selected for marketing yet); an mql stays.
        Assert.Null(ScoreStatusRules.Decide(Model, ContactStatus.Inquiry, T0, Event("Page Viewed", T0.AddHours(1)), changes));
        Assert.Null(ScoreStatusRules.Decide(Model, ContactStatus.Mql, T0, Event("Page Viewed", T0.AddHours(1)), changes));
    }

    [Fact]
    public void Decay_counts_at_the_events_instant()
    {
        // 100 engagement points with a 7-day half-life, 7 days later: 50 + fit 40 = 90 < 100.
        List<ScoreChange> changes = [Change(ScoreKind.Fit, 40, T0), new() { ContactId = "c1", RuleId = "r", Kind = ScoreKind.Engagement, Points = 100, At = T0, HalfLifeDays = 7 }];
        Assert.Null(ScoreStatusRules.Decide(Model, ContactStatus.Lead, T0, Event("Page Viewed", T0.AddDays(7)), changes));
    }

    [Fact]
    public void A_hand_raiser_makes_a_lead_or_an_inquiry_an_mql_and_reopens_a_recycled_contact()
    {
        var lead = ScoreStatusRules.Decide(Model, ContactStatus.Lead, T0, Event("Demo Requested", T0), [])!;
        Assert.Equal((ContactStatus.Mql, "rule:hand_raiser"), (lead.To, lead.Actor));
        Assert.Equal(ContactStatus.Mql, ScoreStatusRules.Decide(Model, ContactStatus.Inquiry, T0, Event("demo requested", T0), [])!.To);
        var recycled = ScoreStatusRules.Decide(Model, ContactStatus.Recycled, T0, Event("Demo Requested", T0), [])!;
        Assert.Equal((ContactStatus.Lead, "rule:reopened_hand_raiser"), (recycled.To, recycled.Actor));
        var custom = Model with { HandRaisers = ["Trial Started"] };
        Assert.Null(ScoreStatusRules.Decide(custom, ContactStatus.Customer, T0, Event("Trial Started", T0), []));
        Assert.Null(ScoreStatusRules.Decide(custom, ContactStatus.Lead, T0, Event("Demo Requested", T0), []));
    }

    [Fact]
    public void Events_from_before_the_current_status_move_nothing_beyond_an_hours_grace()
    {
        // Lead since T0: a demo request 2 hours earlier is history; one 30 minutes earlier (just before the identify) counts.
        Assert.Null(ScoreStatusRules.Decide(Model, ContactStatus.Lead, T0, Event("Demo Requested", T0.AddHours(-2)), []));
        Assert.Equal(ContactStatus.Mql, ScoreStatusRules.Decide(Model, ContactStatus.Lead, T0, Event("Demo Requested", T0.AddMinutes(-30)), [])!.To);
    }

    [Fact]
    public void A_recycled_contact_reopens_when_engagement_since_recycling_rises_by_20_within_14_days()
    {
        var recycledAt = T0;
        List<ScoreChange> changes = [Change(ScoreKind.Engagement, 30, T0.AddDays(-5)), Change(ScoreKind.Fit, 50, T0.AddDays(-5))];
        // Day 3: 10 earned since recycling (the 30 before it do not count, nor does fit): not yet.
        changes.Add(Change(ScoreKind.Engagement, 10, T0.AddDays(3)));
        Assert.Null(ScoreStatusRules.Decide(Model, ContactStatus.Recycled, recycledAt, Event("Webinar Attended", T0.AddDays(3)), changes));
        // Day 5: 10 + 10 = 20 within (day 0, day 5]: reopened.
        changes.Add(Change(ScoreKind.Engagement, 10, T0.AddDays(5)));
        var decision = ScoreStatusRules.Decide(Model, ContactStatus.Recycled, recycledAt, Event("Webinar Attended", T0.AddDays(5)), changes)!;
        Assert.Equal((ContactStatus.Lead, "rule:reopened_engagement"), (decision.To, decision.Actor));
        Assert.Contains("rose by 20 within 14 days", decision.Reason);
        // Day 20 instead: the window (day 6, day 20] holds only that event's 10 points.
        List<ScoreChange> slow = [Change(ScoreKind.Engagement, 15, T0.AddDays(1)), Change(ScoreKind.Engagement, 10, T0.AddDays(20))];
        Assert.Null(ScoreStatusRules.Decide(Model, ContactStatus.Recycled, recycledAt, Event("Webinar Attended", T0.AddDays(20)), slow));
    }
}
