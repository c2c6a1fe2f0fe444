using System.Net;
using System.Text.Json;
using Lifecycle.Contacts;
using Lifecycle.Reports;
using Lifecycle.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Lifecycle.Tests.Reports.ReportDataset;

namespace Lifecycle.Tests.Reports;

public class ForecastTests
{
    private static long _id;

    private static IEnumerable<TransitionFact> Contact(string id, params (ContactStatus To, string At)[] steps) =>
        steps.Select(s => new TransitionFact(++_id, id, null, s.To, At(s.At), null));

    [Fact]
    public void Open_funnel_times_historical_probability_within_the_horizon_times_average_deal()
    {
        // Now 2026-07-01, horizon 3 months, lookback 6: history entries from [2025-10-01, 2026-04-01), each with 3 months to convert.
        var transitions = new[]
        {
            Contact("h1", (ContactStatus.Lead, "2025-11-01"), (ContactStatus.Customer, "2025-11-20")),  // lead → customer within 1 month
            Contact("h2", (ContactStatus.Lead, "2025-12-01"), (ContactStatus.Customer, "2026-02-15")),  // within 3 (02-01 < 02-15 ≤ 03-01)
            Contact("h3", (ContactStatus.Lead, "2026-01-10"), (ContactStatus.Customer, "2026-06-01")),  // too late: after 04-10
            Contact("h4", (ContactStatus.Lead, "2026-02-01")),                                           // never; open lead now
            Contact("h5", (ContactStatus.Lead, "2026-05-01")),                                           // too young for history; open lead
            Contact("h6", (ContactStatus.Mql, "2025-10-15"), (ContactStatus.Customer, "2025-12-01")),   // mql → customer within 2 months
            Contact("h7", (ContactStatus.Mql, "2026-03-31")),                                            // never; open mql
            Contact("h8", (ContactStatus.Lead, "2025-09-01"), (ContactStatus.Mql, "2025-09-15"), (ContactStatus.Customer, "2025-10-20")), // before the window
            Contact("h9", (ContactStatus.Sql, "2026-06-15")),                                            // open sql, no sql history
            Contact("h11", (ContactStatus.Lead, "2026-06-01"), (ContactStatus.Customer, "2026-07-15")), // the win is after now: an open lead
            Contact("h12", (ContactStatus.Lead, "2025-10-05"), (ContactStatus.Recycled, "2025-11-01")),  // a lead entry that never won; recycled is not open
        }.SelectMany(c => c);

        var forecast = Forecast.Compute(transitions, [10000m, 20000m, 6000m], At("2026-07-01"), horizonMonths: 3, lookbackMonths: 6);

        Assert.Equal((At("2025-10-01"), At("2026-04-01")), (forecast.HistoryFrom, forecast.HistoryTo));
        // Lead entries in the window: h1, h2, h3, h4, h12 = 5; won within 1 month: h1; within 2: h1; within 3: h1, h2.
        // p(1) = 1/5, p(2) = 1/5, p(3) = 2/5. Open leads: h4, h5, h11 = 3.
        var lead = forecast.Stages.Single(s => s.Stage == "lead");
        Assert.Equal((3, 5, 0.4), (lead.Open, lead.HistoryEntries, lead.Probability!.Value));
        Assert.Equal(1.2, lead.ExpectedCustomers, 12);
        // Mql entries: h6 (won within 2 months), h7 = 2 (h8's is before the window): p(1) = 0, p(2) = p(3) = 1/2; open: h7.
        var mql = forecast.Stages.Single(s => s.Stage == "mql");
        Assert.Equal((1, 2, 0.5, 0.5), (mql.Open, mql.HistoryEntries, mql.Probability!.Value, mql.ExpectedCustomers));
        // Sql: one open, no history: probability null, nothing expected.
        var sql = forecast.Stages.Single(s => s.Stage == "sql");
        Assert.Equal((1, 0, (double?)null, 0d), (sql.Open, sql.HistoryEntries, sql.Probability, sql.ExpectedCustomers));

        // Cumulative: within 1 month 3 × 1/5 + 1 × 0 = 0.6; within 2: 0.6 + 0.5 = 1.1; within 3: 3 × 2/5 + 0.5 = 1.7.
        // By month: 0.6, 0.5, 0.6. Average new deal (10000 + 20000 + 6000) / 3 = 12000: bookings 7200, 6000, 7200; total 20400.
        Assert.Equal(1.7, forecast.ExpectedCustomers, 12);
        Assert.Equal(12000m, forecast.AverageDealSize);
        Assert.Equal(20400m, forecast.ExpectedBookings);
        Assert.Equal([(1, 0.6, 7200m), (2, 0.5, 6000m), (3, 0.6, 7200m)],
            forecast.Months.Select(m => (m.MonthAhead, Math.Round(m.ExpectedCustomers, 12), m.ExpectedBookings!.Value)));
    }

