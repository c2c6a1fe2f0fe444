using System.Text.Json;
using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Storage;
using Lifecycle.Tracking;

namespace Lifecycle.Tests.Reports;

public sealed class FixedClock(DateTime utc) : TimeProvider
{
    public DateTime Now { get; set; } = utc;
    public override DateTimeOffset GetUtcNow() => new(Now, TimeSpan.Zero);
}

/// <summary>
/// The hand-computed dataset of the report tests, centred on January 2026. Every instant is UTC. The expected
/// values are derived in LifecycleReportTests from the rows below.
///
/// Campaigns: cmpA paid_search (prospects), cmpB webinar (prospects), cmpC email (customers).
/// Costs: Dec 2025 cmpA media 3100 · Jan 2026 cmpA media 3100, cmpB labor 620, overhead technology 310 (no campaign)
///        · Feb 2026 cmpA media 2800.
///
/// Contacts (source, campaign) and transitions:
///   c01 (paid_search, cmpA, acc1): inquiry 12-20 10:00, lead 12-21, mql 01-05, sal 01-06, sql 01-08, opportunity 01-09, customer 01-20
///   c02 (paid_search, cmpA, acc9): inquiry 01-02, lead 01-02 12:00, mql 01-12 12:00, sal 01-14 12:00
///   c03 (webinar, cmpB, acc9): inquiry 01-03, lead 01-03 06:00, mql 01-04 06:00, sal 01-05 06:00, recycled 01-10, lead 01-20 (reopened), mql 01-25 06:00
///   c04 (webinar, cmpB): inquiry 01-10, lead 01-10 01:00
///   c05 (referral, none, acc8): inquiry 01-15, lead 01-15 12:00, sql 01-25 12:00 (skips mql, sal), customer 01-30 12:00
///   c06 (paid_search, cmpA): inquiry 01-31 23:00, lead 02-01 01:00
///   c07 (paid_search, cmpA): inquiry 2025-12-31 20:00, lead 01-01 03:00
///   c08 (paid_search, cmpA): inquiry 2025-11-01, lead 2025-11-01 12:00, mql 01-11 12:00, sal 01-12 12:00, sql 01-22 12:00, opportunity 01-23, recycled 02-10
///   c09 (organic_search, none, acc2): inquiry 2025-10-01, lead 2025-10-01 12:00, mql 2025-12-01, sal 12-02, sql 12-10, opportunity 12-11, customer 01-10
///   c14 (paid_search, cmpA): inquiry 01-20 · c15 (paid_search, cmpA): inquiry 01-31 18:00
///   c10, c11, c12, c13: NPS respondents only.
///
/// Accounts, won deals (closed) and subscriptions:
///   acc1: d1 new 10000 (created 01-09, closed 01-20, cmpA), d1b upsell 2000 closed 2027-01-20 00:00 (365 days later),
///         d1c cross_sell 700 closed 2027-01-20 00:00:01; no subscriptions
///   acc2: d9 new 20000 (created 2025-12-11, closed 01-10, no campaign, contact c09); sub 2026-01-10.. 2000/month
///   acc3: d3 new 5000 closed 2025-06-01; sub 2025-06-01..2026-01-15 500; a lost deal d10 9999 closed 01-24
///   acc4: d4 new 8000 closed 2025-03-01; sub 2025-03-01.. 1000; d4u upsell 3000 (created 01-08, closed 01-18); sub 2026-01-18.. 300
///   acc5: d5 new 4000 closed 2025-02-01; d5x cross_sell 1000 (created 01-05, closed 01-25); no subscriptions
///   acc6: d6 new 6000 closed 2024-12-15; sub 2025-01-01..2026-01-01 400 (ends exactly at the period start)
///   acc7: d7 new 2000 closed 2025-05-01; sub 2025-05-01..2026-02-01 250 (ends exactly at the period end)
///   acc8: d11 new 6000 (created 01-25, closed 01-30, contact c05)
///
/// NPS: c01 10 "Great onboarding" 01-25 · c09 9 01-05 · c10 7 "OK" 01-15 · c11 3 "Too expensive" 01-28
///      · c12 0 2026-02-01 00:00 · c13 6 2025-12-31 23:59.
///
/// Page views: a1 01-05 10:00 (utm cpc/google), 10:20, 10:49, 11:19 · a2 2025-12-31 23:45, 01-01 00:10,
///             01-01 01:00 (referrer linkedin) · c02 01-02 09:00 (utm email) · a4 02-01 00:00.
/// E-mail: m1 c02 cmpB p-nurture 01-05 opened+clicked · m2 c03 01-05 opened twice · m3 c04 01-05 bounced ·
///         (c07, e1, p-nurture) 01-31 23:00 without message_id, opened and clicked 02-02 · m5 c05 01-10 machine open only ·
///         m6 c01 cmpC p-cust 01-12 opened · m7 c09 cmpC p-cust 01-12 · m0 c02 2025-12-28 opened 01-02.
/// </summary>
public static class ReportDataset
{
    public static DateTime At(string text) => DateTime.SpecifyKind(DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);

