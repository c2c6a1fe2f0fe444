using System.Net;
using Lifecycle.Tests.Support;
using MiniExcelLibs;

namespace Lifecycle.Tests.Reports;

/// <summary>The XLSX forms of the reports, read back cell by cell, on the dataset of <see cref="ReportDataset"/>.</summary>
public class ReportXlsxTests
{
    private static List<IDictionary<string, object?>> Sheet(byte[] workbook, string sheet)
    {
        using var stream = new MemoryStream(workbook);
        return stream.Query(useHeaderRow: true, sheetName: sheet).Cast<IDictionary<string, object?>>().ToList();
    }

    private static Dictionary<string, object?> Values(List<IDictionary<string, object?>> rows, string key = "metric", string value = "value") =>
        rows.ToDictionary(r => (string)r[key]!, r => r[value]);

    [Theory, ClassData(typeof(Engines))]
    public async Task Report_endpoints_answer_format_xlsx(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine, "--Lifecycle:Reports:Worker=false");
        await using (var db = server.Database.Database.Open()) await ReportDataset.SeedAsync(db);
        async Task<byte[]> Download(string url)
        {
            var response = await server.Client.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
            return await response.Content.ReadAsByteArrayAsync();
        }

        var lifecycle = await Download("/api/reports/lifecycle?from=2026-01-01&to=2026-02-01&format=xlsx");
        var metrics = Values(Sheet(lifecycle, "metrics"));
        // The numbers of LifecycleReportTests, as numeric cells: 7 inquiries, 5 MQLs, lead→MQL median 10 days, cost 4030.
        Assert.Equal(7d, metrics["capture.inquiries"]);
        Assert.Equal(5d, metrics["nurture.mqls"]);
        Assert.Equal(10d, (double)metrics["convert.velocity.lead_to_mql.median_days"]!, 9);
        Assert.Equal(4030d, metrics["cost.total"]);
        Assert.Equal("Too expensive", metrics["expand.nps.verbatims.0.comment"]);
        // Objects flatten to dotted names: the referral group's average deal size is c05's d11, 6000.
        Assert.Equal(6000d, metrics["expand.referrals.referral.average_deal_size"]);
        var about = Values(Sheet(lifecycle, "about"), "name");
        Assert.Equal(("2026-01-01", "2026-02-01", "UTC"), ((string?)about["from"], (string?)about["to"], (string?)about["time_zone"]));

        // Metric rows by campaign: the same cells as the JSON rows of ReportApiTests (cost per inquiry cmpA 775, cmpC empty).
        var rows = Sheet(await Download("/api/metrics?ids=capture.inquiries,capture.cost_per_inquiry&from=2026-01-01&to=2026-02-01&by=campaign&format=xlsx"), "metrics");
        var byCampaign = rows.ToDictionary(r => ((string)r["metric"]!, (string)r["dimension"]!), r => r["value"]);
        Assert.Equal((4d, 775d), (byCampaign[("capture.inquiries", "cmpA")], byCampaign[("capture.cost_per_inquiry", "cmpA")]));
        Assert.Null(byCampaign[("capture.cost_per_inquiry", "cmpC")]);
        Assert.All(rows, r => Assert.Equal("2026-01", r["period"]));

        // The period funnel: entries of January per stage (inquiry 7, lead 6 = 5 new + c03's reopening, mql 5).
        var steps = Sheet(await Download("/api/reports/funnel?mode=period&from=2026-01-01&to=2026-02-01&format=xlsx"), "steps");
        Assert.Equal(["inquiry", "lead", "mql", "sal", "sql", "opportunity", "customer"], steps.Select(s => (string)s["stage"]!));
        Assert.Equal([7d, 6d, 5d], steps.Take(3).Select(s => s["count"]));

        var bad = await server.Client.GetAsync("/api/reports/lifecycle?from=2026-01-01&to=2026-02-01&format=pdf");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("'pdf' is not one of json, xlsx", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cli_writes_the_workbook_to_the_file_given()
    {
        await using var database = await TestDatabase.CreateAsync("sqlite");
        await using (var db = database.Database.Open()) await ReportDataset.SeedAsync(db);
        var file = Path.Combine(Path.GetTempPath(), $"lifecycle-{Guid.NewGuid():N}.xlsx");
        try
        {
            var run = await CliProcess.RunAsync("report", "lifecycle", "--from", "2026-01-01", "--to", "2026-02-01", "--xlsx", file, "--db", database.Database.ConnectionString);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var metrics = Values(Sheet(await File.ReadAllBytesAsync(file), "metrics"));
            // 48.6 days: the p90 of lead→mql of the CSV test; churn 2 / 4 = 0.5 as a fraction.
            Assert.Equal(48.6, (double)metrics["convert.velocity.lead_to_mql.p90_days"]!, 9);
            Assert.Equal(0.5, metrics["expand.churn_rate"]);

            var both = await CliProcess.RunAsync("report", "lifecycle", "--from", "2026-01-01", "--to", "2026-02-01", "--xlsx", file, "--json", "--db", database.Database.ConnectionString);
            Assert.Equal(1, both.ExitCode);
            Assert.Contains("choose one", both.Stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
