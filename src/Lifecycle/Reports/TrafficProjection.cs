using System.Data.Common;
using Dapper;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NpgsqlTypes;
using Database = Lifecycle.Storage.Database;

namespace Lifecycle.Reports;

/// <summary>A visit as the traffic projection keeps it: its visitor, its first hit and that hit's marketing facts.</summary>
public sealed class ProjectedVisit
{
    public required string VisitorKey { get; set; }
    public DateTime StartedAt { get; set; }
    public string? Medium { get; set; }
    public string? Source { get; set; }
    public string? Referrer { get; set; }
    public string? PageHost { get; set; }
}

/// <summary>A visitor's page views within one 15-minute UTC bucket.</summary>
public sealed class ProjectedPageViews
{
    public DateTime Bucket { get; set; }
    public required string VisitorKey { get; set; }
    public int PageViews { get; set; }
}

/// <summary>A visitor's latest projected hit: where an in-order hit's session starts or continues.</summary>
public sealed class ProjectedVisitor
{
    public required string VisitorKey { get; set; }
    public DateTime LastHitAt { get; set; }
}

/// <summary>
/// How far the projection has read the events table. SQLite: <see cref="Arrival"/> is the last rowid read (rowids
/// only grow: events are never deleted). PostgreSQL: each event records the id of the transaction that wrote it;
/// <see cref="Projected"/> is a snapshot (pg_snapshot text) whose visible transactions are all read, and
/// <see cref="Target"/> the snapshot being read up to, by (arrival, messageId) after <see cref="Arrival"/> and
/// <see cref="MessageId"/>. Arrival -1 means the rows from before arrivals were recorded are being read, by messageId.
/// </summary>
public sealed class ProjectionCursor
{
    /// <summary>A snapshot in which no transaction is visible.</summary>
    public const string Nothing = "1:1:";

    public required string Name { get; set; }
    public long Arrival { get; set; }
    public string MessageId { get; set; } = "";
    public string Projected { get; set; } = Nothing;
    public string? Target { get; set; }
}

/// <summary>A visitor whose events changed hands (identity stitching, merge, erasure): re-derived on the next pass.</summary>
public sealed class VisitorChange
{
    public long Id { get; set; }
    public required string VisitorKey { get; set; }
}

public sealed class TrafficProjectionConfiguration : IEntityTypeConfiguration<ProjectedVisit>, IEntityTypeConfiguration<ProjectedPageViews>,
    IEntityTypeConfiguration<ProjectedVisitor>, IEntityTypeConfiguration<ProjectionCursor>, IEntityTypeConfiguration<VisitorChange>
{
    public void Configure(EntityTypeBuilder<ProjectedVisit> visit)
    {
        visit.ToTable("report_visits");
        visit.HasKey(v => new { v.VisitorKey, v.StartedAt });
        visit.Property(v => v.VisitorKey).HasMaxLength(200);
        // Covering: a report reads a year of visits by start without touching the table.
        visit.HasIndex(v => new { v.StartedAt, v.VisitorKey, v.Medium, v.Source, v.Referrer, v.PageHost });
    }

    public void Configure(EntityTypeBuilder<ProjectedPageViews> views)
    {
        views.ToTable("report_page_views");
        views.HasKey(v => new { v.Bucket, v.VisitorKey });
        views.Property(v => v.VisitorKey).HasMaxLength(200);
        views.HasIndex(v => v.VisitorKey);
        views.HasIndex(v => new { v.Bucket, v.VisitorKey, v.PageViews }); // covering, as above
    }

    public void Configure(EntityTypeBuilder<ProjectedVisitor> visitor)
    {
        visitor.ToTable("report_visitors");
        visitor.HasKey(v => v.VisitorKey);
        visitor.Property(v => v.VisitorKey).HasMaxLength(200);
    }

    public void Configure(EntityTypeBuilder<ProjectionCursor> cursor)
    {
        cursor.ToTable("report_projection_cursors");
        cursor.HasKey(c => c.Name);
        cursor.Property(c => c.Name).HasMaxLength(40);
        cursor.Property(c => c.MessageId).HasMaxLength(200);
    }

    public void Configure(EntityTypeBuilder<VisitorChange> change)
    {
        change.ToTable("report_visitor_changes");
        change.Property(c => c.VisitorKey).HasMaxLength(200);
    }
}

