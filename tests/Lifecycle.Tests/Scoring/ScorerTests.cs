using Lifecycle.Contacts;
using Lifecycle.Scoring;

namespace Lifecycle.Tests.Scoring;

public class ScorerTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private static ScoreChange Engagement(string rule, int points, DateTime at, double? halfLife = null) =>
        new() { ContactId = "c1", RuleId = rule, Kind = ScoreKind.Engagement, Points = points, At = at, HalfLifeDays = halfLife };

    private static ScoreChange Fit(string rule, int points, DateTime at) =>
        new() { ContactId = "c1", RuleId = rule, Kind = ScoreKind.Fit, Points = points, At = at };

    private static ScoredEvent Event(string id, string name, DateTime at, params (string Key, string Value)[] properties) =>
        new(id, name, at, properties.ToDictionary(p => p.Key, p => p.Value));

    [Fact]
    public void Engagement_decays_by_its_half_life_and_fit_does_not()
    {
        ScoreChange[] changes = [Fit("industry_target", 30, T0), Engagement("webinar_attended", 10, T0, halfLife: 7)];
        // 14 days = two half-lives of 7: 10 × 2^-2 = 2.5; fit stays 30; total 32.5.
        var later = Scorer.ScoreAt(changes, T0.AddDays(14));
        Assert.Equal(30, later.Fit);
        Assert.Equal(2.5, later.Engagement, 10);
        Assert.Equal(32.5, later.Total, 10);
        // 3.5 days = half a half-life: 10 × 2^-0.5 = 7.0710678...
        Assert.Equal(7.0710678, Scorer.ScoreAt(changes, T0.AddDays(3.5)).Engagement, 6);
        // Before the changes happened the score is 0; a change without a half-life does not decay.
        Assert.Equal(0, Scorer.ScoreAt(changes, T0.AddSeconds(-1)).Total);
        Assert.Equal(10, Scorer.ScoreAt([Engagement("demo", 10, T0)], T0.AddDays(365)).Engagement);
    }

    [Fact]
    public void Explanation_gives_each_rule_its_points_and_decayed_value()
    {
        ScoreChange[] changes =
        [
            Fit("seniority_vp", 25, T0), Engagement("email_clicked", 5, T0, 7), Engagement("email_clicked", 5, T0.AddDays(7), 7),
            Fit("company_size_small", 5, T0), Fit("company_size_small", -5, T0.AddDays(1)),
        ];
        var rules = Scorer.Explain(changes, T0.AddDays(14));
        // email_clicked: 5 × 2^-2 + 5 × 2^-1 = 1.25 + 2.5 = 3.75 from 10 points; company_size_small nets to 0 and is left out.
        Assert.Equal(2, rules.Count);
        Assert.Equal(new RuleContribution("seniority_vp", ScoreKind.Fit, 25, 25, 1), rules[0]);
        Assert.Equal(("email_clicked", 10, 2), (rules[1].RuleId, rules[1].Points, rules[1].Changes));
        Assert.Equal(3.75, rules[1].Value, 10);
    }

    [Fact]
    public void A_cap_limits_a_rules_points_within_a_rolling_window()
    {
        var model = new ScoringModel { HalfLifeDays = null, Engagement = [new("content", "Content Downloaded", null, 15, new Cap(20, 30), null)] };
        var changes = new List<ScoreChange>();
        List<ScoreChange> Score(string id, DateTime at)
        {
            var earned = Scorer.Engage(model, 1, "c1", Event(id, "Content Downloaded", at), changes);
            changes.AddRange(earned);
            return earned;
        }
        // Day 0: 15 (cap 20). Day 1: 20 − 15 = 5 left. Day 2: nothing left, no row.
        Assert.Equal(15, Assert.Single(Score("e1", T0)).Points);
        Assert.Equal(5, Assert.Single(Score("e2", T0.AddDays(1))).Points);
        Assert.Empty(Score("e3", T0.AddDays(2)));
        // Day 30.5: the window (day 0.5, day 30.5] holds only day 1's 5 points: min(15, 20 − 5) = 15.
        Assert.Equal(15, Assert.Single(Score("e4", T0.AddDays(30.5))).Points);
        Assert.Equal("e4", changes[^1].MessageId);
    }

    [Fact]
    public void Engagement_rules_match_event_name_and_every_property_condition()
    {
        var model = ScoringModel.Default;
        var pricing = Scorer.Engage(model, 1, "c1", Event("p1", "Page Viewed", T0, ("path", "/en/pricing"), ("url", "https://x.test/en/pricing")), []);
        // The pricing rule (10) and the page view rule (1) both match; both carry the model's half-life of 30 days.
        Assert.Equal(["pricing_page_viewed:10", "page_viewed:1"], pricing.Select(c => $"{c.RuleId}:{c.Points}"));
        Assert.All(pricing, c => Assert.Equal(30, c.HalfLifeDays));
        var blog = Scorer.Engage(model, 1, "c1", Event("p2", "page viewed", T0, ("path", "/blog")), []);
        Assert.Equal("page_viewed", Assert.Single(blog).RuleId);
        Assert.Empty(Scorer.Engage(model, 1, "c1", Event("x", "Something Else", T0), []));
        var unsubscribed = Assert.Single(Scorer.Engage(model, 1, "c1", Event("u", "Email Unsubscribed", T0), []));
        Assert.Equal(-20, unsubscribed.Points);
    }

    [Fact]
    public void Fit_reads_contact_and_account_fields_and_seniority_from_the_title()
    {
        var profile = new ScoringProfile("VP Marketing", "Software", 1200, "DE", "webinar",
            new Dictionary<string, string>(), new Dictionary<string, string> { ["tier"] = "gold" });
        // Default model: vp 25 + industry software 10 + 1200 employees (mid-market 200–4999) 15 = 50.
        var fit = Scorer.Fit(ScoringModel.Default, profile);
        Assert.Equal(new Dictionary<string, int> { ["seniority_executive"] = 25, ["industry_target"] = 10, ["company_size_mid_market"] = 15 }, fit);
        var student = Scorer.Fit(ScoringModel.Default, ScoringProfile.Empty with { Title = "Student assistant", CompanySize = 5000 });
        Assert.Equal(new Dictionary<string, int> { ["title_student"] = -30, ["company_size_enterprise"] = 20 }, student);

        var custom = new ScoringModel { Fit = [new("gold", "account.custom.tier", "equals", ["GOLD"], null, null, 7), new("has_phone", "custom.phone", "exists", null, null, null, 3)] };
        Assert.Equal(new Dictionary<string, int> { ["gold"] = 7 }, Scorer.Fit(custom, profile));
    }

    [Theory]
    [InlineData("Chief Marketing Officer", "c_level")]
    [InlineData("CMO", "c_level")]
    [InlineData("Vice President, Sales", "vp")]
    [InlineData("Head of Demand Generation", "director")]
    [InlineData("Marketing Operations Manager", "manager")]
    [InlineData("Analyst", "individual")]
    [InlineData("", null)]
    public void Seniority_comes_from_the_title(string title, string? expected) =>
        Assert.Equal(expected, ScoringProfile.SeniorityOf(title));

    [Fact]
    public void Fit_changes_move_the_stored_fit_to_the_profiles_fit_rule_by_rule()
    {
        var changes = Scorer.FitChanges("c1", 3, new Dictionary<string, int> { ["a"] = 10, ["b"] = 5 },
            new Dictionary<string, int> { ["a"] = 10, ["c"] = 20 }, T0);
        Assert.Equal(["b:-5", "c:20"], changes.Select(c => $"{c.RuleId}:{c.Points}"));
        Assert.All(changes, c => Assert.Equal((3, ScoreKind.Fit, T0), (c.ModelVersion, c.Kind, c.At)));
    }

    [Fact]
    public void A_model_with_unknown_fields_or_bad_values_names_each_problem()
    {
        var model = new ScoringModel
        {
            MqlThreshold = 0,
            Fit = [new("size", "titel", "equals", ["x"], null, null, 5), new("size", "company_size", "between", null, null, null, 5)],
            Engagement = [new("Bad Id", "", [new("plan", "like", ["x"])], 0, new Cap(0, 7), null)],
        };
        var problems = model.Problems();
        Assert.Equal(["must be positive"], problems["mql_threshold"]);
        Assert.StartsWith("unknown field 'titel'", problems["fit[0].field"].Single());
        Assert.Equal(["'size' is used by another rule"], problems["fit[1].id"]);
        Assert.Equal(["'between' needs min, max or both"], problems["fit[1].min"]);
        Assert.Contains("engagement[0].id", problems.Keys);
        Assert.Equal(["required"], problems["engagement[0].event"]);
        Assert.Equal(["must not be 0"], problems["engagement[0].points"]);
        Assert.Equal(["must be positive"], problems["engagement[0].cap.points"]);
        Assert.StartsWith("unknown operator 'like'", problems["engagement[0].where[0].op"].Single());
        Assert.Empty(ScoringModel.Default.Problems());
    }

    [Fact]
    public void A_model_round_trips_through_its_snake_case_json()
    {
        var json = ScoringModel.Default.ToJson();
        Assert.Contains("\"mql_threshold\":100", json);
        Assert.Contains("\"half_life_days\":30", json);
        var back = ScoringModel.FromJson(json);
        Assert.Equal(ScoringModel.Default.ToJson(), back.ToJson());
        // No decay stays no decay (a missing half-life would read back as the default 30 days).
        Assert.Null(ScoringModel.FromJson((ScoringModel.Default with { HalfLifeDays = null }).ToJson()).HalfLifeDays);
    }

    [Fact]
    public void An_events_properties_are_read_as_text_strings_unescaped_and_the_rest_as_written()
    {
        var payload = """
            {"event":"Page Viewed","properties":{"ignored":1},"context":{"properties":{"path":"/no"}},
             "properties":{"path":"/pricing?q=\"x\"","title":"料金 \u00e9","price":1.50,"trial":true,"none":null,
                           "tags":["a", {"b":2}],"nested":{"k":"v"}}}
            """;
        var e = ScoredEvent.FromPayload("m1", "Page Viewed", T0, payload);
        // The last top-level "properties" only; the one inside context is not the event's.
        Assert.Equal(new Dictionary<string, string>
        {
            ["path"] = "/pricing?q=\"x\"", ["title"] = "料金 é", ["price"] = "1.50", ["trial"] = "true", ["none"] = "null",
            ["tags"] = """["a", {"b":2}]""", ["nested"] = """{"k":"v"}""",
        }, e.Properties);
        Assert.Empty(ScoredEvent.FromPayload("m2", "x", T0, """{"properties":{"a":"b"},"properties":"text"}""").Properties);
        Assert.Empty(ScoredEvent.FromPayload("m3", "x", T0, """{"event":"x"}""").Properties);
    }
}
