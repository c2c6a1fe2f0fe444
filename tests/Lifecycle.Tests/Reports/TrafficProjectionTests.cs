using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lifecycle.Access;
using Lifecycle.Reports;
using Lifecycle.Storage;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lifecycle.Tests.Reports;

/// <summary>
/// The traffic projection (visits and bucketed page views kept from the events) against hand-counted sessions, and
/// against the definition it replaces: sessionizing the period's page views straight from the events.
/// </summary>
public class TrafficProjectionTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly ReportPeriod January = new(new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1), TimeZoneInfo.Utc);

    private static DateTime T(string hhmm) => DateTime.SpecifyKind(DateTime.Parse($"2026-01-10T{hhmm}:00"), DateTimeKind.Utc);

    [Fact]
    public void A_hit_30_minutes_after_the_previous_starts_a_visit_and_page_views_count_per_quarter_hour()
    {
        // New visitor: 10:00 starts; 10:20 continues (20 min); 10:50 starts (30 min). Buckets 10:00 (10:00), 10:15 (10:20), 10:45 (10:50).
        var (starts, buckets, last) = TrafficProjection.Extend(null, [T("10:50"), T("10:00"), T("10:20")]);
        Assert.Equal([T("10:00"), T("10:50")], starts);
        Assert.Equal(new Dictionary<DateTime, int> { [T("10:00")] = 1, [T("10:15")] = 1, [T("10:45")] = 1 }, buckets);
        Assert.Equal(T("10:50"), last);

        // Known visitor last seen 10:50: 11:10 continues (20 min), 11:14 continues; 11:44 starts (30 min). Bucket 11:00 holds two.
        (starts, buckets, last) = TrafficProjection.Extend(T("10:50"), [T("11:10"), T("11:14"), T("11:44")]);
        Assert.Equal([T("11:44")], starts);
        Assert.Equal(new Dictionary<DateTime, int> { [T("11:00")] = 2, [T("11:30")] = 1 }, buckets);
        Assert.Equal(T("11:44"), last);
    }

    [Fact]
    public void Every_zone_midnight_falls_on_a_bucket()
    {
        foreach (var id in new[] { "Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Australia/Eucla", "Europe/Madrid" })
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            var (from, to) = ReportPeriod.MonthBounds(2026, 7, zone);
            Assert.True(TrafficProjection.Aligned(from, to), id);
        }
    }

    private static async Task AddPagesAsync(LifecycleDb db, params (string Id, string Visitor, string At, string? Medium)[] pages)
    {
        foreach (var (id, visitor, at, medium) in pages)
        {
            var url = medium is null ? "https://example.com/" : $"https://example.com/?utm_medium={medium}&utm_source=google";
            db.Events.Add(new TrackedEvent
            {
                MessageId = id, Type = "page", Name = "Page Viewed", AnonymousId = visitor, Timestamp = T(at), ReceivedAt = Now,
                Payload = JsonSerializer.Serialize(new { context = new { page = new { url } } }),
            });
        }
        await db.SaveChangesAsync(); // one transaction: one arrival
    }

    private static async Task<(int Visits, int PageViews, int Visitors, string Channels)> CountAsync(Database database, bool drillDown = false)
    {
        await using var db = database.Open();
        var facts = await ReportFacts.LoadAsync(db, January, Now, ChannelMapping.Default, needs: FactNeeds.Traffic, drillDown: drillDown);
        var channels = string.Join(",", facts.Visits.OrderBy(v => v.Start).Select(v => v.Channel));
        return (facts.Visits.Count, facts.PageViews.Sum(p => p.Count), facts.PageViews.Select(p => p.VisitorKey).Distinct().Count(), channels);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_late_hit_joins_the_visits_on_either_side_of_it(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using (var db = database.Database.Open())
            await AddPagesAsync(db, ("p1", "a1", "10:00", "cpc"), ("p2", "a1", "10:40", null), ("p3", "a2", "10:05", null));
        // a1: 10:00 (paid search) and 10:40 (40 min later) = 2 visits; a2: 1 visit. 3 page views by 2 visitors.
        Assert.Equal((3, 3, 2, "paid_search,direct,direct"), await CountAsync(database.Database));

        await using (var db = database.Database.Open())
            await AddPagesAsync(db, ("p4", "a1", "10:20", null));
        // a1's 10:20 arrives late: 10:00, 10:20, 10:40 are 20 minutes apart, one visit from 10:00. a2 is untouched.
        Assert.Equal((2, 4, 2, "paid_search,direct"), await CountAsync(database.Database));
        Assert.Equal(await CountAsync(database.Database, drillDown: true), await CountAsync(database.Database));

        await using (var db = database.Database.Open())
            await AddPagesAsync(db, ("p5", "a1", "11:10", "email"), ("p6", "a1", "11:15", null));
        // In order again: 11:10 is 30 minutes after 10:40, a new visit (email); 11:15 continues it.
        Assert.Equal((3, 6, 2, "paid_search,direct,email"), await CountAsync(database.Database));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Only_the_known_part_of_the_bucket_holding_now_counts(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using (var db = database.Database.Open())
            await AddPagesAsync(db, ("p1", "a1", "09:50", null), ("p2", "a1", "10:00", null), ("p3", "a2", "10:05", null), ("p4", "a3", "10:10", null));
        // At 10:06 the 10:00 bucket holds 10:00 and 10:05; 10:10 (an imported or clock-skewed hit) is not known yet:
        // 3 page views by a1 and a2, as the events say.
        await using (var db = database.Database.Open())
        {
            var facts = await ReportFacts.LoadAsync(db, January, T("10:06"), ChannelMapping.Default, needs: FactNeeds.Traffic);
            var raw = await ReportFacts.LoadAsync(db, January, T("10:06"), ChannelMapping.Default, needs: FactNeeds.Traffic, drillDown: true);
            Assert.Equal((3, 2), (facts.PageViews.Sum(p => p.Count), facts.PageViews.Select(p => p.VisitorKey).Distinct().Count()));
            Assert.Equal((3, 2), (raw.PageViews.Sum(p => p.Count), raw.PageViews.Select(p => p.VisitorKey).Distinct().Count()));
            Assert.Equal(2, facts.Visits.Count);
        }
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Arrivals_in_any_order_give_what_the_events_say(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var random = new Random(20261207);
        var pages = Enumerable.Range(0, 300).Select(i => ($"r{i}", $"v{random.Next(12)}", $"{random.Next(8, 20):00}:{random.Next(60):00}",
            random.Next(3) == 0 ? "cpc" : null)).ToList();
        // Ten arrivals in shuffled order, with a catch-up (a report) after some of them.
        foreach (var (batch, i) in pages.OrderBy(_ => random.Next()).Chunk(30).Select((b, i) => (b, i)))
        {
            await using (var db = database.Database.Open())
                await AddPagesAsync(db, batch);
            if (i % 3 == 0) await CountAsync(database.Database);
        }
        var projected = await CountAsync(database.Database);
        Assert.Equal(300, projected.PageViews);
        Assert.Equal(await CountAsync(database.Database, drillDown: true), projected);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Emptying_the_projection_rebuilds_it_from_the_events(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using (var db = database.Database.Open())
            await AddPagesAsync(db, ("p1", "a1", "10:00", "cpc"), ("p2", "a1", "10:40", null), ("p3", "a2", "10:05", null));
        await using (var db = database.Database.Open())
            await AddPagesAsync(db, ("p4", "a1", "10:20", null));
        // a1: 10:00, 10:20, 10:40 one visit (paid search); a2 one visit. 4 page views by 2 visitors.
        Assert.Equal((2, 4, 2, "paid_search,direct"), await CountAsync(database.Database));

        // What README.md tells an operator to do to rebuild it.
        await using (var db = database.Database.Open())
            await db.Database.ExecuteSqlRawAsync("""
                DELETE FROM report_projection_cursors; DELETE FROM report_visitor_changes;
                DELETE FROM report_visits; DELETE FROM report_visitors; DELETE FROM report_page_views;
                """);
        Assert.Equal((2, 4, 2, "paid_search,direct"), await CountAsync(database.Database));
    }

    private static async Task<HttpClient> TrackingClientAsync(RunningServer server)
    {
        await using var db = server.Database.Database.Open();
        var key = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "site", TimeProvider.System);
        var client = server.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":")));
        return client;
    }

    private static async Task SendAsync(HttpClient client, string path, string json)
    {
        var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task An_identified_visitor_is_one_visitor_with_its_contact(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        var client = await TrackingClientAsync(server);
        // Two browsers of the same person: anon-1 at 09:00, anon-2 at 09:10 (a second device), before anyone is known.
        await SendAsync(client, "/v1/page", """{"anonymousId":"anon-1","messageId":"p1","timestamp":"2026-01-10T09:00:00Z"}""");
        await SendAsync(client, "/v1/page", """{"anonymousId":"anon-2","messageId":"p2","timestamp":"2026-01-10T09:10:00Z"}""");
        Assert.Equal((2, 2, 2), Counts(await CountAsync(server.Database.Database)));

        // Both identify as the same user: their page views are the contact's; 09:00 and 09:10 are one visit of one visitor.
        await SendAsync(client, "/v1/identify", """{"anonymousId":"anon-1","userId":"kim@example.kr","messageId":"i1","timestamp":"2026-01-10T09:20:00Z","traits":{"email":"kim@example.kr"}}""");
        await SendAsync(client, "/v1/identify", """{"anonymousId":"anon-2","userId":"kim@example.kr","messageId":"i2","timestamp":"2026-01-10T09:21:00Z"}""");
        Assert.Equal((1, 2, 1), Counts(await CountAsync(server.Database.Database)));
        Assert.Equal(await CountAsync(server.Database.Database, drillDown: true), await CountAsync(server.Database.Database));
    }

    private static (int, int, int) Counts((int Visits, int PageViews, int Visitors, string _) c) => (c.Visits, c.PageViews, c.Visitors);

    [Fact]
    public async Task Rows_from_before_arrivals_were_recorded_are_projected_once()
    {
        await using var database = await TestDatabase.CreateAsync("postgres");
        await using (var db = database.Database.Open())
        {
            await AddPagesAsync(db, ("p1", "a1", "10:00", null), ("p2", "a1", "10:10", null));
            await db.Database.ExecuteSqlRawAsync("UPDATE events SET arrival = NULL"); // as written before the migration
            await AddPagesAsync(db, ("p3", "a1", "10:50", null));
        }
        // 10:00, 10:10 one visit; 10:50 (40 min after 10:10) a second.
        Assert.Equal((2, 3, 1), Counts(await CountAsync(database.Database)));
        Assert.Equal((2, 3, 1), Counts(await CountAsync(database.Database)));
    }

    [Fact]
    public async Task A_page_view_of_a_transaction_still_open_counts_once_it_commits()
    {
        await using var database = await TestDatabase.CreateAsync("postgres");
        await using var open = new NpgsqlConnection(database.Database.ConnectionString);
        await open.OpenAsync();
        await using var transaction = await open.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO events (message_id, type, name, anonymous_id, timestamp, received_at, payload)
            VALUES ('slow', 'page', 'Page Viewed', 'a1', '2026-01-10 10:00:00+00', now(), '{}')
            """, open, transaction))
            await insert.ExecuteNonQueryAsync();

        // A later transaction commits first: it counts at once, and the open one's page view counts once it commits.
        await using (var db = database.Database.Open())
            await AddPagesAsync(db, ("fast", "a2", "10:05", null));
        Assert.Equal((1, 1, 1), Counts(await CountAsync(database.Database)));
        await transaction.CommitAsync();
        Assert.Equal((2, 2, 2), Counts(await CountAsync(database.Database)));
    }
}
