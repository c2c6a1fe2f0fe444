using System.Net;
using System.Text.Json;
using Lifecycle.Reports;
using Lifecycle.Tests.Support;
using static Lifecycle.Tests.Reports.ReportDataset;

namespace Lifecycle.Tests.Reports;

/// <summary>The funnel of lifecycle.md §4 on <see cref="ReportDataset"/>, January 2026 (UTC), on both engines.</summary>
public class FunnelTests
{
    private static async Task<FunnelReport> RunAsync(string engine, FunnelMode mode, FunnelView view = FunnelView.Contact, int? window = null,
        Dimension? by = null, string now = "2027-03-01")
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.Database.Open();
        await SeedAsync(db);
        var facts = await Funnel.LoadAsync(db, At(now), by: by);
        return Funnel.Run(facts, new ReportPeriod(new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1), TimeZoneInfo.Utc), mode, view, window, by, At(now));
    }

    private static int[] Counts(FunnelPart part) => part.Steps.Select(s => s.Count).ToArray();

    [Theory, ClassData(typeof(Engines))]
    public async Task Period_mode_counts_entries_and_their_ratio_of_flows(string engine)
    {
        var report = await RunAsync(engine, FunnelMode.Period);
        var part = Assert.Single(report.Funnels);
        // Entries in January: inquiry c02 c03 c04 c05 c06 c14 c15 = 7; lead c02 c03 c03(reopened) c04 c05 c07 = 6; mql 5; sal 4;
        // sql 3; opportunity c01 c08 = 2; customer c01 c09 c05 = 3.
        Assert.Equal([7, 6, 5, 4, 3, 2, 3], Counts(part));
        Assert.Equal("ratio_of_flows", report.StepRateKind);
        // 6/7, 5/6, 4/5, 3/4, 2/3, 3/2 (a ratio of flows can pass 1).
        Assert.Equal([null, 6d / 7, 5d / 6, 0.8, 0.75, 2d / 3, 1.5], part.Steps.Select(s => s.StepRate));
        // Where contacts sit at 02-01 00:00: customer c01 c05 c09; sal c02; mql c03; lead c04 c07; inquiry c06 (its lead is
        // 02-01 01:00) c14 c15; opportunity c08 (recycled only on 02-10).
        Assert.Equal(new Dictionary<string, int> { ["customer"] = 3, ["inquiry"] = 3, ["lead"] = 2, ["mql"] = 1, ["opportunity"] = 1, ["sal"] = 1 }, part.Balance);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Cohort_mode_follows_january_inquiries_forward_with_skipped_stages(string engine)
    {
        var part = Assert.Single((await RunAsync(engine, FunnelMode.Cohort)).Funnels);
        // Cohort: c02 c03 c04 c05 c06 c14 c15 = 7. Lead: c02 c03 c04 c05 c06 = 5. Mql: c02, c03, and c05 through its sql = 3.
        // Sal: the same 3. Sql, opportunity, customer: c05 (its customer entry counts for opportunity) = 1.
        Assert.Equal([7, 5, 3, 3, 1, 1, 1], Counts(part));
        Assert.Equal([null, 5d / 7, 0.6, 1, 1d / 3, 1, 1], part.Steps.Select(s => s.StepRate));
        Assert.Equal([null, 2, 2, 0, 2, 0, 0], part.Steps.Select(s => s.DropOff));
        // inquiry -> lead: c04 1/24, c06 2/24, c03 6/24, c02 12/24, c05 12/24 days: median 0.25, p75 0.5, mean (33/24)/5 = 0.275.
        var lead = part.Steps[1];
        Assert.Equal((0.25, 0.5, 0.275), (Math.Round(lead.MedianDays!.Value, 9), Math.Round(lead.P75Days!.Value, 9), Math.Round(lead.MeanDays!.Value, 9)));
        // lead -> mql: c03 1, c02 10, c05 10 (to its sql): median 10, p75 rank 1.5 = 10, mean 7. mql -> sal: c05 0, c03 1, c02 2: 1, 1.5, 1.
        Assert.Equal((10d, 10d, 7d), (part.Steps[2].MedianDays!.Value, part.Steps[2].P75Days!.Value, part.Steps[2].MeanDays!.Value));
        Assert.Equal((1d, 1.5, 1d), (part.Steps[3].MedianDays!.Value, part.Steps[3].P75Days!.Value, part.Steps[3].MeanDays!.Value));
        // sql -> opportunity: c05 sql 01-25 12:00 -> customer 01-30 12:00 = 5.
        Assert.Equal(5, part.Steps[5].MedianDays!.Value, 9);

        // Stalled on 2027-03-01 against the p90 of completed stays: inquiry stays are all under a day (c14, c15 sit there since
        // January: 2); lead stays 1, 5.25, 10, 10, 15, 60.5, 71 give p90 = 60.5 + 0.4 × 10.5 = 64.7 (c04, c06: 2); mql stays
        // 1, 1, 1, 1, 2 give 1.6 (c03: 1); sal stays 2, 4.75, 8, 10 give 9.4 (c02: 1); no completed customer stay, so none.
        Assert.Equal([2, 2, 1, 1, 0, 0, 0], part.Steps.Select(s => s.Stalled));
        Assert.All(part.Steps, s => Assert.False(s.Immature));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_window_limits_reach_and_flags_cells_whose_window_is_still_open(string engine)
    {
        // Within 5 days of the cohort entry: c02 reaches lead only (its mql is day 10); c03 lead, mql, sal by 01-05 06:00; c04, c06
        // lead; c05 lead (its sql is day 10).
        var mature = Assert.Single((await RunAsync(engine, FunnelMode.Cohort, window: 5)).Funnels);
        Assert.Equal([7, 5, 1, 1, 0, 0, 0], Counts(mature));
        Assert.All(mature.Steps.Skip(1), s => Assert.False(s.Immature));
        // Run on 02-03, c06's window (from 01-31 23:00) is still open: every later cell is immature, the counts are the same.
        var early = Assert.Single((await RunAsync(engine, FunnelMode.Cohort, window: 5, now: "2026-02-03")).Funnels);
        Assert.Equal([7, 5, 1, 1, 0, 0, 0], Counts(early));
        Assert.All(early.Steps.Skip(1), s => Assert.True(s.Immature));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Account_view_moves_when_the_first_contact_does(string engine)
    {
        // acc9 holds c02 and c03; acc1 c01, acc2 c09, acc8 c05. First entries in January by account: inquiry acc9 (c02 01-02),
        // acc8; lead acc9, acc8; mql acc1, acc9 (c03 01-04); sal acc1, acc9; sql acc1, acc8; opportunity acc1; customer acc1, acc2, acc8.
        var period = Assert.Single((await RunAsync(engine, FunnelMode.Period, FunnelView.Account)).Funnels);
        Assert.Equal([2, 2, 2, 2, 2, 1, 3], Counts(period));
        // At 02-01: acc1, acc2, acc8 customers; acc9 sits where its most advanced contact does (c02 sal, c03 mql): sal.
        Assert.Equal(new Dictionary<string, int> { ["customer"] = 3, ["sal"] = 1 }, period.Balance);

        // Cohort: acc9 (01-02) and acc8 (01-15). acc9 reaches lead, mql and sal through c03, never sql; acc8 everything via c05.
        var cohort = Assert.Single((await RunAsync(engine, FunnelMode.Cohort, FunnelView.Account)).Funnels);
        Assert.Equal([2, 2, 2, 2, 1, 1, 1], Counts(cohort));
        // lead -> mql: acc9 c02 lead 01-02 12:00 -> c03 mql 01-04 06:00 = 1.75; acc8 10: median 5.875.
        Assert.Equal(5.875, cohort.Steps[2].MedianDays!.Value, 9);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Breakdown_by_source_gives_one_funnel_per_source(string engine)
    {
        var report = await RunAsync(engine, FunnelMode.Cohort, by: Dimension.Source);
        Assert.Equal(["organic_search", "paid_search", "referral", "webinar", "(none)"], report.Funnels.Select(f => f.Dimension));
        // paid_search cohort c02 c06 c14 c15: lead c02 c06; mql and sal c02.
        Assert.Equal([4, 2, 1, 1, 0, 0, 0], Counts(report.Funnels.Single(f => f.Dimension == "paid_search")));
        Assert.Equal([1, 1, 1, 1, 1, 1, 1], Counts(report.Funnels.Single(f => f.Dimension == "referral")));
        // webinar c03 c04; the organic_search contact c09 entered in October.
        Assert.Equal([2, 2, 1, 1, 0, 0, 0], Counts(report.Funnels.Single(f => f.Dimension == "webinar")));
        Assert.Equal(0, report.Funnels.Single(f => f.Dimension == "organic_search").Steps[0].Count);
        Assert.Equal(1, report.Funnels.Single(f => f.Dimension == "organic_search").Balance["customer"]);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Funnel_endpoint_answers_json_and_names_bad_fields(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        await using (var db = server.Database.Database.Open()) await SeedAsync(db);
        var response = await server.Client.GetAsync("/api/reports/funnel?mode=cohort&from=2026-01-01&to=2026-02-01&by=campaign");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // cmpA cohort: c02 c06 c14 c15.
        var cmpA = body.GetProperty("funnels").EnumerateArray().Single(f => f.GetProperty("dimension").GetString() == "cmpA");
        Assert.Equal(4, cmpA.GetProperty("steps")[0].GetProperty("count").GetInt32());
        Assert.Equal("mql", cmpA.GetProperty("steps")[2].GetProperty("stage").GetString());
        Assert.True(cmpA.GetProperty("steps")[2].TryGetProperty("median_days", out _));

        var bad = await server.Client.GetAsync("/api/reports/funnel?mode=sideways&from=2026-01-01&to=2026-02-01&window=3&view=team");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Contains("'sideways' is not one of cohort, period", errors.GetProperty("mode").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("'team' is not one of contact, account", errors.GetProperty("view").EnumerateArray().Select(e => e.GetString()));
        var period = await server.Client.GetAsync("/api/reports/funnel?mode=period&from=2026-01-01&to=2026-02-01&window=3");
        Assert.Contains("applies to cohort mode only", await period.Content.ReadAsStringAsync());
    }
}

/// <summary>
/// Funnel.ReportAsync's shortcut for period mode in the contact view (the period's histories moved on from the kept
/// balance at its start) against the full report over every transition, on <see cref="ReportDataset"/>.
/// </summary>
public class FunnelShortcutTests
{
    private static readonly JsonSerializerOptions Json = new();

    private static async Task<(string Shortcut, string Full)> BothAsync(Lifecycle.Storage.LifecycleDb db, ReportPeriod period, DateTime now)
    {
        var shortcut = await Funnel.ReportAsync(db, period, FunnelMode.Period, FunnelView.Contact, null, null, now);
        var full = Funnel.Run(await Funnel.LoadAsync(db, now), period, FunnelMode.Period, FunnelView.Contact, null, null, now);
        return (JsonSerializer.Serialize(shortcut, Json), JsonSerializer.Serialize(full, Json));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_period_funnel_from_the_kept_balance_is_the_full_one(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.Database.Open();
        await SeedAsync(db);
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var periods = new[]
        {
            new ReportPeriod(new DateOnly(2025, 12, 1), new DateOnly(2026, 1, 1), TimeZoneInfo.Utc),
            new ReportPeriod(new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1), TimeZoneInfo.Utc),
            new ReportPeriod(new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1), tokyo),
            new ReportPeriod(new DateOnly(2026, 1, 10), new DateOnly(2026, 2, 15), TimeZoneInfo.Utc),
            new ReportPeriod(new DateOnly(2026, 2, 1), new DateOnly(2026, 3, 1), TimeZoneInfo.Utc),
        };
        foreach (var now in new[] { At("2026-01-20"), At("2027-03-01") })
            foreach (var period in periods.Where(p => p.From <= now))
            {
                var (shortcut, full) = await BothAsync(db, period, now);
                Assert.Equal(full, shortcut);
            }
        // January's, as FunnelTests derives it by hand: the balance at 02-01 holds 3 customers, 3 inquiries, 2 leads.
        var january = await Funnel.ReportAsync(db, new ReportPeriod(new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1), TimeZoneInfo.Utc),
            FunnelMode.Period, FunnelView.Contact, null, null, At("2027-03-01"));
        Assert.Equal(new Dictionary<string, int> { ["customer"] = 3, ["inquiry"] = 3, ["lead"] = 2, ["mql"] = 1, ["opportunity"] = 1, ["sal"] = 1 },
            Assert.Single(january.Funnels).Balance);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_late_transition_before_the_period_moves_its_kept_starting_balance(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.Database.Open();
        await SeedAsync(db);
        var january = new ReportPeriod(new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1), TimeZoneInfo.Utc);
        await BothAsync(db, january, At("2027-03-01"));
        // c07 (inquiry 2025-12-31 20:00, lead 01-01 03:00) gets a late MQL on 2025-12-31 22:00: at 01-01 it stood in mql.
        db.Transitions.Add(new Lifecycle.Contacts.Transition
        {
            ContactId = "c07", FromStatus = Lifecycle.Contacts.ContactStatus.Inquiry, ToStatus = Lifecycle.Contacts.ContactStatus.Mql,
            At = At("2025-12-31 22:00"), Actor = "test",
        });
        await db.SaveChangesAsync();
        var (shortcut, full) = await BothAsync(db, january, At("2027-03-01"));
        Assert.Equal(full, shortcut);
    }
}