/// <summary>
/// Visits and page views kept up to date from the events table, so a report reads narrow rows instead of a
/// period's page-view payloads (lifecycle.md §3 attract.*). A pass reads the page views that arrived after its
/// cursor, in arrival order, and extends each visitor's sessions: a hit 30 minutes or more after the visitor's
/// previous hit starts a visit (<see cref="Sessions"/>). A hit older than the visitor's latest projected hit, and a
/// visitor whose events changed hands (<see cref="NoticeAsync"/>), is re-derived from its events. Page views are
/// counted per visitor and 15-minute UTC bucket: every time zone's midnight falls on such a bucket, so any report
/// period in any zone is a whole number of buckets. A pass, its cursor included, is one transaction; passes are
/// serialised (an advisory lock on PostgreSQL, the single writer on SQLite), so no page view is counted twice.
/// </summary>
public static class TrafficProjection
{
    public static readonly TimeSpan Bucket = TimeSpan.FromMinutes(15);
    private const string CursorName = "traffic";
    private const long PassLock = 0x4c6966656379636c; // "Lifecycl": the advisory lock that serialises passes

    /// <summary>The bucket an instant counts in.</summary>
    public static DateTime BucketOf(DateTime instant) => new(instant.Ticks - instant.Ticks % Bucket.Ticks, DateTimeKind.Utc);

    /// <summary>Whether a period's bounds fall on buckets, so bucketed page views answer it exactly.</summary>
    public static bool Aligned(DateTime from, DateTime to) => from.Ticks % Bucket.Ticks == 0 && to.Ticks % Bucket.Ticks == 0;

    /// <summary>
    /// A visitor's new hits after its previous one (null for a new visitor): the instants that start a visit, the
    /// page views per bucket, and the latest hit. Pure.
    /// </summary>
    public static (List<DateTime> Starts, Dictionary<DateTime, int> Buckets, DateTime Last) Extend(DateTime? previous, IEnumerable<DateTime> hits)
    {
        var ordered = hits.Order().ToList();
        var starts = Sessions.Starts(previous is null ? ordered : ordered.Prepend(previous.Value));
        if (previous is not null) starts.Remove(previous.Value);
        var buckets = new Dictionary<DateTime, int>();
        foreach (var hit in ordered) buckets[BucketOf(hit)] = buckets.GetValueOrDefault(BucketOf(hit)) + 1;
        return (starts, buckets, ordered[^1]);
    }

