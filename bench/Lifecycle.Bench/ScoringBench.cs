using System.Diagnostics;
using Dapper;
using Lifecycle.Contacts;
using Lifecycle.Scoring;
using Lifecycle.Segments;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Database = Lifecycle.Storage.Database;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifecycle.Bench;

/// <summary>
/// Scoring and segment benchmarks on a synthetic database (seeded): N contacts over N/10 accounts, E events
/// (page views with paths, some webinars and demo requests) spread over 90 days.
/// 1. Added latency of scoring one event: commit one event, then time the worker's batch that scores it (the
///    poll interval, 250 ms by default, comes on top when the worker is idle).
/// 2. A segment count mixing profile and behaviour, against the hand-written SQL a developer would write.
/// 3. A full rescore of everyone under a new model version.
/// </summary>
internal static class ScoringBench
{
    private const string Filter = "account.employees >= 200 and did 'Page Viewed' where path contains '/pricing' at least 2 times within 30 days";

    public static async Task<int> RunAsync(string db, int contacts, int events)
    {
        var database = Database.Parse(db);
        await database.MigrateAsync();
        var now = DateTime.UtcNow;
        var random = new Random(7);
        await using (var ef = database.Open())
        {
            if (!await ef.Contacts.AnyAsync())
            {
                var build = Stopwatch.StartNew();
                for (var a = 0; a < contacts / 10; a++)
                    ef.Accounts.Add(new Account { Id = $"a{a}", Name = $"Account {a}", Industry = a % 3 == 0 ? "software" : "retail", Employees = random.Next(5, 5000) });
                await ef.SaveChangesAsync();
                ef.ChangeTracker.Clear();
                // In chunks: a million tracked contacts would hold gigabytes.
                for (var start = 0; start < contacts; start += 50_000)
                {
                    for (var c = start; c < Math.Min(contacts, start + 50_000); c++)
                        ef.Contacts.Add(new Contact { Id = $"c{c}", Title = c % 4 == 0 ? "VP Marketing" : "Analyst", AccountId = $"a{c % (contacts / 10)}", Status = ContactStatus.Lead, CreatedAt = now.AddDays(-120) });
                    await ef.SaveChangesAsync();
                    ef.ChangeTracker.Clear();
                }
                await ef.Database.OpenConnectionAsync();
                string[] paths = ["/", "/blog", "/pricing", "/docs"];
                for (var start = 0; start < events; start += 10_000)
                {
                    await using var transaction = await ef.Database.BeginTransactionAsync();
                    var rows = Enumerable.Range(start, Math.Min(10_000, events - start)).Select(i =>
                    {
                        var name = i % 50 == 0 ? "Webinar Attended" : i % 997 == 0 ? "Demo Requested" : "Page Viewed";
                        var path = paths[random.Next(paths.Length)];
                        return new EventRow($"m{i}", "track", name, $"c{random.Next(contacts)}", null, null, null,
                            now.AddDays(-random.NextDouble() * 90), now.AddDays(-1), TimestampFlag.None,
                            $"{{\"properties\":{{\"path\":\"{path}\"}}}}");
                    }).ToList();
                    await EventStore.InsertNewAsync(ef.Database.GetDbConnection(), transaction.GetDbTransaction(), rows, default, likelyNew: true);
                    await transaction.CommitAsync();
                }
                if (database.Engine == DatabaseEngine.Postgres) await ef.Database.ExecuteSqlRawAsync("VACUUM ANALYZE");
                Console.WriteLine($"built {contacts:N0} contacts and {events:N0} events in {build.Elapsed.TotalSeconds:0} s");
            }
        }

        var worker = new ScoringWorker(database, TimeProvider.System, ScoringOptions.Default with { PostgresSettle = TimeSpan.Zero }, NullLogger<ScoringWorker>.Instance);
        // At scale the worker's batches would take hours over the backlog: the cursor is moved to the last event
        // and version 1 is scored by a full rescore instead.
        var large = events > 1_000_000;
        var catchUp = Stopwatch.StartNew();
        var backlog = 0;
        RescoreResult? initial = null;
        if (!large)
            while (await worker.ScoreNextBatchAsync(default) is > 0 and var n) backlog += n;
        else if (await MoveCursorToEndAsync(database))
            initial = await worker.RescoreAsync(1, default); // the current version: every rule is computed
        catchUp.Stop();
        Console.WriteLine($"engine {database.Engine}; {contacts:N0} contacts, {events:N0} events");
        if (initial is not null)
            Console.WriteLine($"initial full score (version 1, empty score table): {initial.Contacts:N0} contacts, {initial.Changes:N0} score changes in {catchUp.Elapsed.TotalSeconds:0.0} s");
        else if (!large)
            Console.WriteLine($"backlog: {backlog:N0} events scored in {catchUp.Elapsed.TotalSeconds:0.0} s ({backlog / catchUp.Elapsed.TotalSeconds:N0} events/s)");

        var latencies = await OneEventLatenciesAsync(database, worker, () => $"c{random.Next(contacts)}", large ? 20 : 200);
        Console.WriteLine($"one event: median {latencies[latencies.Count / 2]:0.0} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:0.0} ms ({latencies.Count} runs)");

        await using var query = database.Open();
        var connection = query.Database.GetDbConnection();
        await query.Database.OpenConnectionAsync();
        // One instant for both queries' "within 30 days" (a count at 1M takes seconds, and the window moves meanwhile).
        var clock = new FixedClock(DateTime.UtcNow);
        var since = clock.GetUtcNow().UtcDateTime.AddDays(-30);
        object sinceParameter = database.Engine == DatabaseEngine.Sqlite ? EventStore.SqliteInstant(since) : since;
        var pathTest = database.Engine == DatabaseEngine.Sqlite ? "json_extract(e.payload, '$.properties.path') LIKE '%/pricing%'" : "(e.payload::jsonb -> 'properties' ->> 'path') LIKE '%/pricing%'";
        var handWritten = $"""
            SELECT COUNT(*) FROM contacts c JOIN accounts a ON a.id = c.account_id
            WHERE a.employees >= 200
              AND c.id IN (SELECT e.contact_id FROM events e WHERE e.name = 'Page Viewed' AND e.timestamp >= @since AND {pathTest}
                           GROUP BY e.contact_id HAVING COUNT(*) >= 2)
            """;
        var filter = SegmentParser.Parse(Filter);
        long segmentCount = 0, handCount = 0;
        var segmentTimes = new List<double>();
        var handTimes = new List<double>();
        for (var run = 0; run < 5; run++)
        {
            var s = Stopwatch.StartNew();
            segmentCount = await SegmentQueries.CountAsync(query, filter, clock, default);
            segmentTimes.Add(s.Elapsed.TotalMilliseconds);
            var h = Stopwatch.StartNew();
            handCount = await connection.ExecuteScalarAsync<long>(handWritten, new { since = sinceParameter });
            handTimes.Add(h.Elapsed.TotalMilliseconds);
        }
        segmentTimes.Sort();
        handTimes.Sort();
        Console.WriteLine($"segment count {segmentCount:N0}: median {segmentTimes[2]:0} ms; hand-written SQL {handCount:N0}: median {handTimes[2]:0} ms (5 runs)");
        // A rescore after a model change that leaves every rule as it was (another MQL threshold): rules keep their
        // score changes. Then a model that changes every rule (each one's points + 1): every rule is recomputed.
        ScoringModel current;
        await using (var ef = database.Open())
            current = (await ScoringModels.CurrentAsync(ef, TimeProvider.System, default)).Model;
        var thresholdOnly = current with { MqlThreshold = current.MqlThreshold + 1 };
        var everyRule = thresholdOnly with
        {
            Fit = thresholdOnly.Fit.Select(r => r with { Points = r.Points + 1 }).ToArray(),
            Engagement = thresholdOnly.Engagement.Select(r => r with { Points = r.Points + 1 }).ToArray(),
        };
        var (kept, keptTime) = await TimedRescoreAsync(database, worker, thresholdOnly);
        Console.WriteLine($"rescore, threshold changed: {kept.RulesKept} rules kept, {kept.Contacts:N0} contacts scored, {kept.Changes:N0} score changes written in {keptTime:0.0} s");
        var (full, fullTime) = await TimedRescoreAsync(database, worker, everyRule);
        Console.WriteLine($"rescore, every rule changed (full recompute): {full.Contacts:N0} contacts, {full.Changes:N0} score changes in {fullTime:0.0} s");
        return segmentCount == handCount ? 0 : 2;
    }