    public static async Task SeedAsync(LifecycleDb db)
    {
        db.Campaigns.AddRange(
            new Campaign { Id = "cmpA", Name = "Search", Channel = "paid_search" },
            new Campaign { Id = "cmpB", Name = "Webinar", Channel = "webinar" },
            new Campaign { Id = "cmpC", Name = "Customer news", Channel = "email", Audience = Audience.Customers });
        db.CostLines.AddRange(
            Cost("2025-12-01", "cmpA", "paid_search", CostCategory.Media, 3100),
            Cost("2026-01-01", "cmpA", "paid_search", CostCategory.Media, 3100),
            Cost("2026-01-01", "cmpB", "webinar", CostCategory.Labor, 620),
            Cost("2026-01-01", null, "overhead", CostCategory.Technology, 310),
            Cost("2026-02-01", "cmpA", "paid_search", CostCategory.Media, 2800));

        Contact("c01", "paid_search", "cmpA", "acc1", ("inquiry", "2025-12-20 10:00"), ("lead", "2025-12-21"), ("mql", "2026-01-05"), ("sal", "2026-01-06"),
            ("sql", "2026-01-08"), ("opportunity", "2026-01-09"), ("customer", "2026-01-20"));
        Contact("c02", "paid_search", "cmpA", "acc9", ("inquiry", "2026-01-02"), ("lead", "2026-01-02 12:00"), ("mql", "2026-01-12 12:00"), ("sal", "2026-01-14 12:00"));
        Contact("c03", "webinar", "cmpB", "acc9", ("inquiry", "2026-01-03"), ("lead", "2026-01-03 06:00"), ("mql", "2026-01-04 06:00"), ("sal", "2026-01-05 06:00"),
            ("recycled", "2026-01-10"), ("lead", "2026-01-20"), ("mql", "2026-01-25 06:00"));
        Contact("c04", "webinar", "cmpB", null, ("inquiry", "2026-01-10"), ("lead", "2026-01-10 01:00"));
        Contact("c05", "referral", null, "acc8", ("inquiry", "2026-01-15"), ("lead", "2026-01-15 12:00"), ("sql", "2026-01-25 12:00"), ("customer", "2026-01-30 12:00"));
        Contact("c06", "paid_search", "cmpA", null, ("inquiry", "2026-01-31 23:00"), ("lead", "2026-02-01 01:00"));
        Contact("c07", "paid_search", "cmpA", null, ("inquiry", "2025-12-31 20:00"), ("lead", "2026-01-01 03:00"));
        Contact("c08", "paid_search", "cmpA", null, ("inquiry", "2025-11-01"), ("lead", "2025-11-01 12:00"), ("mql", "2026-01-11 12:00"), ("sal", "2026-01-12 12:00"),
            ("sql", "2026-01-22 12:00"), ("opportunity", "2026-01-23"), ("recycled", "2026-02-10"));
        Contact("c09", "organic_search", null, "acc2", ("inquiry", "2025-10-01"), ("lead", "2025-10-01 12:00"), ("mql", "2025-12-01"), ("sal", "2025-12-02"),
            ("sql", "2025-12-10"), ("opportunity", "2025-12-11"), ("customer", "2026-01-10"));
        Contact("c14", "paid_search", "cmpA", null, ("inquiry", "2026-01-20"));
        Contact("c15", "paid_search", "cmpA", null, ("inquiry", "2026-01-31 18:00"));
        foreach (var id in new[] { "c10", "c11", "c12", "c13" }) Contact(id, null, null, null);

        Deal("d1", "acc1", "c01", DealType.New, 10000, "2026-01-09", "2026-01-20", "cmpA");
        Deal("d1b", "acc1", "c01", DealType.Upsell, 2000, "2026-12-01", "2027-01-20 00:00:00");
        Deal("d1c", "acc1", "c01", DealType.CrossSell, 700, "2026-12-01", "2027-01-20 00:00:01");
        Deal("d9", "acc2", "c09", DealType.New, 20000, "2025-12-11", "2026-01-10");
        Deal("d3", "acc3", null, DealType.New, 5000, "2025-05-01", "2025-06-01");
        Deal("d10", "acc3", null, DealType.Upsell, 9999, "2026-01-02", "2026-01-24", outcome: DealOutcome.Lost);
        Deal("d4", "acc4", null, DealType.New, 8000, "2025-02-01", "2025-03-01");
        Deal("d4u", "acc4", "c10", DealType.Upsell, 3000, "2026-01-08", "2026-01-18");
        Deal("d5", "acc5", null, DealType.New, 4000, "2025-01-01", "2025-02-01");
        Deal("d5x", "acc5", null, DealType.CrossSell, 1000, "2026-01-05", "2026-01-25");
        Deal("d6", "acc6", null, DealType.New, 6000, "2024-12-01", "2024-12-15");
        Deal("d7", "acc7", null, DealType.New, 2000, "2025-04-01", "2025-05-01");
        Deal("d11", "acc8", "c05", DealType.New, 6000, "2026-01-25", "2026-01-30");
        Deal("d12", "acc8", "c05", DealType.Upsell, 5000, "2026-01-28", null, outcome: DealOutcome.Open);

        Subscription("acc2", 2000, "2026-01-10", null);
        Subscription("acc3", 500, "2025-06-01", "2026-01-15");
        Subscription("acc4", 1000, "2025-03-01", null);
        Subscription("acc4", 300, "2026-01-18", null);
        Subscription("acc6", 400, "2025-01-01", "2026-01-01");
        Subscription("acc7", 250, "2025-05-01", "2026-02-01");

        Nps("c01", 10, "Great onboarding", "2026-01-25");
        Nps("c09", 9, null, "2026-01-05");
        Nps("c10", 7, "OK", "2026-01-15");
        Nps("c11", 3, "Too expensive", "2026-01-28");
        Nps("c12", 0, "Late", "2026-02-01 00:00");
        Nps("c13", 6, "Early", "2025-12-31 23:59");

        Page("a1", null, "2026-01-05 10:00", url: "https://example.com/?utm_medium=cpc&utm_source=google");
        Page("a1", null, "2026-01-05 10:20");
        Page("a1", null, "2026-01-05 10:49");
        Page("a1", null, "2026-01-05 11:19");
        Page("a2", null, "2025-12-31 23:45");
        Page("a2", null, "2026-01-01 00:10");
        Page("a2", null, "2026-01-01 01:00", referrer: "https://www.linkedin.com/feed");
        Page("a3", "c02", "2026-01-02 09:00", url: "https://example.com/pricing?utm_medium=email&utm_source=newsletter");
        Page("a4", null, "2026-02-01 00:00");

        Email("Email Sent", "c02", "2026-01-05", message: "m1", program: "p-nurture", campaign: "cmpB");
        Email("Email Opened", "c02", "2026-01-06", message: "m1");
        Email("Email Clicked", "c02", "2026-01-06 00:01", message: "m1");
        Email("Email Sent", "c03", "2026-01-05", message: "m2", program: "p-nurture", campaign: "cmpB");
        Email("Email Opened", "c03", "2026-01-06", message: "m2");
        Email("Email Opened", "c03", "2026-01-07", message: "m2");
        Email("Email Sent", "c04", "2026-01-05", message: "m3", program: "p-nurture", campaign: "cmpB");
        Email("Email Bounced", "c04", "2026-01-05 00:01", message: "m3");
        Email("Email Sent", "c07", "2026-01-31 23:00", emailId: "e1", program: "p-nurture", campaign: "cmpB");
        Email("Email Opened", "c07", "2026-02-02", emailId: "e1", program: "p-nurture");
        Email("Email Clicked", "c07", "2026-02-02 00:01", emailId: "e1", program: "p-nurture");
        Email("Email Sent", "c05", "2026-01-10", message: "m5", program: "p-nurture", campaign: "cmpB");
        Email("Email Opened", "c05", "2026-01-10 00:01", message: "m5", machine: true);
        Email("Email Sent", "c01", "2026-01-12", message: "m6", program: "p-cust", campaign: "cmpC");
        Email("Email Opened", "c01", "2026-01-13", message: "m6");
        Email("Email Sent", "c09", "2026-01-12", message: "m7", program: "p-cust", campaign: "cmpC");
        Email("Email Sent", "c02", "2025-12-28", message: "m0", program: "p-nurture", campaign: "cmpB");
        Email("Email Opened", "c02", "2026-01-02", message: "m0");

        await db.SaveChangesAsync();

        void Contact(string id, string? source, string? campaign, string? account, params (string To, string At)[] transitions)
        {
            db.Contacts.Add(new Contact { Id = id, Email = $"{id}@example.com", LeadSource = source, CampaignId = campaign, AccountId = account, CreatedAt = At("2025-01-01") });
            ContactStatus? previous = null;
            foreach (var (to, at) in transitions)
            {
                ContactStatusNames.TryParse(to, out var status);
                db.Transitions.Add(new Transition { ContactId = id, FromStatus = previous, ToStatus = status, At = At(at), Actor = "import", CampaignId = campaign });
                previous = status;
            }
        }
        void Deal(string id, string account, string? contact, DealType type, decimal amount, string created, string? closed, string? campaign = null, DealOutcome outcome = DealOutcome.Won) =>
            db.Deals.Add(new Deal { Id = id, AccountId = account, ContactId = contact, Type = type, Amount = amount, CreatedAt = At(created),
                ClosedAt = closed is null ? null : At(closed), Outcome = outcome, CampaignId = campaign });
        void Subscription(string account, decimal mrr, string starts, string? ends) =>
            db.Subscriptions.Add(new Subscription { Id = $"s-{account}-{starts}", AccountId = account, Mrr = mrr, StartsOn = DateOnly.Parse(starts),
                EndsOn = ends is null ? null : DateOnly.Parse(ends) });
        void Nps(string contact, int score, string? comment, string at) =>
            db.NpsResponses.Add(new NpsResponse { ContactId = contact, Score = score, Comment = comment, RespondedAt = At(at) });
        void Page(string anonymous, string? contact, string at, string url = "https://example.com/", string? referrer = null) =>
            AddEvent("page", "Page Viewed", contact, anonymous, at, new { context = new { page = new { url, referrer } } });
        void Email(string name, string contact, string at, string? message = null, string? emailId = null, string? program = null, string? campaign = null, bool machine = false) =>
            AddEvent("track", name, contact, null, at, new { @event = name, properties = new { message_id = message, email_id = emailId, program_id = program, campaign_id = campaign, machine_open = machine } });
        void AddEvent(string type, string name, string? contact, string? anonymous, string at, object payload) =>
            db.Events.Add(new TrackedEvent { MessageId = Guid.NewGuid().ToString("N"), Type = type, Name = name, ContactId = contact, AnonymousId = anonymous,
                UserId = contact, Timestamp = At(at), ReceivedAt = At(at), Payload = JsonSerializer.Serialize(payload) });
    }

    private static CostLine Cost(string month, string? campaign, string channel, CostCategory category, decimal amount) =>
        new() { Month = DateOnly.Parse(month), CampaignId = campaign, Channel = channel, Category = category, Amount = amount };
}
