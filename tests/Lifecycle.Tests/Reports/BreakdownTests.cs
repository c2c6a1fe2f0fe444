using System.Net;
using System.Text.Json;
using Lifecycle.Contacts;
using Lifecycle.Segments;
using Lifecycle.Tests.Support;

namespace Lifecycle.Tests.Reports;

/// <summary>Breakdowns by owner and segment through the catalog, on the dataset of <see cref="ReportDataset"/>.</summary>
public class BreakdownTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task Metrics_break_down_by_owner_and_by_segment(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine, "--Lifecycle:Reports:Worker=false");
        await using (var db = server.Database.Database.Open())
        {
            await ReportDataset.SeedAsync(db);
            // Owners: alice holds acc1 and acc2, bob acc8 and acc9; c04, c07, c08 have no account.
            db.Accounts.AddRange(
                new Account { Id = "acc1", Name = "One", Owner = "alice" }, new Account { Id = "acc2", Name = "Two", Owner = "alice" },
                new Account { Id = "acc8", Name = "Eight", Owner = "bob" }, new Account { Id = "acc9", Name = "Nine", Owner = "bob" });
            // Segments overlap: webinar = {c03, c04}; warm = {c03, c04, c05}.
            db.Set<Segment>().AddRange(
                new Segment { Name = "webinar", Definition = "lead_source = 'webinar'" },
                new Segment { Name = "warm", Definition = "lead_source = 'webinar' or lead_source = 'referral'" });
            await db.SaveChangesAsync();
        }
        async Task<Dictionary<(string, string), int>> Rows(string by)
        {
            var response = await server.Client.GetAsync($"/api/metrics?ids=nurture.new_leads,nurture.mqls,convert.new_customers&from=2026-01-01&to=2026-02-01&by={by}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            return JsonDocument.Parse(body).RootElement.EnumerateArray()
                .ToDictionary(r => (r.GetProperty("metric").GetString()!, r.GetProperty("dimension").GetString()!), r => r.GetProperty("value").GetInt32());
        }

        // New leads of January: c02 (acc9), c03 (acc9), c04, c05 (acc8), c07 → bob 3, (none) 2, alice 0.
        // MQL entries: c01 (acc1), c02, c03 twice (acc9), c08 → alice 1, bob 3, (none) 1.
        // New customers: acc1, acc2 → alice 2; acc8 → bob 1.
        var owners = await Rows("owner");
        Assert.Equal((0, 3, 2), (owners[("nurture.new_leads", "alice")], owners[("nurture.new_leads", "bob")], owners[("nurture.new_leads", "(none)")]));
        Assert.Equal((1, 3, 1), (owners[("nurture.mqls", "alice")], owners[("nurture.mqls", "bob")], owners[("nurture.mqls", "(none)")]));
        Assert.Equal((2, 1, 0), (owners[("convert.new_customers", "alice")], owners[("convert.new_customers", "bob")], owners[("convert.new_customers", "(none)")]));

        // Segments: new leads webinar c03 c04 = 2, warm c03 c04 c05 = 3, in no segment c02 c07 = 2 (overlapping slices add up to more
        // than the 5 leads). MQLs: c03's two entries in both; c01, c02, c08 in none. New customers: acc8 (c05) warm; acc1, acc2 none.
        var segments = await Rows("segment");
        Assert.Equal((2, 3, 2), (segments[("nurture.new_leads", "webinar")], segments[("nurture.new_leads", "warm")], segments[("nurture.new_leads", "(none)")]));
        Assert.Equal((2, 2, 3), (segments[("nurture.mqls", "webinar")], segments[("nurture.mqls", "warm")], segments[("nurture.mqls", "(none)")]));
        Assert.Equal((0, 1, 2), (segments[("convert.new_customers", "webinar")], segments[("convert.new_customers", "warm")], segments[("convert.new_customers", "(none)")]));

        // Cost is recorded per campaign and channel only.
        var cost = await server.Client.GetAsync("/api/metrics?ids=cost.total&from=2026-01-01&to=2026-02-01&by=owner");
        Assert.Equal(HttpStatusCode.BadRequest, cost.StatusCode);
        Assert.Contains("'cost.total' cannot be broken down by owner", await cost.Content.ReadAsStringAsync());

        // The funnel takes the same breakdowns: the period funnel of bob's accounts enters inquiry with c02, c03, c05 = 3.
        var funnel = JsonDocument.Parse(await server.Client.GetStringAsync("/api/reports/funnel?mode=period&from=2026-01-01&to=2026-02-01&by=owner")).RootElement;
        var bob = funnel.GetProperty("funnels").EnumerateArray().Single(f => f.GetProperty("dimension").GetString() == "bob");
        Assert.Equal(3, bob.GetProperty("steps")[0].GetProperty("count").GetInt32());
    }
}