    /// <summary>
    /// One event's added latency on a database built elsewhere (the issue 8 seed: 1M contacts, 24.5M events): the
    /// worker's cursor is put after the last stored event (the backlog is not scored), then single events are timed.
    /// </summary>
    public static async Task<int> OneEventAsync(string db, int runs)
    {
        var database = Database.Parse(db);
        await database.MigrateAsync();
        await MoveCursorToEndAsync(database);
        List<string> ids;
        await using (var ef = database.Open())
            ids = await ef.Contacts.OrderBy(c => c.Id).Select(c => c.Id).Take(10_000).ToListAsync();
        var random = new Random(7);
        var worker = new ScoringWorker(database, TimeProvider.System, ScoringOptions.Default with { PostgresSettle = TimeSpan.Zero }, NullLogger<ScoringWorker>.Instance);
        var latencies = await OneEventLatenciesAsync(database, worker, () => ids[random.Next(ids.Count)], runs);
        Console.WriteLine($"engine {database.Engine}; one event: median {latencies[latencies.Count / 2]:0.0} ms, " +
            $"p99 {latencies[(int)(latencies.Count * 0.99)]:0.0} ms, max {latencies[^1]:0.0} ms ({runs} runs)");
        return 0;
    }

    /// <summary>
    /// A full recompute on a database built elsewhere (the issue 8 seed): a new version with every rule's points + 1,
    /// so no rule keeps its score changes, rescored from every event the worker has read.
    /// </summary>
    public static async Task<int> FullRescoreAsync(string db)
    {
        var database = Database.Parse(db);
        await database.MigrateAsync();
        await MoveCursorToEndAsync(database);
        ScoringModel current;
        await using (var ef = database.Open())
            current = (await ScoringModels.CurrentAsync(ef, TimeProvider.System, default)).Model;
        var everyRule = current with
        {
            Fit = current.Fit.Select(r => r with { Points = r.Points + 1 }).ToArray(),
            Engagement = current.Engagement.Select(r => r with { Points = r.Points + 1 }).ToArray(),
        };
        var worker = new ScoringWorker(database, TimeProvider.System, ScoringOptions.Default, NullLogger<ScoringWorker>.Instance);
        var (full, seconds) = await TimedRescoreAsync(database, worker, everyRule);
        Console.WriteLine($"engine {database.Engine}; rescore, every rule changed (full recompute): {full.Contacts:N0} contacts, " +
            $"{full.Changes:N0} score changes in {seconds:0.0} s ({full.Changes / seconds:N0} changes/s)");
        return 0;
    }

