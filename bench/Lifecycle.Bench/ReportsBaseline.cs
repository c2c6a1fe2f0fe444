using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Lifecycle.Reports;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Bench;

/// <summary>
/// A monthly trend of the core lifecycle counts (issue 8): Lifecycle's catalog (LifecycleReports.RowsAsync, as the API
/// and the dashboard run it; cold, then with the closed months kept in report_cache) against DuckDB with hand-written SQL over the same rows, copied into an in-memory DuckDB
/// first (the copy is timed apart). Both read what was known at one instant, in UTC months. Prints each side's median
/// of <c>runs</c>, the ratio, and every month where the two disagree, so the baseline also checks the numbers.
/// </summary>
public static class ReportsBaseline
{
    private static readonly string[] Metrics =
    [
        "attract.page_views", "attract.unique_visitors", "attract.visits", "capture.inquiries", "nurture.new_leads", "nurture.mqls",
        "convert.sals", "convert.sqls", "convert.opportunities", "convert.customer_contacts", "convert.new_customers", "convert.average_deal_size",
    ];

    public static async Task<int> RunAsync(string connection, string firstMonth, int months, int runs)
    {
        var first = DateOnly.ParseExact(firstMonth + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var period = new ReportPeriod(first, first.AddMonths(months), TimeZoneInfo.Utc);
        var (from, to) = (period.From, period.To);
        var now = DateTime.UtcNow;
        var database = Database.Parse(connection);
        await database.MigrateAsync(); // a database seeded by an older build
        var metrics = Metrics.Select(id => MetricCatalog.Find(id)!).ToList();

        // Cold: report_cache emptied before each run, so every month is computed (and kept again). Kept: the closed
        // months come from report_cache, as the dashboard and the API read them after the first report.
        var coldTimes = new List<double>();
        var keptTimes = new List<double>();
        List<MetricRow> rows = [];
        foreach (var times in new[] { coldTimes, keptTimes })
            for (var run = 0; run < runs; run++)
            {
                await using var db = database.Open();
                if (times == coldTimes) await db.Set<CachedReportValue>().ExecuteDeleteAsync();
                var reports = new LifecycleReports(db, new FixedClock(now), ChannelMapping.Default, ReportSettings.Default);
                var watch = Stopwatch.StartNew();
                rows = await reports.RowsAsync(period, metrics, null);
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        var lifecycle = rows.ToDictionary(r => (r.Metric, r.Period), r => Convert.ToDouble(r.Value ?? double.NaN, CultureInfo.InvariantCulture));

        using var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        var copy = Stopwatch.StartNew();
        await using (var db = database.Open())
        {
            var source = db.Database.GetDbConnection();
            await source.OpenAsync();
            await CopyAsync(source, duck, "page_views (visitor VARCHAR, ts TIMESTAMP)",
                "SELECT coalesce(contact_id, anonymous_id, user_id), \"timestamp\" FROM events WHERE name = 'Page Viewed' AND coalesce(contact_id, anonymous_id, user_id) IS NOT NULL");
            await CopyAsync(source, duck, "transitions (contact_id VARCHAR, to_status VARCHAR, entered TIMESTAMP)",
                "SELECT contact_id, to_status, at FROM transitions");
            await CopyAsync(source, duck, "won_deals (account_id VARCHAR, amount DECIMAL(18,2), closed_at TIMESTAMP)",
                "SELECT account_id, amount, closed_at FROM deals WHERE outcome = 'won' AND closed_at IS NOT NULL");
        }
        var copied = copy.Elapsed;

        var duckTimes = new List<double>();
        Dictionary<(string, string), double> baseline = [];
        for (var run = 0; run < runs; run++)
        {
            var watch = Stopwatch.StartNew();
            baseline = Query(duck, from, to, now);
            duckTimes.Add(watch.Elapsed.TotalMilliseconds);
        }

        var mismatches = 0;
        foreach (var (month, _) in period.Months())
            foreach (var id in Metrics)
            {
                var ours = lifecycle.GetValueOrDefault((id, month), double.NaN);
                var theirs = baseline.GetValueOrDefault((id, month), id == "convert.average_deal_size" ? double.NaN : 0);
                if (!(Math.Abs(ours - theirs) <= 0.005 || (double.IsNaN(ours) && double.IsNaN(theirs))))
                {
                    Console.WriteLine($"differs: {id} {month}: lifecycle {ours}, duckdb {theirs}");
                    mismatches++;
                }
            }
        double Median(List<double> times) => times.Order().ElementAt(times.Count / 2);
        Console.WriteLine($"{database.Engine}: {months} months from {firstMonth}, {Metrics.Length} metrics, as of {now:yyyy-MM-dd HH:mm:ss}Z, median of {runs}");
        Console.WriteLine($"  lifecycle, cold (no kept month) {Median(coldTimes),8:F0} ms");
        Console.WriteLine($"  lifecycle, closed months kept   {Median(keptTimes),8:F0} ms");
        Console.WriteLine($"  duckdb (hand-written SQL)       {Median(duckTimes),8:F0} ms   (copying the rows in took {copied.TotalMilliseconds:F0} ms)");
        Console.WriteLine($"  ratio lifecycle / duckdb        {Median(coldTimes) / Median(duckTimes),8:F1}x cold, {Median(keptTimes) / Median(duckTimes):F1}x kept");
        Console.WriteLine(mismatches == 0 ? "  every value agrees" : $"  {mismatches} values differ");
        return mismatches == 0 ? 0 : 1;
    }

    private static async Task CopyAsync(DbConnection source, DuckDBConnection duck, string table, string select)
    {
        using (var create = duck.CreateCommand())
        {
            create.CommandText = $"CREATE TABLE {table}";
            create.ExecuteNonQuery();
        }
        await using var command = source.CreateCommand();
        command.CommandText = select;
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync();
        using var appender = duck.CreateAppender(table[..table.IndexOf(' ')]);
        while (await reader.ReadAsync())
        {
            var row = appender.CreateRow();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (reader.IsDBNull(i)) row.AppendNullValue();
                else if (reader.GetFieldType(i) == typeof(DateTime) || reader.GetName(i) is "timestamp" or "at" or "closed_at") row.AppendValue(reader.GetDateTime(i));
                else if (reader.GetName(i) == "amount") row.AppendValue(decimal.Parse(reader.GetValue(i).ToString()!, CultureInfo.InvariantCulture));
                else row.AppendValue(reader.GetString(i));
            }
            row.EndRow();
        }
    }

    /// <summary>The same counting rules as lifecycle.md §3, written by hand for DuckDB.</summary>
    private static Dictionary<(string, string), double> Query(DuckDBConnection duck, DateTime from, DateTime to, DateTime now)
    {
        string Instant(DateTime t) => $"TIMESTAMP '{t:yyyy-MM-dd HH:mm:ss.ffffff}'";
        var (f, t, n) = (Instant(from), Instant(to), Instant(now));
        var sql = $"""
            WITH pv AS (SELECT * FROM page_views WHERE ts <= {n}),
            hits AS (SELECT visitor, ts, lag(ts) OVER (PARTITION BY visitor ORDER BY ts) AS previous
                     FROM pv WHERE ts >= {f} - INTERVAL 30 MINUTE AND ts < {t}),
            tr AS (SELECT * FROM transitions WHERE entered <= {n}),
            first_entries AS (SELECT contact_id, to_status, min(entered) AS entered FROM tr GROUP BY ALL),
            wins AS (SELECT * FROM won_deals WHERE closed_at <= {n}),
            first_wins AS (SELECT account_id, min(closed_at) AS won FROM wins GROUP BY ALL)
            SELECT 'attract.page_views', date_trunc('month', ts), count(*) FROM pv WHERE ts >= {f} AND ts < {t} GROUP BY ALL
            UNION ALL SELECT 'attract.unique_visitors', date_trunc('month', ts), count(DISTINCT visitor) FROM pv WHERE ts >= {f} AND ts < {t} GROUP BY ALL
            UNION ALL SELECT 'attract.visits', date_trunc('month', ts), count(*) FROM hits
                      WHERE ts >= {f} AND (previous IS NULL OR ts - previous >= INTERVAL 30 MINUTE) GROUP BY ALL
            UNION ALL SELECT 'capture.inquiries', date_trunc('month', entered), count(*) FROM first_entries WHERE to_status = 'inquiry' AND entered >= {f} AND entered < {t} GROUP BY ALL
            UNION ALL SELECT 'nurture.new_leads', date_trunc('month', entered), count(*) FROM first_entries WHERE to_status = 'lead' AND entered >= {f} AND entered < {t} GROUP BY ALL
            UNION ALL SELECT CASE to_status WHEN 'mql' THEN 'nurture.mqls' WHEN 'sal' THEN 'convert.sals' WHEN 'sql' THEN 'convert.sqls'
                             WHEN 'opportunity' THEN 'convert.opportunities' ELSE 'convert.customer_contacts' END, date_trunc('month', entered), count(*)
                      FROM tr WHERE to_status IN ('mql', 'sal', 'sql', 'opportunity', 'customer') AND entered >= {f} AND entered < {t} GROUP BY ALL
            UNION ALL SELECT 'convert.new_customers', date_trunc('month', won), count(*) FROM first_wins WHERE won >= {f} AND won < {t} GROUP BY ALL
            UNION ALL SELECT 'convert.average_deal_size', date_trunc('month', closed_at), round(avg(amount), 2) FROM wins
                      WHERE closed_at >= {f} AND closed_at < {t} GROUP BY ALL
            """;
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new Dictionary<(string, string), double>();
        while (reader.Read())
            values[(reader.GetString(0), reader.GetDateTime(1).ToString("yyyy-MM", CultureInfo.InvariantCulture))] = Convert.ToDouble(reader.GetValue(2), CultureInfo.InvariantCulture);
        return values;
    }
}

/// <summary>A clock stopped at one instant: both sides of a comparison read what was known then.</summary>
internal sealed class FixedClock(DateTime utc) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => new(utc, TimeSpan.Zero);
}
