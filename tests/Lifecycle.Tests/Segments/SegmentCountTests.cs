using Lifecycle.Contacts;
using Lifecycle.Scoring;
using Lifecycle.Segments;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;

namespace Lifecycle.Tests.Segments;

public class SegmentCountTests
{
    private static readonly DateTime Now = DateTime.UtcNow;

    private static TrackedEvent Event(string id, string contact, string name, double daysAgo, string? path = null) => new()
    {
        MessageId = id, Type = "track", Name = name, ContactId = contact, Timestamp = Now.AddDays(-daysAgo), ReceivedAt = Now,
        Payload = path is null ? "{\"properties\":{}}" : $"{{\"properties\":{{\"path\":\"{path}\"}}}}",
    };

    /// <summary>
    /// Four contacts: c1 VP at Acme (software, 300, tier gold) in DE, lead; c2 analyst at Acme in FR, mql;
    /// c3 CMO at Shop (retail, 20) in DE, lead; c4 no title or account, recycled, consent.
    /// Events: c1 three /pricing views (1, 2, 3 days ago) and a demo request 40 days ago; c2 one /pricing and two
    /// /blog views a day ago; c3 a demo request 5 days ago. Scores: c1 fit 30 + 40 engagement 10 days ago with a
    /// 10-day half-life (= 20 now); c3 fit 60.
    /// </summary>
    private static async Task<TestDatabase> DatasetAsync(string engine)
    {
        var test = await TestDatabase.CreateAsync(engine);
        await using var db = test.Database.Open();
        var (version, _) = await ScoringModels.CurrentAsync(db, TimeProvider.System, default);
        var before = new DateTime(2025, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        db.Accounts.AddRange(
            new Account { Id = "a1", Name = "Acme", Industry = "Software", Employees = 300, Custom = new() { ["tier"] = "gold" } },
            new Account { Id = "a2", Name = "Shop", Industry = "Retail", Employees = 20 });
        db.Contacts.AddRange(
            new Contact { Id = "c1", Title = "VP Marketing", AccountId = "a1", Status = ContactStatus.Lead, Country = "DE", CreatedAt = before, Custom = new() { ["言語"] = "日本語" } },
            new Contact { Id = "c2", Title = "Analyst", AccountId = "a1", Status = ContactStatus.Mql, Country = "FR", CreatedAt = before },
            new Contact { Id = "c3", Title = "CMO", AccountId = "a2", Status = ContactStatus.Lead, Country = "DE", CreatedAt = before },
            new Contact { Id = "c4", Status = ContactStatus.Recycled, Consent = true, CreatedAt = new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc) });
        db.Events.AddRange(
            Event("e1", "c1", "Page Viewed", 1, "/pricing"), Event("e2", "c1", "Page Viewed", 2, "/en/pricing"), Event("e3", "c1", "Page Viewed", 3, "/pricing"),
            Event("e4", "c1", "Demo Requested", 40),
            Event("e5", "c2", "Page Viewed", 1, "/pricing"), Event("e6", "c2", "Page Viewed", 1, "/blog"), Event("e7", "c2", "Page Viewed", 1, "/blog"),
            Event("e8", "c3", "Demo Requested", 5));
        db.AddRange(
            new ScoreChange { ContactId = "c1", RuleId = "fit", Kind = ScoreKind.Fit, Points = 30, At = before, ModelVersion = version },
            new ScoreChange { ContactId = "c1", RuleId = "webinar", Kind = ScoreKind.Engagement, Points = 40, At = Now.AddDays(-10), HalfLifeDays = 10, ModelVersion = version },
            new ScoreChange { ContactId = "c3", RuleId = "fit", Kind = ScoreKind.Fit, Points = 60, At = before, ModelVersion = version },
            new ScoreChange { ContactId = "c3", RuleId = "old", Kind = ScoreKind.Fit, Points = 99, At = before, ModelVersion = version + 1 });
        await db.SaveChangesAsync();
        return test;
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Counts_on_a_hand_built_dataset(string engine)
    {
        await using var test = await DatasetAsync(engine);
        await using var db = test.Database.Open();
        async Task<long> Count(string definition) => await SegmentQueries.CountAsync(db, SegmentParser.Parse(definition), TimeProvider.System, default);

        Assert.Equal(2, await Count("account.industry = 'software'"));                                   // c1, c2 (case-insensitive)
        Assert.Equal(1, await Count("did 'Page Viewed' where path contains '/pricing' at least 3 times within 7 days")); // c1 only (c2 has one)
        Assert.Equal(2, await Count("did 'Page Viewed' where path contains '/PRICING' within 7 days"));  // c1, c2
        // Viewed a page this week (c1, c2) and no demo request in 30 days (c3's is 5 days old, c1's 40): c1, c2.
        Assert.Equal(2, await Count("did 'Page Viewed' within 7 days and not did 'Demo Requested' within 30 days"));
        Assert.Equal(2, await Count("did not 'Page Viewed'"));                                           // c3, c4
        Assert.Equal(0, await Count("did 'Page Viewed' where path = '/blog' at least 3 times"));          // c2 has two
        // c1: 30 + 40 × 2^(−10/10) = 50; c3: 60 (version+1's 99 is not the current model); c2, c4: 0.
        Assert.Equal(2, await Count("score >= 49.9"));
        Assert.Equal(1, await Count("score.engagement > 19.9 and score.engagement < 20.1 and score.fit = 30")); // c1
        Assert.Equal(2, await Count("score < 1"));                                                       // c2, c4
        // lead or recycled (c1, c3, c4) and (DE: c1, c3; or consent: c4): all three.
        Assert.Equal(3, await Count("status in ('lead', 'recycled') and (country = 'de' or consent = true)"));
        Assert.Equal(1, await Count("status = mql"));
        Assert.Equal(2, await Count("title contains 'vp' or title = 'cmo'"));                            // c1, c3
        Assert.Equal(3, await Count("title != 'Analyst'"));                                              // c1, c3, c4 (no title)
        Assert.Equal(1, await Count("custom.言語 = '日本語'"));                                             // c1
        Assert.Equal(2, await Count("account.custom.tier = 'GOLD'"));                                     // c1, c2
        Assert.Equal(1, await Count("account.employees < 100"));                                          // c3 (c4 has no account)
        Assert.Equal(1, await Count("created_at >= '2026-01-01'"));                                       // c4
        Assert.Equal(4, await Count("not (title = 'nobody')"));                                          // c4 has no title, which is not 'nobody' either
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Scores_count_the_rules_the_current_version_kept_from_an_earlier_one(string engine)
    {
        await using var test = await DatasetAsync(engine);
        await using var db = test.Database.Open();
        // Version 2 is current and kept rule "fit" from version 1 (not "webinar"): c1 30; c3 fit 60 + its own "old" 99 = 159.
        db.Add(new ScoringModelVersion { Version = 2, Definition = ScoringModel.Default.ToJson(), CreatedAt = Now, ActivatedAt = DateTime.UtcNow }); // after version 1
        db.Add(new ScoringRuleSource { Version = 2, RuleId = "fit", SourceVersion = 1 });
        await db.SaveChangesAsync();
        async Task<long> Count(string definition) => await SegmentQueries.CountAsync(db, SegmentParser.Parse(definition), TimeProvider.System, default);

        Assert.Equal(1, await Count("score.fit = 30"));     // c1
        Assert.Equal(1, await Count("score > 150"));        // c3
        Assert.Equal(0, await Count("score.engagement > 0"));
        Assert.Equal(2, await Count("score < 1"));          // c2, c4
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Members_are_listed_by_id_and_paged(string engine)
    {
        await using var test = await DatasetAsync(engine);
        await using var db = test.Database.Open();
        var filter = SegmentParser.Parse("status in ('lead', 'recycled')");
        var all = await SegmentQueries.MembersAsync(db, filter, TimeProvider.System, null, 0, default);
        Assert.Equal(["c1", "c3", "c4"], all.Select(m => m.Id));
        Assert.Equal(("VP Marketing", "lead", "a1"), (all[0].Title, all[0].Status, all[0].AccountId));
        var second = await SegmentQueries.MembersAsync(db, filter, TimeProvider.System, 1, 1, default);
        Assert.Equal("c3", Assert.Single(second).Id);
    }
}
