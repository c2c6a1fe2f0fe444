using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;

namespace Lifecycle.Reports;

public sealed record TransitionRow(string ContactId, ContactStatus? FromStatus, ContactStatus ToStatus, DateTime At, string? CampaignId,
    bool? Reached = null, double? Days = null);
public sealed record DealRow(string DealId, string AccountId, string? ContactId, DealType Type, decimal Amount, DateTime CreatedAt, DateTime ClosedAt, string? CampaignId);
public sealed record AccountRow(string AccountId, DateTime? FirstWinAt, string? CampaignId, decimal? FirstYearBookings, bool? Churned);
public sealed record CostRow(DateOnly Month, string? CampaignId, string Channel, CostCategory Category, decimal Amount, decimal InPeriod);

/// <summary>
/// Drill-down: the rows behind a metric's number for the same scope and the same counting rules (the transitions,
/// deals, accounts, cost lines, answers, visits or messages it counts), so every number can be opened. Pure.
/// </summary>
public static class MetricRows
{
    private static readonly Dictionary<string, Func<MetricScope, IEnumerable<object>>> ById = Build();

    public static Func<MetricScope, IEnumerable<object>>? For(string id) => ById.GetValueOrDefault(id);

    private static Dictionary<string, Func<MetricScope, IEnumerable<object>>> Build()
    {
        var rows = new Dictionary<string, Func<MetricScope, IEnumerable<object>>>(StringComparer.Ordinal);
        void Add(Func<MetricScope, IEnumerable<object>> f, params string[] ids) { foreach (var id in ids) rows[id] = f; }

        Add(s => s.FirstEntries(ContactStatus.Inquiry).Select(Row), "capture.inquiries", "capture.cost_per_inquiry", "capture.visitor_to_inquiry_rate");
        Add(s => s.FirstEntries(ContactStatus.Lead).Select(Row), "nurture.new_leads");
        Add(s => s.Entries(ContactStatus.Lead).Where(t => t.From == ContactStatus.Recycled).Select(Row), "nurture.reopened_leads");
        Add(s => s.Entries(ContactStatus.Mql).Select(Row), "nurture.mqls", "nurture.mql_contacts", "nurture.cost_per_mql");
        Add(s => s.FirstEntries(ContactStatus.Lead).Select(e => Row(e) with { Reached = s.Reach(e, ContactStatus.Mql) is not null }), "nurture.lead_to_mql_rate");
        Add(s => s.Entries(ContactStatus.Sal).Select(Row), "convert.sals");
        Add(s => s.Entries(ContactStatus.Sql).Select(Row), "convert.sqls", "convert.cost_per_sql");
        Add(s => s.Entries(ContactStatus.Opportunity).Select(Row), "convert.opportunities");
        Add(s => s.Entries(ContactStatus.Customer).Select(Row), "convert.customer_contacts");
        Add(s => PerEntry(s, ContactStatus.Mql, ContactStatus.Sal), "convert.mql_acceptance_rate");
        Add(s => PerEntry(s, ContactStatus.Sql, ContactStatus.Customer), "convert.win_rate");
        foreach (var (a, b) in new[] { (ContactStatus.Lead, ContactStatus.Mql), (ContactStatus.Mql, ContactStatus.Sal), (ContactStatus.Sal, ContactStatus.Sql),
                     (ContactStatus.Sql, ContactStatus.Customer), (ContactStatus.Lead, ContactStatus.Customer) })
            Add(s => Velocity(s, a, b), $"convert.velocity.{a.ToName()}_to_{b.ToName()}");
        Add(s => s.NewCustomers().Select(a => new AccountRow(a, s.FirstWin(a)!.ClosedAt, s.OfAccount(a).Campaign, s.FirstYearBookings(a), null)),
            "convert.new_customers", "convert.cost_per_customer", "convert.roi");
        Add(s => s.Bookings().Select(Row), "convert.average_deal_size", "convert.sales_cycle_days", "expand.upsell_share");
        Add(s => s.Bookings().Where(d => d.Type == DealType.New).Select(Row), "convert.average_new_deal_size");
        Add(s => s.Accounts().Where(a => s.IsCustomerAt(a, s.Period.From))
            .Select(a => new AccountRow(a, s.FirstWin(a)?.ClosedAt, s.OfAccount(a).Campaign, null, !s.IsCustomerAt(a, s.Period.To))), "expand.churn_rate");
        Add(s => s.PeriodNps().OrderByDescending(n => n.RespondedAt), "expand.nps");
        Add(s => s.CostLines().Select(c => new CostRow(c.Month, c.CampaignId, c.Channel, c.Category, c.Amount, ReportMath.Money(s.CostOf([c]))!.Value))
            .Where(c => c.InPeriod != 0), "cost.total", "cost.by_category", "cost.by_channel", "cost.by_campaign");
        Add(s => s.Facts.Visits.Where(v => s.Period.Contains(v.Start) && (s.Slice is null || v.Channel == s.Slice.Value)), "attract.visits", "attract.visits_by_channel");
        Add(s => s.Facts.PageViews.Where(p => s.Period.Contains(p.At)), "attract.page_views", "attract.unique_visitors");
        Add(s => Emails(s, customers: false), "nurture.email_open_rate", "nurture.email_click_rate", "nurture.click_to_open_rate");
        Add(s => Emails(s, customers: true), "expand.customer_email_open_rate", "expand.customer_email_click_rate");
        return rows;
    }

    private static TransitionRow Row(TransitionFact t) => new(t.ContactId, t.From, t.To, t.At, t.CampaignId);

    private static DealRow Row(DealFact d) => new(d.Id, d.AccountId, d.ContactId, d.Type, d.Amount, d.CreatedAt, d.ClosedAt, d.CampaignId);

    private static IEnumerable<object> PerEntry(MetricScope s, ContactStatus cohort, ContactStatus target) =>
        s.Entries(cohort).Select(e => Row(e) with { Reached = s.Reach(e, target, t => t.To == cohort) is not null });

    private static IEnumerable<object> Velocity(MetricScope s, ContactStatus a, ContactStatus b)
    {
        foreach (var entry in s.Entries(b))
        {
            var history = s.History(entry.ContactId);
            if (history.Take(history.IndexOf(entry)).LastOrDefault(t => t.To == a) is { } before)
                yield return Row(entry) with { Days = ReportMath.Days(before.At, entry.At) };
        }
    }

    private static IEnumerable<object> Emails(MetricScope s, bool customers) =>
        s.Facts.Emails.Where(e => s.Period.Contains(e.SentAt) && MetricCatalog.InSlice(s, e.CampaignId) && MetricCatalog.ToCustomers(s, e.CampaignId) == customers);
}