    /// <summary>Commits one event at a time and times the worker's batch that scores it; sorted.</summary>
    private static async Task<List<double>> OneEventLatenciesAsync(Database database, ScoringWorker worker, Func<string> contact, int runs)
    {
        var latencies = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            await using (var ef = database.Open())
            {
                ef.Events.Add(new TrackedEvent
                {
                    MessageId = $"live-{Guid.NewGuid():N}", Type = "track", Name = "Webinar Attended", ContactId = contact(),
                    Timestamp = DateTime.UtcNow, ReceivedAt = DateTime.UtcNow, Payload = "{\"properties\":{}}",
                });
                await ef.SaveChangesAsync();
            }
            var one = Stopwatch.StartNew();
            await worker.ScoreNextBatchAsync(default);
            latencies.Add(one.Elapsed.TotalMilliseconds);
        }
        latencies.Sort();
        return latencies;
    }

    private static async Task<(RescoreResult Result, double Seconds)> TimedRescoreAsync(Database database, ScoringWorker worker, ScoringModel model)
    {
        int version;
        await using (var ef = database.Open())
            version = (await ScoringModels.AddAsync(ef, model, TimeProvider.System, default)).Version;
        var time = Stopwatch.StartNew();
        var result = await worker.RescoreAsync(version, default);
        return (result, time.Elapsed.TotalSeconds);
    }

    /// <summary>Marks every stored event as read by the worker; false when scoring has run already.</summary>
    private static async Task<bool> MoveCursorToEndAsync(Database database)
    {
        await using var ef = database.Open();
        await ScoringModels.CurrentAsync(ef, TimeProvider.System, default);
        if (await ef.Set<ScoreChange>().AnyAsync() || await ef.Set<ScoringCursor>().AnyAsync()) return false;
        var last = await ef.Events.OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.MessageId).Select(e => new { e.ReceivedAt, e.MessageId }).FirstAsync();
        ef.Add(new ScoringCursor { Name = ScoringWorker.EventsCursor, ReceivedAt = last.ReceivedAt, MessageId = last.MessageId });
        await ef.SaveChangesAsync();
        return true;
    }
}