    [Fact]
    public void Without_history_or_deals_the_forecast_is_zero_customers_and_null_bookings()
    {
        var forecast = Forecast.Compute(Contact("x", (ContactStatus.Lead, "2026-06-01")), [], At("2026-07-01"), 2, 12);
        Assert.Equal(0, forecast.ExpectedCustomers);
        Assert.Null(forecast.ExpectedBookings);
        Assert.Null(forecast.AverageDealSize);
        Assert.Equal([1, 2], forecast.Months.Select(m => m.MonthAhead));
        Assert.Equal(1, forecast.Stages.Single(s => s.Stage == "lead").Open);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Forecast_endpoint_reads_the_open_funnel_of_the_dataset(string engine)
    {
        var clock = new FixedClock(At("2026-02-15"));
        await using var server = await RunningServer.StartAsync(engine, b => b.Services.AddSingleton<TimeProvider>(clock), "--Lifecycle:Reports:Worker=false");
        await using (var db = server.Database.Database.Open()) await SeedAsync(db);
        var response = await server.Client.GetAsync("/api/reports/forecast?months=1&lookback=2");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var forecast = JsonDocument.Parse(body).RootElement;
        // History: the 2 lookback months that end a month before now, [2025-11-15, 2026-01-15), each entry with one month to convert.
        // Winners: c01 (customer 01-20, within a month of each of its entries) and c09 (customer 01-10: its sql 12-10 converts at
        // exactly one month, inclusive, its opportunity 12-11 within; its mql 12-01 and sal 12-02 not).
        // inquiry c01 c02 c03 c04 c07 → 1/5; lead c01 c02 c03 c04 c07 → 1/5; mql c01 c02 c03 c08 c09 → 1/5; sal the same → 1/5;
        // sql c01 c09 → 2/2; opportunity c01 c09 → 2/2.
        // Open now: inquiry c14 c15, lead c04 c06 c07, mql c03, sal c02 (c08 is recycled): 2/5 + 3/5 + 1/5 + 1/5 = 1.4 customers.
        var stages = forecast.GetProperty("stages").EnumerateArray().ToDictionary(s => s.GetProperty("stage").GetString()!);
        Assert.Equal([2, 3, 1, 1, 0, 0], new[] { "inquiry", "lead", "mql", "sal", "sql", "opportunity" }.Select(s => stages[s].GetProperty("open").GetInt32()));
        Assert.Equal([5, 5, 5, 5, 2, 2], new[] { "inquiry", "lead", "mql", "sal", "sql", "opportunity" }.Select(s => stages[s].GetProperty("history_entries").GetInt32()));
        Assert.Equal([1, 1, 1, 1, 1], new[] { "lead", "mql", "sal", "sql", "opportunity" }.Select(s => stages[s].GetProperty("probability").GetDouble() * (s is "sql" or "opportunity" ? 1 : 5)));
        Assert.Equal(1.4, forecast.GetProperty("expected_customers").GetDouble(), 12);
        // New deals won in the lookback before now (since 2025-12-15): d9 20000, d1 10000, d11 6000 → 12000; 1.4 × 12000 = 16800.
        Assert.Equal(12000m, forecast.GetProperty("average_deal_size").GetDecimal());
        Assert.Equal(16800m, forecast.GetProperty("expected_bookings").GetDecimal());

        var bad = await server.Client.GetAsync("/api/reports/forecast?months=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("'0' is not a whole number of months from 1 to 24", await bad.Content.ReadAsStringAsync());
    }
}
