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
        Assert.False(metrics.TryGetProperty("nurture.lead_score_profile", out _));

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
        Assert.Contains("'nurture.lead_score_profile' is not yet available (its facts are not recorded yet)",
            await Errors("/api/metrics?ids=nurture.lead_score_profile&from=2026-01-01&to=2026-02-01", "ids"));
        Assert.Contains("'owner' is not one of campaign, channel, source", await Errors("/api/metrics?from=2026-01-01&to=2026-02-01&by=owner", "by"));
        Assert.Contains("'expand.nps' cannot be broken down by campaign", await Errors("/api/metrics?ids=expand.nps&from=2026-01-01&to=2026-02-01&by=campaign", "by"));

        var catalog = await Expect(await server.Client.GetAsync("/api/metrics/catalog"), HttpStatusCode.OK);
        var score = catalog.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "nurture.lead_score_profile");
        Assert.False(score.GetProperty("available").GetBoolean());
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
