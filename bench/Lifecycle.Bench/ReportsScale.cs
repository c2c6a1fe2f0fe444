using System.Diagnostics;
using System.Globalization;
using Lifecycle.Reports;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Database = Lifecycle.Storage.Database;

namespace Lifecycle.Bench;

/// <summary>
/// Issue 8's targets on a seeded database, with every available metric (ReportsBaseline times twelve against DuckDB):
/// the lifecycle report of one closed month and a monthly trend, each cold (report_cache emptied, so every month is
/// computed and kept again) and with the closed months kept; then freshness: page views committed through the
/// ingest path (EventStore), then the current month's report at once, which must count every one of them.
/// </summary>
public static class ReportsScale
{
    private const int FreshPageViews = 100;

    public static async Task<int> RunAsync(string connection, string closedMonth, string firstMonth, int months, int runs)
    {
        var database = Database.Parse(connection);
        await database.MigrateAsync(); // a database seeded by an older build
        var all = MetricCatalog.Available.ToList();
        var month = Month(closedMonth);
        var first = Month(firstMonth);
        Console.WriteLine($"engine {database.Engine}; {all.Count} metrics; median of {runs} runs kept, one run cold");
        await TimeAsync(database, $"one month {closedMonth}", new ReportPeriod(month, month.AddMonths(1), TimeZoneInfo.Utc), all, runs);
        await TimeAsync(database, $"{months} months from {firstMonth}", new ReportPeriod(first, first.AddMonths(months), TimeZoneInfo.Utc), all, runs);
        return await FreshnessAsync(database, all, runs) ? 0 : 2;
    }

    private static async Task TimeAsync(Database database, string label, ReportPeriod period, List<MetricDefinition> metrics, int runs)
    {
        // REPORTS_NOW=<instant> runs every report at that instant, so values kept by an earlier run at it stay valid
        // (the seeded demo stamps rows up to the end of its last month: values reading later data expire within minutes).
        var now = Environment.GetEnvironmentVariable("REPORTS_NOW") is { Length: > 0 } fixedNow
            ? DateTime.Parse(fixedNow, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)
            : DateTime.UtcNow;
        // KEPT_ONLY=1 leaves report_cache as it is (kept by an earlier run), to time or profile the kept case alone.
        double? cold = Environment.GetEnvironmentVariable("KEPT_ONLY") == "1" ? null : await ReportAsync(database, period, metrics, now, emptyCache: true);
        var kept = new List<double>();
        for (var run = 0; run < runs; run++) kept.Add(await ReportAsync(database, period, metrics, now, emptyCache: false));
        kept.Sort();
        Console.WriteLine($"{label}: cold {(cold is { } c ? $"{c:N0} ms" : "not run")}, closed months kept {kept[kept.Count / 2]:N0} ms (min {kept[0]:N0}, max {kept[^1]:N0})");
    }

    private static async Task<double> ReportAsync(Database database, ReportPeriod period, List<MetricDefinition> metrics, DateTime now, bool emptyCache)
    {
        await using var db = database.Open();
        if (emptyCache) await db.Set<CachedReportValue>().ExecuteDeleteAsync();
        var watch = Stopwatch.StartNew();
        await new LifecycleReports(db, new FixedClock(now), ChannelMapping.Default, ReportSettings.Default).RowsAsync(period, metrics, null);
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>
    /// Commits page views of existing contacts, stamped a second ago, then runs the current month's report at once:
    /// the time from the commit to the report's answer is what a user waits to see them. True when every run counted
    /// exactly the page views it committed.
    /// </summary>
    private static async Task<bool> FreshnessAsync(Database database, List<MetricDefinition> metrics, int runs)
    {
        List<string> contacts;
        await using (var db = database.Open())
            contacts = await db.Contacts.OrderBy(c => c.Id).Select(c => c.Id).Take(FreshPageViews).ToListAsync();
        var times = new List<double>();
        var exact = true;
        for (var run = 0; run < runs; run++)
        {
            // Both reports at one instant: the seeded demo holds page views stamped later in the month, which would
            // otherwise come into view between them.
            var now = DateTime.UtcNow;
            var before = await PageViewsThisMonthAsync(database, metrics, now);
            var rows = contacts.Select(c => new EventRow($"fresh-{Guid.NewGuid():N}", "page", "Page Viewed", c, null, null, null,
                now.AddSeconds(-1), now, TimestampFlag.None, """{"type":"page","properties":{"path":"/pricing","url":"https://example.test/pricing"}}""")).ToList();
            await using (var db = database.Open())
            {
                await db.Database.OpenConnectionAsync();
                await using var transaction = await db.Database.BeginTransactionAsync();
                await EventStore.InsertNewAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), rows, default);
                await transaction.CommitAsync();
            }
            var watch = Stopwatch.StartNew();
            var after = await PageViewsThisMonthAsync(database, metrics, now);
            times.Add(watch.Elapsed.TotalMilliseconds);
            if (after - before != FreshPageViews)
            {
                Console.WriteLine($"freshness run {run + 1}: the report counted {after - before} of {FreshPageViews} new page views");
                exact = false;
            }
        }
        times.Sort();
        Console.WriteLine($"freshness ({FreshPageViews} page views committed, then the current month's report of every metric): " +
            $"median {times[times.Count / 2]:N0} ms, max {times[^1]:N0} ms; {(exact ? "every run counted them all" : "SOME RUN MISSED EVENTS")}");
        return exact;
    }

    private static async Task<long> PageViewsThisMonthAsync(Database database, List<MetricDefinition> metrics, DateTime now)
    {
        var month = new DateOnly(now.Year, now.Month, 1);
        await using var db = database.Open();
        var rows = await new LifecycleReports(db, new FixedClock(now), ChannelMapping.Default, ReportSettings.Default)
            .RowsAsync(new ReportPeriod(month, month.AddMonths(1), TimeZoneInfo.Utc), metrics, null);
        return Convert.ToInt64(rows.Single(r => r.Metric == "attract.page_views").Value, CultureInfo.InvariantCulture);
    }

    private static DateOnly Month(string text) => DateOnly.ParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
}
