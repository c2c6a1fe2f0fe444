using System.Net;
using System.Text.Json;
using Lifecycle.Tests.Support;

namespace Lifecycle.Tests.Reports;

/// <summary>The report endpoints and the CLI on the dataset of <see cref="ReportDataset"/> (all of it closed before today).</summary>
public class ReportApiTests
{
    private static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<RunningServer> SeededServerAsync(string engine)
    {
        var server = await RunningServer.StartAsync(engine);
        await using var db = server.Database.Database.Open();
        await ReportDataset.SeedAsync(db);
        return server;
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Lifecycle_report_and_metric_rows_by_month_and_campaign(string engine)
    {
        await using var server = await SeededServerAsync(engine);
        var report = await Expect(await server.Client.GetAsync("/api/reports/lifecycle?from=2026-01-01&to=2026-02-01"), HttpStatusCode.OK);
        Assert.Equal(("2026-01-01", "2026-02-01"), (report.GetProperty("from").GetString(), report.GetProperty("to").GetString()));
        var metrics = report.GetProperty("metrics");
        Assert.Equal(7, metrics.GetProperty("capture.inquiries").GetInt32());
        Assert.Equal(10, metrics.GetProperty("convert.velocity.lead_to_mql").GetProperty("median_days").GetDouble(), 9);
        // The dataset has no programs and no forms: both per-item metrics are empty objects, not missing.
        Assert.Empty(metrics.GetProperty("nurture.program_steps").EnumerateObject());
        Assert.Empty(metrics.GetProperty("capture.form_conversion_rate").EnumerateObject());

        // Inquiry transitions cite: cmpA c02 c06 c14 c15 = 4; cmpB c03 c04 = 2; none c05 = 1. Cost per inquiry: 3100 / 4 = 775,
        // 620 / 2 = 310, 310 / 1 = 310; cmpC has neither cost nor inquiries: null.
        var rows = await Expect(await server.Client.GetAsync("/api/metrics?ids=capture.inquiries,capture.cost_per_inquiry&from=2026-01-01&to=2026-02-01&by=campaign"), HttpStatusCode.OK);
        var values = rows.EnumerateArray().ToDictionary(r => (r.GetProperty("metric").GetString(), r.GetProperty("dimension").GetString()), r => r.GetProperty("value"));
        Assert.All(rows.EnumerateArray(), r => Assert.Equal("2026-01", r.GetProperty("period").GetString()));
        Assert.Equal((4, 2, 0, 1), (values[("capture.inquiries", "cmpA")].GetInt32(), values[("capture.inquiries", "cmpB")].GetInt32(),
            values[("capture.inquiries", "cmpC")].GetInt32(), values[("capture.inquiries", "(none)")].GetInt32()));
        Assert.Equal((775m, 310m, 310m), (values[("capture.cost_per_inquiry", "cmpA")].GetDecimal(), values[("capture.cost_per_inquiry", "cmpB")].GetDecimal(),
            values[("capture.cost_per_inquiry", "(none)")].GetDecimal()));
        Assert.Equal(JsonValueKind.Null, values[("capture.cost_per_inquiry", "cmpC")].ValueKind);

        // Monthly rows across a boundary: [01-16, 02-15) is January's second half (3100 + 620 + 310) × 16/31 = 2080 and
        // February's first two weeks 2800 × 14/28 = 1400.
        var monthly = await Expect(await server.Client.GetAsync("/api/metrics?ids=cost.total&from=2026-01-16&to=2026-02-15"), HttpStatusCode.OK);
        Assert.Equal([("2026-01", 2080m), ("2026-02", 1400m)], monthly.EnumerateArray().Select(r => (r.GetProperty("period").GetString(), r.GetProperty("value").GetDecimal())));
        Assert.All(monthly.EnumerateArray(), r => Assert.Equal(JsonValueKind.Null, r.GetProperty("dimension").ValueKind));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Drill_down_lists_the_rows_behind_a_number(string engine)
    {
        await using var server = await SeededServerAsync(engine);
        async Task<JsonElement[]> Rows(string id) =>
            (await Expect(await server.Client.GetAsync($"/api/metrics/{id}/rows?from=2026-01-01&to=2026-02-01"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().ToArray();

        // convert.win_rate 2/3: the SQL entries c01 (01-08, won), c08 (01-22, not), c05 (01-25, won), oldest first.
        var win = await Rows("convert.win_rate");
        Assert.Equal([("c01", true), ("c08", false), ("c05", true)], win.Select(r => (r.GetProperty("contact_id").GetString(), r.GetProperty("reached").GetBoolean())));
        // lead -> mql velocity: c03 1, c01 15, c08 71, c02 10, c03 5.25 days, in the order of the mql entries.
        Assert.Equal([1, 15, 71, 10, 5.25], (await Rows("convert.velocity.lead_to_mql")).Select(r => Math.Round(r.GetProperty("days").GetDouble(), 9)));
        // churn 2/4: acc3 and acc7 churned, acc4 and acc5 did not.
        Assert.Equal([("acc3", true), ("acc4", false), ("acc5", false), ("acc7", true)],
            (await Rows("expand.churn_rate")).Select(r => (r.GetProperty("account_id").GetString(), r.GetProperty("churned").GetBoolean())));
        // cost.total 4030: the three January lines (December's and February's contribute nothing).
        Assert.Equal([3100m, 620m, 310m], (await Rows("cost.total")).Select(r => r.GetProperty("in_period").GetDecimal()).OrderByDescending(v => v));

        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/metrics/nurture.nope/rows?from=2026-01-01&to=2026-02-01")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await server.Client.GetAsync("/api/metrics/nurture.email/rows?from=2026-01-01&to=2026-02-01")).StatusCode);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Bad_parameters_are_problems_naming_the_field(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        async Task<string[]> Errors(string url, string field)
        {
            var response = await server.Client.GetAsync(url);
            var problem = await Expect(response, HttpStatusCode.BadRequest);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()!).ToArray();
        }
        Assert.Contains("required (a day YYYY-MM-DD)", await Errors("/api/reports/lifecycle?to=2026-02-01", "from"));
        Assert.Contains("'2026-02-30' is not a day YYYY-MM-DD", await Errors("/api/reports/lifecycle?from=2026-01-01&to=2026-02-30", "to"));
        Assert.Contains("'nurture.nope' is not a metric id", await Errors("/api/metrics?ids=nurture.nope&from=2026-01-01&to=2026-02-01", "ids"));
        Assert.Contains("'sideways' is not one of campaign, channel, source, segment, owner", await Errors("/api/metrics?from=2026-01-01&to=2026-02-01&by=sideways", "by"));
        Assert.Contains("'expand.nps' cannot be broken down by campaign", await Errors("/api/metrics?ids=expand.nps&from=2026-01-01&to=2026-02-01&by=campaign", "by"));

        var catalog = await Expect(await server.Client.GetAsync("/api/metrics/catalog"), HttpStatusCode.OK);
        var score = catalog.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "nurture.program_steps");
        Assert.True(score.GetProperty("available").GetBoolean());
    }

    [Fact]
    public async Task Cli_prints_json_csv_and_rejects_bad_days()
    {
        await using var database = await TestDatabase.CreateAsync("sqlite");
        await using (var db = database.Database.Open()) await ReportDataset.SeedAsync(db);
        var connection = database.Database.ConnectionString;

        var json = await CliProcess.RunAsync("report", "lifecycle", "--from", "2026-01-01", "--to", "2026-02-01", "--json", "--db", connection);
        Assert.True(json.ExitCode == 0, json.Stderr);
        var metrics = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("metrics");
        Assert.Equal(5, metrics.GetProperty("nurture.mqls").GetInt32());

        var csv = await CliProcess.RunAsync("report", "lifecycle", "--from", "2026-01-01", "--to", "2026-02-01", "--csv", "--db", connection);
        Assert.Equal(0, csv.ExitCode);
        var lines = csv.Stdout.Split('\n');
        Assert.Equal("metric,value", lines[0]);
        var p90 = lines.Single(l => l.StartsWith("convert.velocity.lead_to_mql.p90_days,", StringComparison.Ordinal)).Split(',')[1];
        Assert.Equal(48.6, double.Parse(p90, System.Globalization.CultureInfo.InvariantCulture), 9);
        Assert.Contains("expand.nps.verbatims.0.comment,Too expensive", lines);

        // Tokyo: 6 inquiries (see LifecycleReportTests).
        var tokyo = await CliProcess.RunAsync("report", "lifecycle", "--from", "2026-01-01", "--to", "2026-02-01", "--json", "--time-zone", "Asia/Tokyo", "--db", connection);
        Assert.Equal(6, JsonDocument.Parse(tokyo.Stdout).RootElement.GetProperty("metrics").GetProperty("capture.inquiries").GetInt32());

        var bad = await CliProcess.RunAsync("report", "lifecycle", "--from", "2026-01-01", "--to", "2026-1-5", "--db", connection);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--to: '2026-1-5' is not a day YYYY-MM-DD", bad.Stderr);
        var zone = await CliProcess.RunAsync("report", "lifecycle", "--from", "2026-01-01", "--to", "2026-02-01", "--time-zone", "Mars/Base", "--db", connection);
        Assert.Equal(1, zone.ExitCode);
    }
}
