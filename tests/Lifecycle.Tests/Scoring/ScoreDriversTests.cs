using Lifecycle.Scoring;

namespace Lifecycle.Tests.Scoring;

public class ScoreDriversTests
{
    [Fact]
    public void Points_per_rule_and_the_mql_rate_of_contacts_with_the_rule_against_those_without()
    {
        DriverChange[] changes =
        [
            new("c1", "webinar", ScoreKind.Engagement, 10), new("c1", "email", ScoreKind.Engagement, 5),
            new("c2", "webinar", ScoreKind.Engagement, 10), new("c3", "email", ScoreKind.Engagement, 5),
            new("c4", "page", ScoreKind.Engagement, 1),
        ];
        // Population c1..c4 (c9 became an MQL but was not scored in the period, so it is outside).
        var drivers = ScoreDrivers.Compute(changes, new HashSet<string> { "c1", "c2", "c9" });
        Assert.Equal(["webinar", "email", "page"], drivers.Select(d => d.RuleId));
        // webinar: 20 points; with {c1, c2}: 2 MQLs of 2 = 1.0; without {c3, c4}: 0 of 2 = 0.
        Assert.Equal(new ScoreDriver("webinar", ScoreKind.Engagement, 20, 2, 2, 2, 0), drivers[0]);
        Assert.Equal((1.0, 0.0), (drivers[0].MqlRateWith, drivers[0].MqlRateWithout));
        // email: 10 points; with {c1, c3}: 1 of 2 = 0.5; without {c2, c4}: 1 of 2 = 0.5 (no effect).
        Assert.Equal((10L, 0.5, 0.5), (drivers[1].Points, drivers[1].MqlRateWith, drivers[1].MqlRateWithout));
        // page: 1 point; with {c4}: 0 of 1; without {c1, c2, c3}: 2 of 3.
        Assert.Equal(0.0, drivers[2].MqlRateWith);
        Assert.Equal(2.0 / 3, drivers[2].MqlRateWithout!.Value, 12);
    }

    [Fact]
    public void A_rule_every_contact_has_leaves_the_without_rate_null()
    {
        var drivers = ScoreDrivers.Compute([new("c1", "fit_a", ScoreKind.Fit, 10)], new HashSet<string>());
        var only = Assert.Single(drivers);
        Assert.Equal((0.0, (double?)null, 0), (only.MqlRateWith!.Value, only.MqlRateWithout, only.ContactsWithout));
        Assert.Empty(ScoreDrivers.Compute([], new HashSet<string>()));
    }
}
