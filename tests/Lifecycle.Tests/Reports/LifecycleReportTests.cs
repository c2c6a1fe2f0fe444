using System.Text.Json;
using Lifecycle.Reports;
using Lifecycle.Server;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;
using static Lifecycle.Tests.Reports.ReportDataset;

namespace Lifecycle.Tests.Reports;

/// <summary>
/// The lifecycle report on the hand-computed dataset of <see cref="ReportDataset"/>, on both engines. Each expected
/// value is derived in the comment beside it from the rows listed there.
/// </summary>
public class LifecycleReportTests
{
    private static readonly JsonSerializerOptions Json = CreateJson();
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        LifecycleServer.ConfigureJson(options);
        return options;
    }

    internal static async Task<JsonElement> RunAsync(TestDatabase database, string from, string to, TimeZoneInfo? zone = null, FixedClock? clock = null)
    {
        await using var db = database.Database.Open();
        var settings = ReportSettings.Default with { Zone = zone ?? TimeZoneInfo.Utc };
        var reports = new LifecycleReports(db, clock ?? new FixedClock(At("2027-03-01")), ChannelMapping.Default, settings);
        var period = ReportPeriod.Parse(from, to, settings.Zone, (f, r) => throw new ArgumentException($"{f}: {r}"))!;
        var report = await reports.LifecycleAsync(period);
        return JsonSerializer.SerializeToElement(report, Json).GetProperty("metrics");
    }

    private static async Task<TestDatabase> SeededAsync(string engine)
    {
        var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.Database.Open();
        await SeedAsync(db);
        return database;
    }

    private static double D(JsonElement metrics, string path)
    {
        var parts = path.Split('|');
        var e = metrics.GetProperty(parts[0]);
        foreach (var part in parts.Skip(1)) e = e.GetProperty(part);
        return e.GetDouble();
    }

    private static bool IsNull(JsonElement metrics, string path)
    {
        var parts = path.Split('|');
        var e = metrics.GetProperty(parts[0]);
        foreach (var part in parts.Skip(1)) e = e.GetProperty(part);
        return e.ValueKind == JsonValueKind.Null;
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task January_counts_rates_and_cost_follow_the_counting_rules(string engine)
    {
        await using var database = await SeededAsync(engine);
        var m = await RunAsync(database, "2026-01-01", "2026-02-01");

        // First inquiry in January: c02, c03, c04, c05, c06 (01-31 23:00), c14, c15; c01 and c07 entered in December.
        Assert.Equal(7, D(m, "capture.inquiries"));
        // First lead in January: c02, c03 (its 01-20 re-entry is not a first), c04, c05, c07 (01-01 03:00); c06's is in February.
        Assert.Equal(5, D(m, "nurture.new_leads"));
        // recycled -> lead in January: c03 on 01-20.
        Assert.Equal(1, D(m, "nurture.reopened_leads"));
        // Entries into mql: c01, c02, c03 twice, c08 = 5, by 4 contacts.
        Assert.Equal(5, D(m, "nurture.mqls"));
        Assert.Equal(4, D(m, "nurture.mql_contacts"));
        // Cohort of new leads {c02, c03, c04, c05, c07}: c02 and c03 reach mql, c05 skips to sql (counts), c04 and c07 do not: 3/5.
        Assert.Equal(0.6, D(m, "nurture.lead_to_mql_rate"), 12);
        // Real transitions only (c05's skipped sal is not one): sal c01 c02 c03 c08; sql c01 c05 c08; opportunity c01 c08; customer c01 c09 c05.
        Assert.Equal(4, D(m, "convert.sals"));
        Assert.Equal(3, D(m, "convert.sqls"));
        Assert.Equal(2, D(m, "convert.opportunities"));
        Assert.Equal(3, D(m, "convert.customer_contacts"));
        // Accounts whose first won deal closes in January: acc1 (d1 01-20), acc2 (d9 01-10), acc8 (d11 01-30).
        Assert.Equal(3, D(m, "convert.new_customers"));
        // MQL entries reaching sal before their next mql entry: c01 yes, c02 yes, c03#1 yes (01-05), c03#2 no, c08 yes: 4/5.
        Assert.Equal(0.8, D(m, "convert.mql_acceptance_rate"), 12);
        // SQL entries reaching customer: c01 yes, c05 yes, c08 no (recycled): 2/3.
        Assert.Equal(2d / 3, D(m, "convert.win_rate"), 12);

        // January cost: 3100 + 620 + 310 = 4030 (December and February lines are outside).
        Assert.Equal(4030m, m.GetProperty("cost.total").GetDecimal());
        Assert.Equal(3100m, m.GetProperty("cost.by_category").GetProperty("media").GetDecimal());
        Assert.Equal(620m, m.GetProperty("cost.by_category").GetProperty("labor").GetDecimal());
        Assert.Equal(310m, m.GetProperty("cost.by_channel").GetProperty("overhead").GetDecimal());
        Assert.Equal(310m, m.GetProperty("cost.by_campaign").GetProperty("(none)").GetDecimal());
        // 4030 / 7 = 575.714… ; 4030 / 5 MQLs = 806 ; 4030 / 3 SQLs = 1343.33 ; 4030 / 3 new customers = 1343.33.
        Assert.Equal(575.71m, m.GetProperty("capture.cost_per_inquiry").GetDecimal());
        Assert.Equal(806m, m.GetProperty("nurture.cost_per_mql").GetDecimal());
        Assert.Equal(1343.33m, m.GetProperty("convert.cost_per_sql").GetDecimal());
        Assert.Equal(1343.33m, m.GetProperty("convert.cost_per_customer").GetDecimal());

        // Won deals closed in January: d1 10000 new, d9 20000 new, d4u 3000 upsell, d5x 1000 cross_sell, d11 6000 new
        // (lost d10 and open d12 are not bookings). Average 40000 / 5 = 8000; new 36000 / 3 = 12000; upsell share 4000 / 40000.
        Assert.Equal(8000m, m.GetProperty("convert.average_deal_size").GetDecimal());
        Assert.Equal(12000m, m.GetProperty("convert.average_new_deal_size").GetDecimal());
        Assert.Equal(0.1m, m.GetProperty("expand.upsell_share").GetDecimal());
        // Creation to win: d11 5, d4u 10, d1 11, d5x 20, d9 30 days: median 11.
        Assert.Equal(11, D(m, "convert.sales_cycle_days"), 12);

        // Customers at 01-01: acc3 (sub to 01-15), acc4, acc5 (no subs, won 2025-02), acc7 (sub to 02-01); not acc6 (sub ended 01-01),
        // not acc1/acc2 (won later). At 02-01: acc4 and acc5 only. Churn 2/4.
        Assert.Equal(0.5, D(m, "expand.churn_rate"), 12);
        // MRR at 01-01: acc3 500 + acc4 1000 + acc7 250 = 1750; at 02-01 of those: acc4 1000 + 300 = 1300. 1300 / 1750 = 0.742857.
        Assert.Equal(0.742857m, m.GetProperty("expand.net_revenue_retention").GetDecimal());
        // ARPA 1750 / 3 = 583.33…; × 0.8 margin / (0.5 churn / 1 month) = 933.33.
        Assert.Equal(933.33m, m.GetProperty("expand.customer_lifetime_value").GetDecimal());

        // NPS in January: 10, 9 promoters; 7 passive; 3 detractor (c12 is 02-01 00:00, c13 is 12-31): 100 × (2 − 1) / 4 = 25.
        var nps = m.GetProperty("expand.nps");
        Assert.Equal(25, nps.GetProperty("score").GetDouble(), 12);
        Assert.Equal((4, 2, 1, 1), (nps.GetProperty("responses").GetInt32(), nps.GetProperty("promoters").GetInt32(),
            nps.GetProperty("passives").GetInt32(), nps.GetProperty("detractors").GetInt32()));
        Assert.Equal(["Too expensive", "Great onboarding", "OK"], nps.GetProperty("verbatims").EnumerateArray().Select(v => v.GetProperty("comment").GetString()));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Velocity_uses_the_latest_earlier_entry_and_percentile_inc(string engine)
    {
        await using var database = await SeededAsync(engine);
        var m = await RunAsync(database, "2026-01-01", "2026-02-01");

        // lead -> mql: c03#1 1 day (01-03 06:00 -> 01-04 06:00), c03#2 5.25 (latest lead 01-20 00:00 -> 01-25 06:00),
        // c02 10, c01 15 (12-21 -> 01-05), c08 71 (2025-11-01 12:00 -> 01-11 12:00). Sorted 1, 5.25, 10, 15, 71:
        // median rank 2 = 10; p75 rank 3 = 15; p90 rank 3.6 = 15 + 0.6 × 56 = 48.6; mean 102.25 / 5 = 20.45.
        AssertVelocity(m, "lead_to_mql", 10, 15, 48.6, 20.45, 5);
        // mql -> sal: c03 1, c01 1, c08 1, c02 2: median rank 1.5 = 1; p75 rank 2.25 = 1.25; p90 rank 2.7 = 1.7; mean 1.25.
        AssertVelocity(m, "mql_to_sal", 1, 1.25, 1.7, 1.25, 4);
        // sal -> sql: c01 2, c08 10; c05 has no sal entry and is left out. median 6; p75 2 + 0.75 × 8 = 8; p90 9.2; mean 6.
        AssertVelocity(m, "sal_to_sql", 6, 8, 9.2, 6, 2);
        // sql -> customer: c05 5, c01 12, c09 31 (2025-12-10 -> 01-10). median 12; p75 rank 1.5 = 21.5; p90 rank 1.8 = 27.2; mean 16.
        AssertVelocity(m, "sql_to_customer", 12, 21.5, 27.2, 16, 3);
        // lead -> customer: c05 15, c01 30, c09 100.5 (2025-10-01 12:00 -> 01-10). median 30; p75 30 + 0.5 × 70.5 = 65.25;
        // p90 30 + 0.8 × 70.5 = 86.4; mean 145.5 / 3 = 48.5.
        AssertVelocity(m, "lead_to_customer", 30, 65.25, 86.4, 48.5, 3);
    }

    private static void AssertVelocity(JsonElement m, string step, double median, double p75, double p90, double mean, int count)
    {
        var v = m.GetProperty($"convert.velocity.{step}");
        Assert.Equal(median, v.GetProperty("median_days").GetDouble(), 9);
        Assert.Equal(p75, v.GetProperty("p75_days").GetDouble(), 9);
        Assert.Equal(p90, v.GetProperty("p90_days").GetDouble(), 9);
        Assert.Equal(mean, v.GetProperty("mean_days").GetDouble(), 9);
        Assert.Equal(count, v.GetProperty("count").GetInt32());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Roi_uses_first_year_bookings_and_the_campaign_of_the_first_won_deal(string engine)
    {
        await using var database = await SeededAsync(engine);
        var m = await RunAsync(database, "2026-01-01", "2026-02-01");

        // New customers: acc1 (d1 cites cmpA) 10000 + d1b 2000 at exactly 365 days (d1c, one second later, is out) = 12000;
        // acc2 (d9, no campaign, c09 has none) 20000; acc8 (d11, c05 has none) 6000. Bookings 38000 against 4030:
        // 38000 / 4030 = 9.42928… ; (38000 − 4030) / 4030 = 8.42928…
        var roi = m.GetProperty("convert.roi");
        Assert.Equal((38000m, 4030m, 9.4293m, 8.4293m), (roi.GetProperty("bookings").GetDecimal(), roi.GetProperty("cost").GetDecimal(),
            roi.GetProperty("bookings_to_cost").GetDecimal(), roi.GetProperty("roi").GetDecimal()));
        // cmpA: 12000 / 3100 = 3.870967… ; roi 8900 / 3100 = 2.870967… · cmpB: 0 / 620, roi −1 · (none): 26000 / 310 = 83.870967…
        var byCampaign = roi.GetProperty("by_campaign");
        Assert.Equal(["(none)", "cmpA", "cmpB"], byCampaign.EnumerateObject().Select(p => p.Name));
        Assert.Equal((12000m, 3100m, 3.8710m, 2.8710m), Roi(byCampaign.GetProperty("cmpA")));
        Assert.Equal((0m, 620m, 0m, -1m), Roi(byCampaign.GetProperty("cmpB")));
        Assert.Equal((26000m, 310m, 83.8710m, 82.8710m), Roi(byCampaign.GetProperty("(none)")));
        // By channel: paid_search as cmpA; the (none) channel has bookings but no cost, so its ratios are null.
        var byChannel = roi.GetProperty("by_channel");
        Assert.Equal((12000m, 3100m, 3.8710m, 2.8710m), Roi(byChannel.GetProperty("paid_search")));
        Assert.Equal(JsonValueKind.Null, byChannel.GetProperty("(none)").GetProperty("roi").ValueKind);
        Assert.Equal(26000m, byChannel.GetProperty("(none)").GetProperty("bookings").GetDecimal());

        // Cohort of new leads by source: paid_search {c02, c07}: 2 leads, 1 MQL, cost 3100, roi −1; webinar {c03, c04}: 1 MQL, cost 620;
        // referral {c05}: reaches mql, sql and customer; first-year bookings of acc8 = 6000; no referral cost, so cost per customer 0, roi null;
        // lead -> customer 15 days.
        var sources = m.GetProperty("convert.source_effectiveness");
        Assert.Equal(["paid_search", "referral", "webinar"], sources.EnumerateObject().Select(p => p.Name));
        var referral = sources.GetProperty("referral");
        Assert.Equal((1, 1, 1, 1), (referral.GetProperty("leads").GetInt32(), referral.GetProperty("mqls").GetInt32(), referral.GetProperty("sqls").GetInt32(), referral.GetProperty("customers").GetInt32()));
        Assert.Equal((6000m, 0m, 0m), (referral.GetProperty("bookings").GetDecimal(), referral.GetProperty("cost").GetDecimal(), referral.GetProperty("cost_per_customer").GetDecimal()));
        Assert.Equal(JsonValueKind.Null, referral.GetProperty("roi").ValueKind);
        Assert.Equal(15, referral.GetProperty("median_lead_to_customer_days").GetDouble(), 9);
        var paid = sources.GetProperty("paid_search");
        Assert.Equal((2, 1, 0, 0), (paid.GetProperty("leads").GetInt32(), paid.GetProperty("mqls").GetInt32(), paid.GetProperty("sqls").GetInt32(), paid.GetProperty("customers").GetInt32()));
        Assert.Equal((3100m, -1m), (paid.GetProperty("cost").GetDecimal(), paid.GetProperty("roi").GetDecimal()));
        Assert.Equal(JsonValueKind.Null, paid.GetProperty("cost_per_customer").ValueKind);
        Assert.Equal(0, paid.GetProperty("lead_to_customer_rate").GetDouble());

        // Referrals: {c05} converts (rate 1, 15 days, its won deal d11 6000); the other four new leads do not (rate 0, nulls).
        var referrals = m.GetProperty("expand.referrals");
        Assert.Equal((1, 1d, 15d, 6000m), (referrals.GetProperty("referral").GetProperty("leads").GetInt32(), referrals.GetProperty("referral").GetProperty("lead_to_customer_rate").GetDouble(),
            referrals.GetProperty("referral").GetProperty("median_cycle_days").GetDouble(), referrals.GetProperty("referral").GetProperty("average_deal_size").GetDecimal()));
        Assert.Equal((4, 0d), (referrals.GetProperty("other").GetProperty("leads").GetInt32(), referrals.GetProperty("other").GetProperty("lead_to_customer_rate").GetDouble()));
        Assert.Equal(JsonValueKind.Null, referrals.GetProperty("other").GetProperty("median_cycle_days").ValueKind);
    }

    private static (decimal, decimal, decimal, decimal) Roi(JsonElement e) =>
        (e.GetProperty("bookings").GetDecimal(), e.GetProperty("cost").GetDecimal(), e.GetProperty("bookings_to_cost").GetDecimal(), e.GetProperty("roi").GetDecimal());

    [Theory, ClassData(typeof(Engines))]
    public async Task Visits_page_views_and_email_rates_come_from_events(string engine)
    {
        await using var database = await SeededAsync(engine);
        var m = await RunAsync(database, "2026-01-01", "2026-02-01");

        // a1: 10:00 starts, 10:20 and 10:49 continue (< 30 min), 11:19 starts (30 min) = 2 visits; a2: 00:10 continues the
        // 12-31 23:45 visit, 01:00 starts = 1; c02 = 1. Page views in January: 4 + 2 + 1 = 7, by 3 visitors.
        Assert.Equal(4, D(m, "attract.visits"));
        Assert.Equal(7, D(m, "attract.page_views"));
        Assert.Equal(3, D(m, "attract.unique_visitors"));
        // a1's first visit has utm cpc/google, its second nothing; a2's has a linkedin referrer; c02's utm email.
        var channels = m.GetProperty("attract.visits_by_channel");
        Assert.Equal(["direct", "email", "organic_social", "paid_search"], channels.EnumerateObject().Select(p => p.Name));
        Assert.All(channels.EnumerateObject(), p => Assert.Equal(1, p.Value.GetInt32()));
        // 7 inquiries / 3 visitors.
        Assert.Equal(7d / 3, D(m, "capture.visitor_to_inquiry_rate"), 12);

        // Prospect messages sent in January: m1, m2, m3 (bounced), (c07, e1, p-nurture), m5 = 5 sent, 4 delivered; opened m1, m2,
        // and c07's (its 02-02 open counts; m5's open is a machine open); clicked m1 and c07's. Opens 3/4, clicks 2/4, CTOR 2/3.
        Assert.Equal(0.75, D(m, "nurture.email_open_rate"), 12);
        Assert.Equal(0.5, D(m, "nurture.email_click_rate"), 12);
        Assert.Equal(2d / 3, D(m, "nurture.click_to_open_rate"), 12);
        var program = m.GetProperty("nurture.email.p-nurture");
        Assert.Equal((5, 4), (program.GetProperty("sent").GetInt32(), program.GetProperty("delivered").GetInt32()));
        Assert.Equal(0.75, program.GetProperty("open_rate").GetDouble(), 12);
        Assert.False(m.TryGetProperty("nurture.email.p-cust", out _));
        // Customer messages (cmpC): m6 opened, m7 not: 1/2 opens, 0/2 clicks.
        Assert.Equal(0.5, D(m, "expand.customer_email_open_rate"), 12);
        Assert.Equal(0, D(m, "expand.customer_email_click_rate"), 12);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_tokyo_workspace_counts_by_its_own_midnight(string engine)
    {
        await using var database = await SeededAsync(engine);
        // January in Asia/Tokyo (UTC+9) is [2025-12-31 15:00, 2026-01-31 15:00) UTC.
        var m = await RunAsync(database, "2026-01-01", "2026-02-01", Tokyo);
        // c07 (2025-12-31 20:00 UTC) is now in; c06 (01-31 23:00) and c15 (01-31 18:00) are out: c02 c03 c04 c05 c14 c07 = 6.
        Assert.Equal(6, D(m, "capture.inquiries"));
        // c13's 6 (2025-12-31 23:59 UTC = 01-01 08:59 in Tokyo) joins: promoters 10, 9; passive 7; detractors 3, 6: 100 × 0 / 5 = 0.
        Assert.Equal(0, D(m, "expand.nps|score"));
        Assert.Equal(5, D(m, "expand.nps|responses"));
        // Cost months are Tokyo months, and so is the period: the January lines whole, 4030.
        Assert.Equal(4030m, m.GetProperty("cost.total").GetDecimal());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Cost_prorates_across_month_boundaries(string engine)
    {
        await using var database = await SeededAsync(engine);
        // [01-16, 02-15): January lines × 16/31 (3100 → 1600, 620 → 320, 310 → 160) + February cmpA 2800 × 14/28 = 1400: 3480.
        var m = await RunAsync(database, "2026-01-16", "2026-02-15");
        Assert.Equal(3480m, m.GetProperty("cost.total").GetDecimal());
        Assert.Equal(3000m, m.GetProperty("cost.by_campaign").GetProperty("cmpA").GetDecimal());
        // February alone: only cmpA's 2800 line; January's webinar and overhead lines are not listed at 0.
        var february = await RunAsync(database, "2026-02-01", "2026-03-01");
        Assert.Equal(["paid_search"], february.GetProperty("cost.by_channel").EnumerateObject().Select(p => p.Name));
        Assert.Equal(2800m, february.GetProperty("cost.total").GetDecimal());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_period_without_facts_has_null_rates_not_zero(string engine)
    {
        await using var database = await SeededAsync(engine);
        var m = await RunAsync(database, "2024-01-01", "2024-02-01");
        Assert.Equal(0, D(m, "capture.inquiries"));
        foreach (var rate in new[] { "nurture.lead_to_mql_rate", "convert.mql_acceptance_rate", "convert.win_rate", "capture.visitor_to_inquiry_rate",
                     "nurture.email_open_rate", "expand.churn_rate", "expand.upsell_share", "expand.net_revenue_retention", "capture.cost_per_inquiry",
                     "convert.average_deal_size", "convert.sales_cycle_days", "expand.customer_lifetime_value" })
            Assert.True(IsNull(m, rate), rate);
        Assert.True(IsNull(m, "convert.velocity.lead_to_mql|median_days"));
        Assert.Equal(0, D(m, "convert.velocity.lead_to_mql|count"));
        Assert.True(IsNull(m, "expand.nps|score"));
        Assert.Equal(0m, m.GetProperty("cost.total").GetDecimal());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_closed_month_is_unchanged_later_and_changes_exactly_by_late_data(string engine)
    {
        await using var database = await SeededAsync(engine);
        var clock = new FixedClock(At("2027-03-01"));
        var first = await RunAsync(database, "2026-01-01", "2026-02-01", clock: clock);
        clock.Now = At("2027-09-01");
        var again = await RunAsync(database, "2026-01-01", "2026-02-01", clock: clock);
        Assert.Equal(first.GetRawText(), again.GetRawText());

        // Late data: c04's mql on 01-28 01:00 arrives now (18 days after its 01-10 01:00 lead).
        await using (var db = database.Database.Open())
        {
            db.Transitions.Add(new Lifecycle.Contacts.Transition { ContactId = "c04", FromStatus = Lifecycle.Contacts.ContactStatus.Lead, ToStatus = Lifecycle.Contacts.ContactStatus.Mql,
                At = At("2026-01-28 01:00"), Actor = "import", CampaignId = "cmpB" });
            await db.SaveChangesAsync();
        }
        var late = await RunAsync(database, "2026-01-01", "2026-02-01", clock: clock);
        var changed = first.EnumerateObject().Where(p => p.Value.GetRawText() != late.GetProperty(p.Name).GetRawText()).Select(p => p.Name).ToList();
        Assert.Equal(["nurture.mqls", "nurture.mql_contacts", "nurture.lead_to_mql_rate", "nurture.cost_per_mql", "convert.mql_acceptance_rate",
            "convert.velocity.lead_to_mql", "convert.source_effectiveness"], changed);
        // 6 MQLs by 5 contacts; cohort 4/5 (c04 now reaches mql); 4030 / 6 = 671.67; acceptance 4/6; lead -> mql gains 18 days:
        // 1, 5.25, 10, 15, 18, 71: median rank 2.5 = 12.5.
        Assert.Equal((6d, 5d, 0.8), (D(late, "nurture.mqls"), D(late, "nurture.mql_contacts"), D(late, "nurture.lead_to_mql_rate")));
        Assert.Equal(671.67m, late.GetProperty("nurture.cost_per_mql").GetDecimal());
        Assert.Equal(4d / 6, D(late, "convert.mql_acceptance_rate"), 12);
        Assert.Equal(12.5, D(late, "convert.velocity.lead_to_mql|median_days"), 9);
        Assert.Equal(2, late.GetProperty("convert.source_effectiveness").GetProperty("webinar").GetProperty("mqls").GetInt32());
    }
}
