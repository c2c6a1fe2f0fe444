using System.Text.Json;
using Dapper;
using Lifecycle.Contacts;
using Lifecycle.Reports;
using Lifecycle.Server;
using Lifecycle.Storage;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using static Lifecycle.Tests.Reports.ReportDataset;

namespace Lifecycle.Tests.Reports;

/// <summary>
/// Closed months kept in report_cache (Reports/ReportCache) on the dataset of <see cref="ReportDataset"/>: a kept value
/// is what the metric computes, it survives data after its month, and late data for the month changes it exactly.
/// </summary>
public class ReportCacheTests
{
    private static readonly JsonSerializerOptions Json = CreateJson();
    private static readonly ReportPeriod January = new(new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1), TimeZoneInfo.Utc);
    private static readonly ReportPeriod JanuaryAndFebruary = new(new DateOnly(2026, 1, 1), new DateOnly(2026, 3, 1), TimeZoneInfo.Utc);
    private static readonly string[] Shown = ["capture.inquiries", "nurture.mqls", "convert.sqls", "expand.nps"];

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        LifecycleServer.ConfigureJson(options);
        return options;
    }

    private static async Task<TestDatabase> SeededAsync(string engine)
    {
        var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.Database.Open();
        await SeedAsync(db);
        return database;
    }

    private static async Task<Dictionary<string, object?>> ComputeAllAsync(TestDatabase database, DateTime now)
    {
        await using var db = database.Database.Open();
        var facts = await ReportFacts.LoadAsync(db, January, now, ChannelMapping.Default);
        return MetricCatalog.Compute(new MetricScope(facts, January, ReportSettings.Default), MetricCatalog.Available);
    }

    [Fact]
    public async Task A_kept_metric_of_a_closed_month_reads_nothing_from_after_it()
    {
        // The dataset holds rows after January of every kind: transitions (c06 lead 02-01, c08 recycled 02-10), won
        // deals in 2027, an NPS answer on 02-01, February costs, a page view on 02-01, opens and clicks on 02-02.
        await using var database = await SeededAsync("sqlite");
        var rightAfter = await ComputeAllAsync(database, At("2026-02-01"));
        var muchLater = await ComputeAllAsync(database, At("2027-06-01"));
        var moved = muchLater.Where(v => JsonSerializer.Serialize(v.Value, Json) != JsonSerializer.Serialize(rightAfter.GetValueOrDefault(v.Key), Json))
            .Select(v => v.Key).ToList();
        if (moved.Where(id => MetricOf(id).Later == LaterData.None).ToList() is { Count: > 0 } wrong) Assert.Fail("kept but moved: " + string.Join(", ", wrong));
        // Those marked as reading later data do here: the opens on 02-02 of a message sent 01-31, the 2027 upsells of
        // January's new customers (convert.roi counts their first year).
        Assert.Equal(["nurture.email_open_rate", "nurture.email_click_rate", "nurture.click_to_open_rate", "nurture.email.p-nurture", "convert.roi"], moved);
    }

    /// <summary>The metric behind a value's id (an expanding metric's values are named id.key).</summary>
    private static MetricDefinition MetricOf(string id) =>
        MetricCatalog.Find(id) ?? MetricCatalog.Available.First(m => m.Expands && id.StartsWith(m.Id + ".", StringComparison.Ordinal));

    [Fact]
    public async Task Every_metric_value_reads_back_as_the_object_it_was()
    {
        await using var database = await SeededAsync("sqlite");
        foreach (var (id, value) in await ComputeAllAsync(database, At("2027-06-01")))
        {
            Assert.True(ReportCache.TryDecode(ReportCache.Encode(value), out var back), id);
            Assert.Equal(value?.GetType(), back?.GetType());
            Assert.Equal(JsonSerializer.Serialize(value, Json), JsonSerializer.Serialize(back, Json));
        }
    }

    private static async Task<Dictionary<string, string>> RowsAsync(TestDatabase database, DateTime now, ReportPeriod? period = null, string[]? metrics = null)
    {
        await using var db = database.Database.Open();
        var reports = new LifecycleReports(db, new FixedClock(now), ChannelMapping.Default, ReportSettings.Default);
        var rows = await reports.RowsAsync(period ?? JanuaryAndFebruary, (metrics ?? Shown).Select(id => MetricCatalog.Find(id)!).ToList(), null);
        return rows.ToDictionary(r => $"{r.Period} {r.Metric}", r => JsonSerializer.Serialize(r.Value, Json));
    }

    private static async Task<int> KeptAsync(TestDatabase database)
    {
        await using var db = database.Database.Open();
        return await db.Set<CachedReportValue>().CountAsync(v => v.Value != null);
    }

    private static async Task AddTransitionAsync(TestDatabase database, string contact, ContactStatus from, ContactStatus to, string at)
    {
        await using var db = database.Database.Open();
        db.Transitions.Add(new Transition { ContactId = contact, FromStatus = from, ToStatus = to, At = At(at), Actor = "test", Reason = "test" });
        await db.SaveChangesAsync();
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_closed_month_is_kept_until_late_data_for_it_arrives_and_then_changes_by_exactly_it(string engine)
    {
        await using var database = await SeededAsync(engine);
        var now = At("2026-03-01");
        // January: inquiries 7, MQLs 5 (c01, c02, c03 twice, c08), SQLs 3 (c05, c08, c01). February: none of them.
        var first = await RowsAsync(database, now);
        Assert.Equal(("7", "5", "3"), (first["2026-01 capture.inquiries"], first["2026-01 nurture.mqls"], first["2026-01 convert.sqls"]));
        Assert.Equal(("0", "0", "0"), (first["2026-02 capture.inquiries"], first["2026-02 nurture.mqls"], first["2026-02 convert.sqls"]));
        // Both months come from one load, yet each month's NPS counts its own answers: January 10, 9, 7, 3 gives
        // 100 × (2 − 1) / 4 = 25; February only c12's 0 (02-01 00:00) gives −100.
        Assert.StartsWith("""{"score":25,"responses":4,"promoters":2,"passives":1,"detractors":1,""", first["2026-01 expand.nps"]);
        Assert.Equal("""{"score":-100,"responses":1,"promoters":0,"passives":0,"detractors":1,"verbatims":[{"contact_id":"c12","score":0,"comment":"Late","responded_at":"2026-02-01T00:00:00Z"}]}""",
            first["2026-02 expand.nps"]);
        Assert.Equal(8, await KeptAsync(database)); // four metrics, two closed months

        // The kept value is what a second report shows (a value planted in the cache proves it is read).
        await using (var db = database.Database.Open())
            await db.Set<CachedReportValue>().Where(v => v.Key.StartsWith("nurture.mqls|2026-01-01"))
                .ExecuteUpdateAsync(u => u.SetProperty(v => v.Value, """[["nurture.mqls","2026-01","{\"Type\":\"System.Int32\",\"Value\":42}"]]"""));
        Assert.Equal("42", (await RowsAsync(database, now))["2026-01 nurture.mqls"]);
        await using (var db = database.Database.Open())
            await db.Set<CachedReportValue>().Where(v => v.Key.StartsWith("nurture.mqls|2026-01-01")).ExecuteDeleteAsync();
        Assert.Equal(first, await RowsAsync(database, now));

        // Data after February leaves both months kept and unchanged.
        await AddTransitionAsync(database, "c04", ContactStatus.Lead, ContactStatus.Mql, "2026-03-02");
        Assert.Equal(8, await KeptAsync(database));
        Assert.Equal(first, await RowsAsync(database, At("2026-04-01")));

        // A late MQL on January 20 (c04, lead since 01-10): both months are forgotten (February's histories start
        // before it too); January's MQLs become 6, nothing else moves.
        await AddTransitionAsync(database, "c04", ContactStatus.Lead, ContactStatus.Mql, "2026-01-20");
        Assert.Equal(0, await KeptAsync(database));
        var late = await RowsAsync(database, At("2026-04-01"));
        Assert.Equal(first.Where(r => r.Key != "2026-01 nurture.mqls"), late.Where(r => r.Key != "2026-01 nurture.mqls"));
        Assert.Equal("6", late["2026-01 nurture.mqls"]);

        // A late NPS answer in February forgets February only: c12's 0 on 02-01 and c04's 10 give 0.
        await using (var db = database.Database.Open())
        {
            db.NpsResponses.Add(new Lifecycle.Pipeline.NpsResponse { ContactId = "c04", Score = 10, RespondedAt = At("2026-02-03") });
            await db.SaveChangesAsync();
        }
        Assert.Equal(4, await KeptAsync(database));
        Assert.StartsWith("""{"score":0,"responses":2,"promoters":1,"passives":0,"detractors":1,""",
            (await RowsAsync(database, At("2026-04-01")))["2026-02 expand.nps"]);

        // A contact's lead source has no instant: it forgets every month.
        await using (var db = database.Database.Open())
            await db.Contacts.Where(c => c.Id == "c04").ExecuteUpdateAsync(u => u.SetProperty(c => c.LeadSource, "events"));
        Assert.Equal(0, await KeptAsync(database));
    }

    private static async Task<int> KeptLaterAsync(TestDatabase database, string later)
    {
        await using var db = database.Database.Open();
        return await db.Set<CachedReportValue>().CountAsync(v => v.Value != null && v.Later == later);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_value_reading_later_data_is_kept_until_later_data_about_its_month_arrives(string engine)
    {
        await using var database = await SeededAsync(engine);
        string[] metrics = ["nurture.email_open_rate", "nurture.lead_to_mql_rate"];
        var now = At("2026-04-01");
        Task<Dictionary<string, string>> Report(DateTime? at = null) => RowsAsync(database, at ?? now, metrics: metrics);
        async Task Write(Action<LifecycleDb> add)
        {
            await using var db = database.Database.Open();
            add(db);
            await db.SaveChangesAsync();
        }
        Transition Mql(string contact, string at) => new() { ContactId = contact, FromStatus = ContactStatus.Lead, ToStatus = ContactStatus.Mql, At = At(at), Actor = "test" };

        // January: prospect messages m1, m2, e1 opened, m3 bounced, m5 machine-opened only: 3 / 4 delivered. Cohort of new
        // leads {c02, c03, c04, c05, c07}: 3 reach mql or later. February: no message; its one new lead (c06) reaches nothing.
        var first = await Report();
        Assert.Equal(("0.75", "0.6", "null", "0"), (first["2026-01 nurture.email_open_rate"], first["2026-01 nurture.lead_to_mql_rate"],
            first["2026-02 nurture.email_open_rate"], first["2026-02 nurture.lead_to_mql_rate"]));
        Assert.Equal((2, 2), (await KeptLaterAsync(database, "emails"), await KeptLaterAsync(database, "histories")));

        // A contact with no transition in January or February moves on: nothing kept is about it.
        await Write(db => db.Transitions.Add(new Transition { ContactId = "c12", ToStatus = ContactStatus.Lead, At = At("2026-03-05"), Actor = "test" }));
        Assert.Equal(4, await KeptAsync(database));

        // c04 (January's cohort, nothing in February) reaches mql in March: January's cohort rate only is forgotten, now 4 / 5.
        await Write(db => db.Transitions.Add(Mql("c04", "2026-03-05")));
        Assert.Equal((2, 1), (await KeptLaterAsync(database, "emails"), await KeptLaterAsync(database, "histories")));
        var afterMql = await Report();
        Assert.Equal("0.8", afterMql["2026-01 nurture.lead_to_mql_rate"]);
        Assert.Equal(first.Where(r => r.Key != "2026-01 nurture.lead_to_mql_rate"), afterMql.Where(r => r.Key != "2026-01 nurture.lead_to_mql_rate"));

        // A human open of m5 in March: the next report projects it, which forgets January's e-mail value: 4 / 4.
        await Write(db => db.Events.Add(new TrackedEvent
        {
            MessageId = "late-open", Type = "track", Name = "Email Opened", ContactId = "c05", UserId = "c05", Timestamp = At("2026-03-03"), ReceivedAt = At("2026-03-03"),
            Payload = """{"event":"Email Opened","properties":{"message_id":"m5","program_id":"p-nurture","campaign_id":"cmpB","machine_open":false}}""",
        }));
        Assert.Equal("1", (await Report())["2026-01 nurture.email_open_rate"]);
        Assert.Equal(4, await KeptAsync(database));

        // c07's mql stamped May 1 is stored now: not known at April 1, so January's kept rate holds until then, and counts
        // it (5 / 5) on May 2 with nothing written in between.
        await Write(db => db.Transitions.Add(Mql("c07", "2026-05-01")));
        Assert.Equal("0.8", (await Report())["2026-01 nurture.lead_to_mql_rate"]);
        Assert.Equal("1", (await Report(At("2026-05-02")))["2026-01 nurture.lead_to_mql_rate"]);

        // A won deal changes first-year bookings and cohorts' bookings: every history value is forgotten, e-mail values stay.
        await Write(db => db.Deals.Add(new Lifecycle.Pipeline.Deal { Id = "late-win", AccountId = "acc9", Amount = 100, CreatedAt = At("2026-03-01"),
            ClosedAt = At("2026-03-10"), Outcome = Lifecycle.Pipeline.DealOutcome.Won }));
        Assert.Equal((2, 0), (await KeptLaterAsync(database, "emails"), await KeptLaterAsync(database, "histories")));
    }

    /// <summary>A write to a table a report reads, and how many of the 8 kept values (4 metrics, January and February) survive it.</summary>
    public static TheoryData<string, string, int> Writes()
    {
        var data = new TheoryData<string, string, int>();
        (string Name, int Kept)[] writes =
        [
            ("page view 02-10", 4), ("page view 03-05", 8), ("e-mail of c01 moved to c02 (01-12)", 0),
            ("deal won 02-10, created 01-15", 0), ("open deal created 01-10", 8), ("subscription from 02-15", 4),
            ("cost line of March", 4), ("score change 02-05", 4), ("transition 02-10 deleted", 4), ("NPS 03-02", 8),
            ("account owner", 0), ("account name", 8), ("contact account", 0), ("contact title", 8), ("campaign added", 0),
            ("program added", 0), ("scoring model activated", 0),
        ];
        foreach (var engine in new[] { "sqlite", "postgres" })
            foreach (var (name, kept) in writes) data.Add(engine, name, kept);
        return data;
    }

    [Theory, MemberData(nameof(Writes))]
    public async Task Every_table_a_report_reads_forgets_the_months_its_write_can_change(string engine, string write, int kept)
    {
        await using var database = await SeededAsync(engine);
        await using (var db = database.Database.Open())
        {
            db.Accounts.Add(new Lifecycle.Contacts.Account { Id = "acc1", Name = "One" });
            db.Transitions.Add(new Transition { ContactId = "c04", FromStatus = ContactStatus.Lead, ToStatus = ContactStatus.Mql, At = At("2026-02-10"), Actor = "test" });
            await db.SaveChangesAsync();
        }
        await RowsAsync(database, At("2026-03-01"));
        Assert.Equal(8, await KeptAsync(database));

        await using (var db = database.Database.Open())
        {
            string At(string text) => engine == "sqlite" ? text : text + "+00"; // SQLite keeps instants as UTC text
            var sql = write switch
            {
                "page view 02-10" => $"INSERT INTO events (message_id, type, name, anonymous_id, timestamp, received_at, flag, payload) VALUES ('w1', 'page', 'Page Viewed', 'a9', '{At("2026-02-10 00:00:00")}', '{At("2026-03-01 00:00:00")}', 'none', '{{}}')",
                "page view 03-05" => $"INSERT INTO events (message_id, type, name, anonymous_id, timestamp, received_at, flag, payload) VALUES ('w1', 'page', 'Page Viewed', 'a9', '{At("2026-03-05 00:00:00")}', '{At("2026-03-05 00:00:00")}', 'none', '{{}}')",
                "e-mail of c01 moved to c02 (01-12)" => "UPDATE events SET contact_id = 'c02' WHERE contact_id = 'c01' AND name = 'Email Sent'",
                "deal won 02-10, created 01-15" => $"INSERT INTO deals (id, account_id, amount, type, outcome, custom, created_at, closed_at) VALUES ('w1', 'acc1', 10, 'new', 'won', '{{}}', '{At("2026-01-15 00:00:00")}', '{At("2026-02-10 00:00:00")}')",
                "open deal created 01-10" => $"INSERT INTO deals (id, account_id, amount, type, outcome, custom, created_at) VALUES ('w1', 'acc1', 10, 'new', 'open', '{{}}', '{At("2026-01-10 00:00:00")}')",
                "subscription from 02-15" => "INSERT INTO subscriptions (id, account_id, mrr, starts_on) VALUES ('w1', 'acc1', 10, '2026-02-15')",
                "cost line of March" => "INSERT INTO cost_lines (month, channel, category, amount) VALUES ('2026-03-01', 'webinar', 'media', 10)",
                "score change 02-05" => $"INSERT INTO score_changes (contact_id, at, model_version, rule_id, kind, points) VALUES ('c01', '{At("2026-02-05 00:00:00")}', 1, 'r', 'engagement', 5)",
                "transition 02-10 deleted" => "DELETE FROM transitions WHERE contact_id = 'c04' AND to_status = 'mql'",
                "NPS 03-02" => $"INSERT INTO nps_responses (contact_id, score, responded_at) VALUES ('c04', 9, '{At("2026-03-02 00:00:00")}')",
                "account owner" => "UPDATE accounts SET owner = 'rep-kim' WHERE id = 'acc1'",
                "account name" => "UPDATE accounts SET name = 'Renamed' WHERE id = 'acc1'",
                "contact account" => "UPDATE contacts SET account_id = 'acc2' WHERE id = 'c04'",
                "contact title" => "UPDATE contacts SET title = 'CTO' WHERE id = 'c04'",
                "campaign added" => "INSERT INTO campaigns (id, name, channel, audience, custom) VALUES ('cmpW', 'New', 'events', 'prospects', '{}')",
                "program added" => $"INSERT INTO programs (id, name, status, definition, created_at, updated_at) VALUES ('pW', 'New', 'draft', '{{}}', '{At("2026-03-01 00:00:00")}', '{At("2026-03-01 00:00:00")}')",
                "scoring model activated" => $"INSERT INTO scoring_models (version, definition, created_at, activated_at) VALUES (9, '{{}}', '{At("2026-03-01 00:00:00")}', '{At("2026-03-01 00:00:00")}')",
                _ => throw new ArgumentOutOfRangeException(nameof(write)),
            };
            await db.Database.GetDbConnection().ExecuteAsync(sql);
        }
        Assert.Equal(kept, await KeptAsync(database));
    }

    [Fact]
    public async Task A_write_in_progress_while_a_month_is_computed_is_never_lost()
    {
        await using var database = await SeededAsync("postgres");
        // A late MQL for January, written before the report claims January and committed while it computes: its
        // trigger ran when nothing was kept, so only the report's wait for writers in progress can see it.
        await using var writer = new NpgsqlConnection(database.Database.ConnectionString);
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO transitions (contact_id, from_status, to_status, at, actor, reason)
            VALUES ('c04', 'lead', 'mql', '2026-01-20T00:00:00Z', 'test', 'test')
            """, writer, transaction))
            await insert.ExecuteNonQueryAsync();

        var report = RowsAsync(database, At("2026-03-01"), January);
        await Task.Delay(300);
        await transaction.CommitAsync();
        // Whether the report read before or after the commit, what it shows and what it kept count the late MQL.
        Assert.Equal("6", (await report)["2026-01 nurture.mqls"]);
        Assert.Equal("6", (await RowsAsync(database, At("2026-03-01"), January))["2026-01 nurture.mqls"]);
    }
}
