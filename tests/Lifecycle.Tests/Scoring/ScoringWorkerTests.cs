using Lifecycle.Contacts;
using Lifecycle.Scoring;
using Lifecycle.Segments;
using Lifecycle.Storage;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifecycle.Tests.Scoring;

public class ScoringWorkerTests
{
    private static readonly DateTime T = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private static ScoringWorker Worker(Database database) =>
        new(database, TimeProvider.System, ScoringOptions.Default with { PostgresSettle = TimeSpan.Zero }, NullLogger<ScoringWorker>.Instance);

    private static TrackedEvent Event(string id, string contact, string name, DateTime at, DateTime receivedAt) => new()
    {
        MessageId = id, Type = "track", Name = name, ContactId = contact, UserId = contact, Timestamp = at, ReceivedAt = receivedAt,
        Payload = $$$"""{"event":"{{{name}}}","userId":"{{{contact}}}","properties":{}}""",
    };

    private static readonly ScoringModel Model = new()
    {
        HalfLifeDays = 10,
        Engagement =
        [
            new("webinar", "Webinar Attended", null, 20, null, null),
            new("content", "Content Downloaded", null, 16, null, null),
            new("form", "Form Submitted", null, 10, null, null),
        ],
    };

    [Theory, ClassData(typeof(Engines))]
    public async Task A_recycled_contact_reopens_on_renewed_engagement_and_its_past_score_is_answered(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        var received = DateTime.UtcNow.AddMinutes(-1);
        await using (var db = test.Database.Open())
        {
            db.Contacts.Add(new Contact { Id = "c2", Email = "c2@acme.test", Title = "Analyst", Status = ContactStatus.Recycled, CreatedAt = T.AddDays(-40) });
            db.Transitions.AddRange(
                new Transition { ContactId = "c2", ToStatus = ContactStatus.Lead, At = T.AddDays(-30), Actor = "import" },
                new Transition { ContactId = "c2", FromStatus = ContactStatus.Lead, ToStatus = ContactStatus.Mql, At = T.AddDays(-20), Actor = "import" },
                new Transition { ContactId = "c2", FromStatus = ContactStatus.Mql, ToStatus = ContactStatus.Recycled, At = T.AddDays(-10), Actor = "import", Reason = "not ready" });
            var version = await ScoringModels.AddAsync(db, Model, TimeProvider.System, default);
            Assert.Equal(2, version.Version); // version 1 is the default model
            db.Events.AddRange(
                Event("m1", "c2", "Webinar Attended", T.AddDays(-12), received),
                Event("m2", "c2", "Content Downloaded", T.AddDays(-2), received),
                Event("m3", "c2", "Form Submitted", T, received.AddSeconds(1)));
            await db.SaveChangesAsync();
        }
        var worker = Worker(test.Database);
        await worker.RescoreAsync(2, default); // nothing read yet: activates version 2 with no changes
        Assert.Equal(3, await worker.ScoreNextBatchAsync(default));
        Assert.Equal(0, await worker.ScoreNextBatchAsync(default));
        Assert.Equal(0, await Worker(test.Database).ScoreNextBatchAsync(default)); // a restart resumes from the cursor

        await using var check = test.Database.Open();
        var last = await check.Transitions.Where(t => t.ContactId == "c2").OrderByDescending(t => t.At).FirstAsync();
        // Earned after recycling (day −10) within 14 days: content 16 at day −2 (not yet 20), then + form 10 = 26 at day 0.
        // The webinar at day −12 came before the recycling and does not count.
        Assert.Equal((ContactStatus.Recycled, ContactStatus.Lead, T, "rule:reopened_engagement"), (last.FromStatus, last.ToStatus, last.At, last.Actor));
        Assert.Contains("rose by 26 within 14 days", last.Reason);

        var changes = await ScoringModels.ChangesAsync(check, "c2", 2, T.AddDays(-2), default);
        // At day −2: webinar 20 × 2^(−10/10) = 10, content 16 × 2^0 = 16: engagement 26; no fit rule matches an analyst.
        var past = Scorer.ScoreAt(changes, T.AddDays(-2));
        Assert.Equal((0.0, 26.0), (past.Fit, Math.Round(past.Engagement, 10)));
        Assert.Equal(["m1", "m2"], changes.Select(c => c.MessageId));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_worker_reads_events_once_each_in_arrival_order_across_batches_of_equal_receipt(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        var received = DateTime.UtcNow.AddMinutes(-1);
        await using (var db = test.Database.Open())
        {
            db.Contacts.Add(new Contact { Id = "c1", Email = "c1@acme.test", Status = ContactStatus.Lead, CreatedAt = T.AddDays(-40) });
            // Five events received at one instant (an import's), one a second earlier, one not received until later.
            db.Events.AddRange(
                Event("m5", "c1", "Webinar Attended", T.AddHours(5), received),
                Event("m3", "c1", "Webinar Attended", T.AddHours(3), received),
                Event("m1", "c1", "Webinar Attended", T.AddHours(1), received),
                Event("m4", "c1", "Webinar Attended", T.AddHours(4), received),
                Event("m2", "c1", "Webinar Attended", T.AddHours(2), received),
                Event("m0", "c1", "Webinar Attended", T, received.AddSeconds(-1)),
                Event("m9", "c1", "Webinar Attended", T.AddHours(9), DateTime.UtcNow.AddHours(1)));
            await db.SaveChangesAsync();
        }
        var worker = new ScoringWorker(test.Database, TimeProvider.System,
            ScoringOptions.Default with { PostgresSettle = TimeSpan.Zero, BatchSize = 2 }, NullLogger<ScoringWorker>.Instance);
        // m0 first (received earlier), then m1..m5 by messageId, two a batch; m9 is received after now and waits.
        var batches = new List<int>();
        for (var i = 0; i < 4; i++) batches.Add(await worker.ScoreNextBatchAsync(default));
        Assert.Equal([2, 2, 2, 0], batches);

        await using var check = test.Database.Open();
        var cursor = await check.Set<ScoringCursor>().SingleAsync();
        Assert.Equal(("m5", received), (cursor.MessageId, cursor.ReceivedAt), new InstantTupleComparer());
        // The default model's webinar rule scored each of the six events once.
        var scored = (await ScoringModels.ChangesAsync(check, "c1", 1, T.AddDays(1), default)).Select(c => c.MessageId).OfType<string>().ToList();
        Assert.Equal(["m0", "m1", "m2", "m3", "m4", "m5"], scored);
    }

    /// <summary>PostgreSQL keeps microseconds, .NET ticks: instants compare to the microsecond.</summary>
    private sealed class InstantTupleComparer : IEqualityComparer<(string, DateTime)>
    {
        public bool Equals((string, DateTime) x, (string, DateTime) y) => x.Item1 == y.Item1 && Math.Abs((x.Item2 - y.Item2).Ticks) < 10;
        public int GetHashCode((string, DateTime) value) => value.Item1.GetHashCode();
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_rescore_under_a_new_version_scores_everyone_and_becomes_current(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        var received = DateTime.UtcNow.AddMinutes(-1);
        await using (var db = test.Database.Open())
        {
            db.Accounts.Add(new Account { Id = "a1", Name = "Acme", Industry = "software", Employees = 300 });
            db.Contacts.AddRange(
                new Contact { Id = "c1", Title = "VP Sales", AccountId = "a1", Status = ContactStatus.Customer, CreatedAt = T.AddDays(-5) },
                new Contact { Id = "c2", Title = "Analyst", Status = ContactStatus.Customer, CreatedAt = T.AddDays(-5) });
            db.Events.AddRange(Event("m1", "c1", "Webinar Attended", T, received), Event("m2", "c2", "Webinar Attended", T, received));
            await db.SaveChangesAsync();
        }
        var worker = Worker(test.Database);
        Assert.Equal(2, await worker.ScoreNextBatchAsync(default));
        int version;
        await using (var db = test.Database.Open())
        {
            // Version 1 (default): c1 fit vp 25 + software 10 + 300 employees 15 = 50, webinar 20.
            Assert.Equal(70, Scorer.ScoreAt(await ScoringModels.ChangesAsync(db, "c1", 1, T, default), T).Total);
            version = (await ScoringModels.AddAsync(db, Model with { Fit = [new("software", "industry", "equals", ["Software"], null, null, 7)] }, TimeProvider.System, default)).Version;
        }
        var result = await worker.RescoreAsync(version, default);
        // c1: fit 7 + webinar 20; c2: webinar 20 → 3 changes over 2 contacts.
        Assert.Equal(new RescoreResult(2, 2, 3), result);
        await using var check = test.Database.Open();
        Assert.Equal((2, 27.0), ((await ScoringModels.CurrentAsync(check, TimeProvider.System, default)).Version,
            Scorer.ScoreAt(await ScoringModels.ChangesAsync(check, "c1", 2, T, default), T).Total));
        // The old version's history stays: c1's three fit rules and webinar, c2's webinar = 5 rows.
        Assert.Equal(5, await check.Set<ScoreChange>().CountAsync(c => c.ModelVersion == 1));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_rescore_reads_property_conditions_caps_and_half_lives_like_the_worker(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        var received = DateTime.UtcNow.AddMinutes(-1);
        await using (var db = test.Database.Open())
        {
            db.Contacts.Add(new Contact { Id = "c1", Title = "Analyst", Status = ContactStatus.Lead, CreatedAt = T.AddDays(-30) });
            string[] paths = ["/pricing", "/blog", "/pricing/enterprise", "/pricing"];
            for (var i = 0; i < paths.Length; i++)
            {
                var page = Event($"p{i}", "c1", "Page Viewed", T.AddDays(-3 + i), received);
                page.Payload = $$$"""{"event":"Page Viewed","properties":{"path":"{{{paths[i]}}}"}}""";
                db.Events.Add(page);
            }
            db.Events.Add(Event("other", "c1", "Video Played", T, received)); // no rule names it
            await db.SaveChangesAsync();
        }
        var worker = Worker(test.Database);
        while (await worker.ScoreNextBatchAsync(default) > 0) { }
        int version;
        await using (var db = test.Database.Open())
        {
            version = (await ScoringModels.AddAsync(db, new ScoringModel
            {
                HalfLifeDays = 10,
                Engagement = [new("pricing", "Page Viewed", [new("path", "contains", ["/pricing"])], 10, new(25, 30), 5)],
            }, TimeProvider.System, default)).Version;
        }
        var result = await worker.RescoreAsync(version, default);

        // Pricing views at days −3, −1 and 0 (the blog page at −2 does not match): 10, 10, then 5 (cap 25 in 30 days).
        // At T with a half-life of 5 days: 10 × 2^(−3/5) + 10 × 2^(−1/5) + 5 = 6.5975 + 8.7055 + 5 = 20.3030.
        Assert.Equal(new RescoreResult(version, 1, 3), result);
        await using var check = test.Database.Open();
        var changes = await ScoringModels.ChangesAsync(check, "c1", version, T, default);
        Assert.Equal([("p0", 10, 5.0), ("p2", 10, 5.0), ("p3", 5, 5.0)], changes.Select(c => (c.MessageId, c.Points, c.HalfLifeDays ?? 0)));
        Assert.Equal(20.3030, Math.Round(Scorer.ScoreAt(changes, T).Engagement, 4));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_rescore_keeps_the_changes_of_rules_the_new_version_did_not_change(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        var received = DateTime.UtcNow.AddMinutes(-1);
        var model = new ScoringModel
        {
            HalfLifeDays = 10,
            Fit = [new("vp", "title", "contains", ["VP"], null, null, 25)],
            Engagement = [new("webinar", "Webinar Attended", null, 20, null, null), new("form", "Form Submitted", null, 10, new(15, 30), null)],
        };
        await using (var db = test.Database.Open())
        {
            db.Contacts.Add(new Contact { Id = "c1", Title = "VP Sales", Status = ContactStatus.Customer, CreatedAt = T.AddDays(-5) });
            db.Events.AddRange(Event("m1", "c1", "Webinar Attended", T.AddDays(-2), received), Event("m2", "c1", "Form Submitted", T.AddDays(-1), received));
            await ScoringModels.AddAsync(db, model, TimeProvider.System, default);
            await db.SaveChangesAsync();
        }
        var worker = Worker(test.Database);
        await worker.RescoreAsync(2, default); // nothing read yet: c1's fit (vp 25) only
        Assert.Equal(2, await worker.ScoreNextBatchAsync(default)); // webinar 20, form 10

        async Task<RescoreResult> RescoreAsync(ScoringModel next)
        {
            int version;
            await using (var db = test.Database.Open())
                version = (await ScoringModels.AddAsync(db, next, TimeProvider.System, default)).Version;
            return await worker.RescoreAsync(version, default);
        }
        async Task<(int Rows, double Total)> ScoreAsync(int version)
        {
            await using var db = test.Database.Open();
            var changes = await ScoringModels.ChangesAsync(db, "c1", version, T, default);
            return (changes.Count, Math.Round(Scorer.ScoreAt(changes, T).Total, 4));
        }

        // Version 3 changes webinar's points only: vp and form keep version 2's rows, webinar is computed again.
        var webinar30 = model with { MqlThreshold = 90, Engagement = [model.Engagement[0] with { Points = 30 }, model.Engagement[1]] };
        Assert.Equal(new RescoreResult(3, 1, 1, 2), await RescoreAsync(webinar30));
        // At T: vp 25 + webinar 30 × 2^(−2/10) + form 10 × 2^(−1/10) = 25 + 26.1165 + 9.3303 = 60.4468.
        Assert.Equal((3, 60.4468), await ScoreAsync(3));
        // Version 4 changes the threshold only: every rule keeps its rows, from version 2 (vp, form) and 3 (webinar).
        Assert.Equal(new RescoreResult(4, 0, 0, 3), await RescoreAsync(webinar30 with { MqlThreshold = 95 }));
        Assert.Equal((3, 60.4468), await ScoreAsync(4));

        // A new form under version 4: its cap (15 in 30 days) counts the 10 points kept from version 2, so it earns 5.
        await using (var db = test.Database.Open())
        {
            db.Events.Add(Event("m3", "c1", "Form Submitted", T, DateTime.UtcNow));
            await db.SaveChangesAsync();
        }
        Assert.Equal(1, await worker.ScoreNextBatchAsync(default));
        Assert.Equal((4, 65.4468), await ScoreAsync(4));
        Assert.Equal((3, 60.4468), await ScoreAsync(3)); // written under version 4: no earlier version sees it
        Assert.Equal(3, (await ScoreAsync(2)).Rows);     // version 2's history is as it was

        // Rescoring version 3 again (back to it): webinar and form are kept from version 4 (and 4's sources: 3 for
        // webinar, 2 for form), vp from 4 and 2; version 3's own webinar row, which version 4 reads, is not deleted.
        Assert.Equal(new RescoreResult(3, 0, 0, 3), await worker.RescoreAsync(3, default));
        Assert.Equal((4, 65.4468), await ScoreAsync(3));
        await using (var db = test.Database.Open())
            await db.Set<ScoringModelVersion>().Where(m => m.Version == 4)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.ActivatedAt, DateTime.UtcNow.AddMinutes(1))); // version 4 current again
        Assert.Equal((4, 65.4468), await ScoreAsync(4));

        // Rescoring the current version recomputes every rule from the events, to the same score: vp, webinar, form 10, form 5 (capped).
        Assert.Equal(new RescoreResult(4, 1, 4, 0), await worker.RescoreAsync(4, default));
        Assert.Equal((4, 65.4468), await ScoreAsync(4));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Points_a_program_awarded_survive_a_rescore_and_count_under_the_next_version(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await using (var db = test.Database.Open())
        {
            db.Contacts.Add(new Contact { Id = "c1", Title = "Analyst", Status = ContactStatus.Lead, CreatedAt = T.AddDays(-5) });
            await ScoringModels.AddAsync(db, Model, TimeProvider.System, default);
        }
        var worker = Worker(test.Database);
        await worker.RescoreAsync(2, default);
        await using (var db = test.Database.Open())
        {
            // What a program's add_points step writes (Programs/ProgramRunner): no half-life, so no decay.
            db.Add(new ScoreChange { ContactId = "c1", ModelVersion = 2, RuleId = "program:p1:s1", Kind = ScoreKind.Engagement, Points = 15, At = T.AddDays(-1) });
            await db.SaveChangesAsync();
        }
        async Task<(int Rows, double Total)> ScoreAsync(int version)
        {
            await using var db = test.Database.Open();
            var changes = await ScoringModels.ChangesAsync(db, "c1", version, T, default);
            return (changes.Count, Scorer.ScoreAt(changes, T).Total);
        }

        // Rescoring the current version recomputes its rules (none match c1) and keeps the program's 15 points.
        await worker.RescoreAsync(2, default);
        Assert.Equal((1, 15.0), await ScoreAsync(2));
        // A new version (webinar worth 30) reads them from version 2.
        int next;
        await using (var db = test.Database.Open())
            next = (await ScoringModels.AddAsync(db, Model with { Engagement = [Model.Engagement[0] with { Points = 30 }, .. Model.Engagement[1..]] },
                TimeProvider.System, default)).Version;
        await worker.RescoreAsync(next, default);
        Assert.Equal((1, 15.0), await ScoreAsync(next));
        // And still after rescoring that version, now current (it reads them from version 2 still).
        await worker.RescoreAsync(next, default);
        Assert.Equal((1, 15.0), await ScoreAsync(next));
        // Segments read them as well: c1's score now is 15.
        await using (var db = test.Database.Open())
        {
            Assert.Equal(1, await SegmentQueries.CountAsync(db, SegmentParser.Parse("score >= 15"), TimeProvider.System, default));
            Assert.Equal(0, await SegmentQueries.CountAsync(db, SegmentParser.Parse("score > 15"), TimeProvider.System, default));
        }
    }
}
