using System.Text.Json;
using Lifecycle.Scoring;
using Lifecycle.Tests.Support;
using static Lifecycle.Tests.Reports.ReportDataset;

namespace Lifecycle.Tests.Reports;

/// <summary>nurture.lead_score_profile and nurture.score_drivers in the catalog, on the dataset plus hand-written score changes.</summary>
public class ScoreMetricsTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task Lead_score_profile_and_score_drivers_of_january(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using (var db = database.Database.Open())
        {
            await SeedAsync(db);
            db.Add(new ScoringModelVersion { Version = 1, Definition = ScoringModel.Default.ToJson(), CreatedAt = At("2025-01-01"), ActivatedAt = At("2025-01-01") });
            db.Add(new ScoringModelVersion { Version = 2, Definition = ScoringModel.Default.ToJson(), CreatedAt = At("2026-01-01") }); // never activated
            void Change(string contact, string rule, ScoreKind kind, int points, string at, int version = 1) =>
                db.Add(new ScoreChange { ContactId = contact, RuleId = rule, Kind = kind, Points = points, At = At(at), ModelVersion = version });
            Change("c02", "title", ScoreKind.Fit, 30, "2026-01-03");
            Change("c02", "webinar", ScoreKind.Engagement, 40, "2026-01-05");
            Change("c03", "title", ScoreKind.Fit, 30, "2026-01-03 07:00");
            Change("c03", "demo", ScoreKind.Engagement, 90, "2026-01-04");
            Change("c04", "webinar", ScoreKind.Engagement, 10, "2026-01-11");
            Change("c04", "demo", ScoreKind.Engagement, 100, "2026-02-02");      // after January
            Change("c05", "title", ScoreKind.Fit, 55, "2026-01-16");
            Change("c07", "title", ScoreKind.Fit, 500, "2026-01-10", version: 2); // not the current model
            await db.SaveChangesAsync();
        }
        var metrics = await LifecycleReportTests.RunAsync(database, "2026-01-01", "2026-02-01");

        // New leads of January: c02, c03, c04, c05, c07. Scores at the month's last instant (no half-life, so no decay):
        // c02 30 + 40 = 70, c03 30 + 90 = 120, c04 10, c05 55, c07 0 → sorted 0, 10, 55, 70, 120.
        // Mean 255 / 5 = 51; median 55; p25 rank 1 → 10; p75 rank 3 → 70. Bands: 0–24 {0, 10}, 50–74 {55, 70}, 100+ {120}.
        // At or above the default MQL threshold 100: 1 / 5 = 0.2.
        var profile = metrics.GetProperty("nurture.lead_score_profile");
        Assert.Equal((5, 51d, 55d, 10d, 70d), (profile.GetProperty("count").GetInt32(), profile.GetProperty("mean").GetDouble(),
            profile.GetProperty("median").GetDouble(), profile.GetProperty("p25").GetDouble(), profile.GetProperty("p75").GetDouble()));
        Assert.Equal([("0-24", 2), ("25-49", 0), ("50-74", 2), ("75-99", 0), ("100+", 1)],
            profile.GetProperty("histogram").EnumerateObject().Select(b => (b.Name, b.Value.GetInt32())));
        Assert.Equal((100, 0.2), (profile.GetProperty("mql_threshold").GetInt32(), profile.GetProperty("share_at_or_above_mql_threshold").GetDouble()));

        // Drivers: the population is the contacts with a January change, c02 c03 c04 c05; of them c02 and c03 became MQLs in January.
        // title 30 + 30 + 55 = 115, with c02 c03 c05 → 2/3, without c04 → 0/1. webinar 40 + 10 = 50, with c02 c04 → 1/2,
        // without c03 c05 → 1/2. demo 90 (c04's February 100 is outside), with c03 → 1/1, without c02 c04 c05 → 1/3.
        var drivers = metrics.GetProperty("nurture.score_drivers");
        Assert.Equal(["title", "demo", "webinar"], drivers.EnumerateObject().Select(d => d.Name));
        JsonElement Rule(string id) => drivers.GetProperty(id);
        Assert.Equal((115L, 3, 2 / 3d, 1, 0d), (Rule("title").GetProperty("points").GetInt64(), Rule("title").GetProperty("contacts_with").GetInt32(),
            Rule("title").GetProperty("mql_rate_with").GetDouble(), Rule("title").GetProperty("contacts_without").GetInt32(), Rule("title").GetProperty("mql_rate_without").GetDouble()));
        Assert.Equal((50L, 0.5, 0.5), (Rule("webinar").GetProperty("points").GetInt64(), Rule("webinar").GetProperty("mql_rate_with").GetDouble(), Rule("webinar").GetProperty("mql_rate_without").GetDouble()));
        Assert.Equal((90L, 1d, 1 / 3d), (Rule("demo").GetProperty("points").GetInt64(), Rule("demo").GetProperty("mql_rate_with").GetDouble(), Rule("demo").GetProperty("mql_rate_without").GetDouble()));
        Assert.Equal("fit", Rule("title").GetProperty("kind").GetString());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Without_an_active_scoring_model_the_profile_is_null(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using (var db = database.Database.Open()) await SeedAsync(db);
        var metrics = await LifecycleReportTests.RunAsync(database, "2026-01-01", "2026-02-01");
        Assert.Equal(JsonValueKind.Null, metrics.GetProperty("nurture.lead_score_profile").ValueKind);
        Assert.Empty(metrics.GetProperty("nurture.score_drivers").EnumerateObject());
    }
}