    /// <summary>
    /// Records, inside the caller's transaction, that these visitors' page views changed hands (their contact id was
    /// set or moved) or their payloads were rewritten (erasure); the next pass re-derives them.
    /// </summary>
    public static async Task NoticeAsync(LifecycleDb db, IEnumerable<string?> visitorKeys, CancellationToken cancel)
    {
        var keys = visitorKeys.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count == 0) return;
        db.Set<VisitorChange>().AddRange(keys.Select(k => new VisitorChange { VisitorKey = k }));
        await db.SaveChangesAsync(cancel);
    }

    /// <summary>Projects every page view committed so far; returns how many it read.</summary>
    public static Task<int> CatchUpAsync(LifecycleDb db, CancellationToken cancel = default) =>
        Feed.CatchUpAsync<Hit>(db, connection => connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM report_visitor_changes)"),
            async (connection, tx, hits, cursor) =>
            {
                // One transaction: the newly arrived page views, then the changed visitors.
                var changed = await db.Set<VisitorChange>().OrderBy(c => c.Id).ToListAsync(cancel);
                var rederive = changed.Select(c => c.VisitorKey).ToHashSet(StringComparer.Ordinal);
                await ExtendAsync(connection, tx, hits.Where(h => !rederive.Contains(h.VisitorKey)).ToList(), rederive);
                var projected = EventFeed.Projected(db.Engine == DatabaseEngine.Postgres, cursor);
                foreach (var key in rederive) await RederiveAsync(connection, tx, key, projected);
                db.Set<VisitorChange>().RemoveRange(changed);
            }, cancel);

    /// <summary>A page view as read for the projection.</summary>
    private sealed class Hit : FedEvent
    {
        public string VisitorKey { get; set; } = "";
    }

    private sealed class LastHit
    {
        public string VisitorKey { get; set; } = "";
        public DateTime LastHitAt { get => field; set => field = DateTime.SpecifyKind(value, DateTimeKind.Utc); }
    }

    /// <summary>Page views with a visitor. SQLite reads them through the partial index of page views, which ends with
    /// the rowid, so other events are never looked at.</summary>
    private static readonly EventFeed Feed = new(CursorName, "name = 'Page Viewed' AND COALESCE(contact_id, anonymous_id, user_id) IS NOT NULL",
        "events INDEXED BY ix_events_page_view_arrivals",
        "message_id AS MessageId, COALESCE(contact_id, anonymous_id, user_id) AS VisitorKey, timestamp AS Timestamp", PassLock);

    /// <summary>Adds new hits to their visitors' sessions; a visitor with a hit older than its latest is added to <paramref name="rederive"/>.</summary>
    private static async Task ExtendAsync(DbConnection connection, DbTransaction tx, List<Hit> hits, HashSet<string> rederive)
    {
        if (hits.Count == 0) return;
        var byVisitor = hits.GroupBy(h => h.VisitorKey, StringComparer.Ordinal).ToList();
        var last = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        foreach (var chunk in byVisitor.Select(g => g.Key).Chunk(1000))
            foreach (var v in await connection.QueryAsync<LastHit>(
                         $"SELECT visitor_key AS VisitorKey, last_hit_at AS LastHitAt FROM report_visitors WHERE {EventFeed.In(connection, "visitor_key")}", new { chunk }, tx))
                last[v.VisitorKey] = v.LastHitAt;

        var visits = new List<(string Visitor, string MessageId, DateTime At)>();
        var views = new List<ProjectedPageViews>();
        var visitors = new List<ProjectedVisitor>();
        foreach (var visitor in byVisitor)
        {
            DateTime? previous = last.TryGetValue(visitor.Key, out var at) ? at : null;
            if (previous is not null && visitor.Min(h => h.Timestamp) < previous)
            {
                rederive.Add(visitor.Key); // a late hit can split or join visits already counted
                continue;
            }
            Derive(visitor.Key, previous, visitor.ToList(), visits, views, visitors);
        }
        await WriteAsync(connection, tx, visits, views, visitors);
    }

    /// <summary>Adds a visitor's rows for its hits after <paramref name="previous"/> (null: all its hits).</summary>
    private static void Derive(string key, DateTime? previous, List<Hit> hits, List<(string Visitor, string MessageId, DateTime At)> visits,
        List<ProjectedPageViews> views, List<ProjectedVisitor> visitors)
    {
        var (starts, buckets, latest) = Extend(previous, hits.Select(h => h.Timestamp));
        var startSet = starts.ToHashSet();
        // Of hits at the same instant, the first by messageId starts the visit.
        foreach (var hit in hits.OrderBy(h => h.Timestamp).ThenBy(h => h.MessageId, StringComparer.Ordinal))
            if (startSet.Remove(hit.Timestamp)) visits.Add((key, hit.MessageId, hit.Timestamp));
        views.AddRange(buckets.Select(b => new ProjectedPageViews { Bucket = b.Key, VisitorKey = key, PageViews = b.Value }));
        visitors.Add(new ProjectedVisitor { VisitorKey = key, LastHitAt = latest });
    }

    /// <summary>Replaces a visitor's projected rows by those derived from all its projected page views.</summary>
    private static async Task RederiveAsync(DbConnection connection, DbTransaction tx, string key, (string Sql, object Parameters) bound)
    {
        foreach (var table in new[] { "report_visits", "report_page_views", "report_visitors" })
            await connection.ExecuteAsync($"DELETE FROM {table} WHERE visitor_key = @key", new { key }, tx);
        // Three branches, one per index, instead of an OR over COALESCE that no index serves. SQLite is told which: it
        // would take the page views' partial index for the first two (name, then the rowid bound), which reads every page view.
        var parameters = new DynamicParameters(bound.Parameters);
        parameters.Add("key", key);
        var sqlite = connection is not Npgsql.NpgsqlConnection;
        string Columns(string index) =>
            $"SELECT message_id AS MessageId, timestamp AS Timestamp FROM events{(sqlite ? $" INDEXED BY {index}" : "")} WHERE name = 'Page Viewed'";
        var hits = (await connection.QueryAsync<Hit>($"""
            {Columns("ix_events_contact_id_timestamp")} AND contact_id = @key AND {bound.Sql}
            UNION ALL
            {Columns("ix_events_anonymous_id")} AND contact_id IS NULL AND anonymous_id = @key AND {bound.Sql}
            UNION ALL
            {Columns("ix_events_user_id")} AND contact_id IS NULL AND anonymous_id IS NULL AND user_id = @key AND {bound.Sql}
            """, parameters, tx)).ToList();
        if (hits.Count == 0) return;
        List<(string Visitor, string MessageId, DateTime At)> visits = [];
        List<ProjectedPageViews> views = [];
        List<ProjectedVisitor> visitors = [];
        Derive(key, null, hits, visits, views, visitors);
        await WriteAsync(connection, tx, visits, views, visitors);
    }

    private static async Task WriteAsync(DbConnection connection, DbTransaction tx, List<(string Visitor, string MessageId, DateTime At)> visits,
        List<ProjectedPageViews> views, List<ProjectedVisitor> visitors)
    {
        // A visit's channel is read from its first hit's payload, once, here.
        var payloads = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in visits.Select(v => v.MessageId).Chunk(1000))
            foreach (var p in await connection.QueryAsync<(string Id, string Payload)>(
                         $"SELECT message_id, payload FROM events WHERE {EventFeed.In(connection, "message_id")}", new { chunk }, tx))
                payloads[p.Id] = p.Payload;
        var rows = visits.Select(v =>
        {
            var touch = Touch.FromPayload(payloads[v.MessageId]);
            return new ProjectedVisit { VisitorKey = v.Visitor, StartedAt = v.At, Medium = touch.Medium, Source = touch.Source, Referrer = touch.Referrer, PageHost = touch.PageHost };
        }).ToList();
        const string visitsSql = "INSERT INTO report_visits (visitor_key, started_at, medium, source, referrer, page_host)";
        const string viewsSql = "INSERT INTO report_page_views (bucket, visitor_key, page_views)";
        const string viewsConflict = "ON CONFLICT (bucket, visitor_key) DO UPDATE SET page_views = report_page_views.page_views + excluded.page_views";
        const string visitorsSql = "INSERT INTO report_visitors (visitor_key, last_hit_at)";
        const string visitorsConflict = "ON CONFLICT (visitor_key) DO UPDATE SET last_hit_at = excluded.last_hit_at";
        if (connection is Npgsql.NpgsqlConnection)
        {
            // A pass writes each visitor once, so no statement touches a row twice.
            await PostgresArrays.ExecuteAsync(connection, tx, $"{visitsSql} SELECT * FROM unnest(@v, @s, @m, @so, @r, @h)", rows,
                ("v", NpgsqlDbType.Text, r => r.VisitorKey), ("s", NpgsqlDbType.TimestampTz, r => r.StartedAt), ("m", NpgsqlDbType.Text, r => r.Medium),
                ("so", NpgsqlDbType.Text, r => r.Source), ("r", NpgsqlDbType.Text, r => r.Referrer), ("h", NpgsqlDbType.Text, r => r.PageHost));
            await PostgresArrays.ExecuteAsync(connection, tx, $"{viewsSql} SELECT * FROM unnest(@b, @v, @n) {viewsConflict}", views,
                ("b", NpgsqlDbType.TimestampTz, r => r.Bucket), ("v", NpgsqlDbType.Text, r => r.VisitorKey), ("n", NpgsqlDbType.Integer, r => r.PageViews));
            await PostgresArrays.ExecuteAsync(connection, tx, $"{visitorsSql} SELECT * FROM unnest(@v, @l) {visitorsConflict}", visitors,
                ("v", NpgsqlDbType.Text, r => r.VisitorKey), ("l", NpgsqlDbType.TimestampTz, r => r.LastHitAt));
            return;
        }
        await connection.ExecuteAsync($"{visitsSql} VALUES (@VisitorKey, @StartedAt, @Medium, @Source, @Referrer, @PageHost)", rows, tx);
        await connection.ExecuteAsync($"{viewsSql} VALUES (@Bucket, @VisitorKey, @PageViews) {viewsConflict}", views, tx);
        await connection.ExecuteAsync($"{visitorsSql} VALUES (@VisitorKey, @LastHitAt) {visitorsConflict}", visitors, tx);
    }

    /// <summary>
    /// The visits starting and the bucketed page views within [from, to), as report facts, as projected so far (the
    /// caller catches up first). Requires bounds on buckets (<see cref="Aligned"/>).
    /// </summary>
    public static async Task<(List<VisitFact> Visits, List<PageViewFact> PageViews)> ReadAsync(LifecycleDb db, DateTime from, DateTime to, DateTime now,
        ChannelMapping channels, CancellationToken cancel)
    {
        var rows = await db.Set<ProjectedVisit>().AsNoTracking().Where(v => v.StartedAt >= from && v.StartedAt < to && v.StartedAt <= now).ToListAsync(cancel);
        var channelOf = new Dictionary<(string?, string?, string?, string?), string>();
        var visits = rows.Select(v =>
        {
            var touch = (v.Medium, v.Source, v.Referrer, v.PageHost);
            if (!channelOf.TryGetValue(touch, out var channel)) channelOf[touch] = channel = channels.Channel(v.Medium, v.Source, v.Referrer, v.PageHost);
            return new VisitFact(v.VisitorKey, v.StartedAt, () => channel);
        }).ToList();
        // The bucket holding `now` may hold later hits (imported or clock-skewed ones): its known part is read from the events.
        var known = BucketOf(now);
        var pageViews = await db.Set<ProjectedPageViews>().AsNoTracking().Where(p => p.Bucket >= from && p.Bucket < to && p.Bucket < known)
            .Select(p => new PageViewFact(p.VisitorKey, p.Bucket, p.PageViews)).ToListAsync(cancel);
        if (known < to)
        {
            var start = known > from ? known : from;
            pageViews.AddRange(await db.Events.AsNoTracking()
                .Where(e => e.Name == "Page Viewed" && e.Timestamp >= start && e.Timestamp < to && e.Timestamp <= now)
                .Select(e => new { Visitor = e.ContactId ?? e.AnonymousId ?? e.UserId, e.Timestamp }).Where(e => e.Visitor != null)
                .Select(e => new PageViewFact(e.Visitor!, e.Timestamp, 1)).ToListAsync(cancel));
        }
        return (visits, pageViews);
    }
}

/// <summary>Keeps the report projections (traffic, e-mail messages) close behind the events, so a report's own catch-up has little to read.</summary>
public sealed class ReportProjectionsWorker(Database database, ILogger<ReportProjectionsWorker> log) : BackgroundService
{
    // Reports catch the projections up themselves, so the interval bounds only the backlog they find. On SQLite a
    // pass is a write beside tracking's single writer, so it runs less often there.
    private TimeSpan Interval => database.Engine == DatabaseEngine.Sqlite ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var db = database.Open();
                await TrafficProjection.CatchUpAsync(db, stopping);
                await EmailProjection.CatchUpAsync(db, stopping);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                log.LogError(e, "a report projection failed; it tries again in a second");
            }
            try { await Task.Delay(Interval, stopping); }
            catch (OperationCanceledException) { }
        }
    }
}
