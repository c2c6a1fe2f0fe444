using System.Text.Json;
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
        if (moved.Where(id => !MetricOf(id).LaterData).ToList() is { Count: > 0 } wrong) Assert.Fail("kept but moved: " + string.Join(", ", wrong));
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

    private static async Task<Dictionary<string, string>> RowsAsync(TestDatabase database, DateTime now, ReportPeriod? period = null)
    {
        await using var db = database.Database.Open();
        var reports = new LifecycleReports(db, new FixedClock(now), ChannelMapping.Default, ReportSettings.Default);
        var rows = await reports.RowsAsync(period ?? JanuaryAndFebruary, Shown.Select(id => MetricCatalog.Find(id)!).ToList(), null);
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
