using Lifecycle.Scoring;

namespace Lifecycle.Tests.Scoring;

public class ScoringModelTests
{
    private static readonly ScoringModel Before = new()
    {
        HalfLifeDays = 30,
        Fit = [new("vp", "title", "contains", ["VP"], null, null, 25), new("software", "industry", "equals", ["software"], null, null, 10)],
        Engagement =
        [
            new("webinar", "Webinar Attended", null, 20, null, null),
            new("pricing", "Page Viewed", [new("path", "contains", ["/pricing"])], 10, new(20, 7), null),
            new("demo", "Demo Requested", null, 40, null, 14),
        ],
    };

    [Fact]
    public void A_threshold_or_hand_raiser_change_keeps_every_rule()
    {
        var next = Before with { MqlThreshold = 80, HandRaisers = ["Trial Started"], ReopenPoints = 30 };
        Assert.Equal(["demo", "pricing", "software", "vp", "webinar"], ScoringModel.RulesUnchanged(Before, next).Order());
    }

    [Fact]
    public void A_rule_whose_definition_or_applied_half_life_changes_is_not_kept()
    {
        var next = Before with
        {
            // The model's half-life changes what webinar and pricing apply; demo has its own (14) and is kept.
            HalfLifeDays = 20,
            // vp's points change; software is renamed (a new rule to the rescore).
            Fit = [new("vp", "title", "contains", ["VP"], null, null, 30), new("industry", "industry", "equals", ["software"], null, null, 10)],
        };
        Assert.Equal(["demo"], ScoringModel.RulesUnchanged(Before, next));
        // The same half-life written on the rule instead of inherited from the model scores the same.
        var written = Before with { Engagement = [Before.Engagement[0] with { HalfLifeDays = 30 }, .. Before.Engagement[1..]] };
        Assert.Contains("webinar", ScoringModel.RulesUnchanged(Before, written));
        // A property condition's value counts: a different path is another rule.
        var path = Before with { Engagement = [Before.Engagement[0], Before.Engagement[1] with { Where = [new("path", "contains", ["/plans"])] }, Before.Engagement[2]] };
        Assert.DoesNotContain("pricing", ScoringModel.RulesUnchanged(Before, path));
    }

    [Fact]
    public void Without_leaves_the_rules_still_to_compute()
    {
        var rest = Before.Without(new HashSet<string> { "vp", "pricing" });
        Assert.Equal(["software"], rest.Fit.Select(r => r.Id));
        Assert.Equal(["webinar", "demo"], rest.Engagement.Select(r => r.Id));
    }
}
