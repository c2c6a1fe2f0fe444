using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using static Lifecycle.Reports.ReportMath;

namespace Lifecycle.Reports;

/// <summary>
/// One metric of lifecycle.md §3: its stable id, what it means, its unit, the breakdowns that apply and how it is
/// computed. <see cref="Compute"/> is null for a metric whose facts are not recorded yet. A metric whose value is a
/// dictionary and <see cref="Expands"/> appears as one id per key (<c>nurture.email.&lt;program id&gt;</c>).
/// <see cref="Needs"/> names the costly facts it reads beyond deals (and their contacts), subscriptions, campaigns,
/// costs and NPS, so a report loads only what its metrics read; by default the transition histories.
/// <see cref="Later"/> says which data from after the period's end can change its value (later opens of its messages,
/// what later became of its leads), so <see cref="ReportCache"/> forgets a kept value when such data is written.
/// </summary>
public sealed record MetricDefinition(
    string Id, string Description, string Unit, Dimension[] Breakdowns, Func<MetricScope, object?>? Compute, bool Expands = false,
    FactNeeds Needs = FactNeeds.Histories, LaterData Later = LaterData.None)
{
    public bool Available => Compute is not null;

    /// <summary>What a set of metrics reads together.</summary>
    public static FactNeeds NeedsOf(IEnumerable<MetricDefinition> metrics) => metrics.Aggregate(FactNeeds.None, (all, m) => all | m.Needs);
}

/// <summary>What written after a period's end can still change a metric's value for it.</summary>
public enum LaterData
{
    /// <summary>Nothing: the value reads only data with instants up to the period's end.</summary>
    None,
    /// <summary>The bounces, opens and clicks of the messages sent in the period, whenever they come.</summary>
    Emails,
    /// <summary>What later became of the contacts active in the period (their transitions), and won deals.</summary>
    Histories,
}

public sealed record VelocityPair(ContactStatus From, ContactStatus To);
public sealed record RoiValue(decimal? Bookings, decimal? Cost, decimal? BookingsToCost, decimal? Roi);
public sealed record RoiReport(decimal? Bookings, decimal? Cost, decimal? BookingsToCost, decimal? Roi,
    IReadOnlyDictionary<string, RoiValue>? ByCampaign, IReadOnlyDictionary<string, RoiValue>? ByChannel);
public sealed record SourceEffectiveness(int Leads, int Mqls, int Sqls, int Customers, double? LeadToCustomerRate,
    decimal? Bookings, decimal? Cost, decimal? CostPerCustomer, decimal? Roi, double? MedianLeadToCustomerDays);
public sealed record NpsVerbatim(string ContactId, int Score, string Comment, DateTime RespondedAt);
public sealed record NpsReport(double? Score, int Responses, int Promoters, int Passives, int Detractors, IReadOnlyList<NpsVerbatim> Verbatims);
public sealed record ReferralGroup(int Leads, double? LeadToCustomerRate, double? MedianCycleDays, decimal? AverageDealSize);
public sealed record ReferralReport(ReferralGroup Referral, ReferralGroup Other);
public sealed record ScoreDriverRow(Scoring.ScoreKind Kind, long Points, int ContactsWith, double? MqlRateWith, int ContactsWithout, double? MqlRateWithout);
public sealed record FormConversionRow(long Views, long Submissions, double? ConversionRate, IReadOnlyList<Capture.PageConversion> Pages);
public sealed record EmailProgramReport(int Sent, int Delivered, double? OpenRate, double? ClickRate, double? ClickToOpenRate);

/// <summary>Every metric id, in the order reports show them. The API, the CLI and exports all read this list.</summary>
public static class MetricCatalog
{
    private static readonly Dimension[] All = [Dimension.Campaign, Dimension.Channel, Dimension.Source, Dimension.Segment, Dimension.Owner];
    /// <summary>Cost is recorded per campaign and channel (a source's is its channel's), never per segment or owner.</summary>
    private static readonly Dimension[] CostDimensions = [Dimension.Campaign, Dimension.Channel, Dimension.Source];
    private static readonly Dimension[] CampaignChannel = [Dimension.Campaign, Dimension.Channel];
    private static readonly Dimension[] ChannelOnly = [Dimension.Channel];
    private static readonly Dimension[] None = [];

    public static readonly IReadOnlyList<MetricDefinition> Metrics =
    [
        // Attract
        new("attract.visits", "sessions, split after 30 minutes without a hit; a visit counts in the period of its first hit", "count", ChannelOnly,
            s => s.Facts.Visits.Count(v => s.Period.Contains(v.Start) && (s.Slice is null || v.Channel == s.Slice.Value)), Needs: FactNeeds.Traffic),
        new("attract.unique_visitors", "distinct visitors (contact, else anonymous id) with a page view in the period", "count", None,
            s => UniqueVisitors(s), Needs: FactNeeds.Traffic),
        new("attract.page_views", "page views in the period", "count", None,
            s => s.Facts.PageViews.Where(p => s.Period.Contains(p.At)).Sum(p => p.Count), Needs: FactNeeds.Traffic),
        new("attract.visits_by_channel", "visits by the channel of their first hit (docs/channels.md)", "count by channel", None,
            s => s.Facts.Visits.Where(v => s.Period.Contains(v.Start)).GroupBy(v => v.Channel).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count()), Needs: FactNeeds.Traffic),
        // Capture
        new("capture.inquiries", "contacts whose first transition into inquiry is in the period", "count", All,
            s => s.FirstEntries(ContactStatus.Inquiry).Count()),
        new("capture.visitor_to_inquiry_rate", "inquiries / unique visitors", "rate", None,
            s => Rate(s.FirstEntries(ContactStatus.Inquiry).Count(), UniqueVisitors(s)), Needs: FactNeeds.Traffic | FactNeeds.Histories),
        new("capture.form_conversion_rate", "per form: submissions / views of the pages holding it, over all its pages and per page", "object per form", None,
            s => FormConversionTable(s), Needs: FactNeeds.Forms),
        new("capture.cost_per_inquiry", "program cost in the period / inquiries", "money", CostDimensions,
            s => Money(Per(s.Cost(), s.FirstEntries(ContactStatus.Inquiry).Count()))),
        // Nurture
        new("nurture.new_leads", "contacts whose first transition into lead is in the period", "count", All,
            s => s.FirstEntries(ContactStatus.Lead).Count()),
        new("nurture.reopened_leads", "transitions recycled -> lead in the period", "count", All,
            s => s.Entries(ContactStatus.Lead).Count(t => t.From == ContactStatus.Recycled)),
        new("nurture.email_open_rate", "unique opens / delivered, messages sent in the period to prospects (campaign audience not customers)", "rate", CampaignChannel,
            s => EmailRates(s, customers: false).OpenRate, Needs: FactNeeds.Emails, Later: LaterData.Emails),
        new("nurture.email_click_rate", "unique clicks / delivered, prospect messages sent in the period", "rate", CampaignChannel,
            s => EmailRates(s, customers: false).ClickRate, Needs: FactNeeds.Emails, Later: LaterData.Emails),
        new("nurture.click_to_open_rate", "unique clicks / unique opens, prospect messages sent in the period", "rate", CampaignChannel,
            s => EmailRates(s, customers: false).ClickToOpenRate, Needs: FactNeeds.Emails, Later: LaterData.Emails),
        new("nurture.email", "per prospect program (properties.program_id): sent, delivered, open_rate, click_rate, click_to_open_rate", "object per program", CampaignChannel,
            s => s.Facts.EmailTallies.Where(e => e.ProgramId is not null && s.Period.Contains(e.SentAt) && InSlice(s, e.CampaignId) && !ToCustomers(s, e.CampaignId))
                .GroupBy(e => e.ProgramId!).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => EmailProgram(g)), Expands: true, Needs: FactNeeds.Emails, Later: LaterData.Emails),
        new("nurture.lead_score_profile", "the period's new leads' total scores at its last instant (current scoring model): count, mean, median, p25, p75, histogram, share at or above the MQL threshold", "object", None,
            s => LeadScoreProfile.Of(s), Needs: FactNeeds.Scores | FactNeeds.Histories),
        new("nurture.mqls", "transitions into mql in the period, re-entries included", "count", All,
            s => s.Entries(ContactStatus.Mql).Count()),
        new("nurture.mql_contacts", "distinct contacts with a transition into mql in the period", "count", All,
            s => s.Entries(ContactStatus.Mql).Select(t => t.ContactId).Distinct().Count()),
        new("nurture.lead_to_mql_rate", "cohort: of the new leads of the period, the share that reached mql or a later stage", "rate", All,
            s => CohortRate(s, ContactStatus.Lead, ContactStatus.Mql), Later: LaterData.Histories),
        new("nurture.cost_per_mql", "program cost in the period / MQLs in the period", "money", CostDimensions,
            s => Money(Per(s.Cost(), s.Entries(ContactStatus.Mql).Count()))),
        new("nurture.program_steps", "per program, per step in program order: runs that entered, completed, exited on goal, dropped (unsubscribed, bounced, or stalled past the step's limit) and stalled in the period", "object per program", None,
            s => s.Facts.Programs.OrderBy(p => p.Key, StringComparer.Ordinal)
                .ToDictionary(p => p.Key, p => Programs.ProgramStepMetrics.Compute(p.Value, s.Facts.StepRuns[p.Key], s.Period.From, s.Period.To)), Needs: FactNeeds.ProgramRuns),
        // The period's points and MQL entries only: nothing written later about other instants changes it.
        new("nurture.score_drivers", "per scoring rule: points awarded in the period, and the MQL rate of the contacts it scored against the other scored contacts", "object per rule", None,
            s => ScoreDriverTable(s), Needs: FactNeeds.Scores | FactNeeds.Histories),
        // Convert
        new("convert.sals", "transitions into sal in the period", "count", All, s => s.Entries(ContactStatus.Sal).Count()),
        new("convert.sqls", "transitions into sql in the period", "count", All, s => s.Entries(ContactStatus.Sql).Count()),
        new("convert.opportunities", "transitions into opportunity in the period", "count", All, s => s.Entries(ContactStatus.Opportunity).Count()),
        new("convert.new_customers", "accounts whose first won deal closes in the period", "count", All, s => s.NewCustomers().Count(), Needs: FactNeeds.None),
        new("convert.customer_contacts", "contact transitions into customer in the period", "count", All, s => s.Entries(ContactStatus.Customer).Count()),
        new("convert.mql_acceptance_rate", "cohort: MQL entries of the period that reached sal or later before the next mql entry", "rate", All,
            s => PerEntryRate(s, ContactStatus.Mql, ContactStatus.Sal), Later: LaterData.Histories),
        new("convert.win_rate", "cohort: SQL entries of the period that reached customer before the next sql entry", "rate", All,
            s => PerEntryRate(s, ContactStatus.Sql, ContactStatus.Customer), Later: LaterData.Histories),
        Velocity(ContactStatus.Lead, ContactStatus.Mql),
        Velocity(ContactStatus.Mql, ContactStatus.Sal),
        Velocity(ContactStatus.Sal, ContactStatus.Sql),
        Velocity(ContactStatus.Sql, ContactStatus.Customer),
        Velocity(ContactStatus.Lead, ContactStatus.Customer),
        new("convert.cost_per_sql", "program cost in the period / SQLs in the period", "money", CostDimensions,
            s => Money(Per(s.Cost(), s.Entries(ContactStatus.Sql).Count()))),
        new("convert.cost_per_customer", "program cost in the period / new customers (accounts)", "money", CostDimensions,
            s => Money(Per(s.Cost(), s.NewCustomers().Count())), Needs: FactNeeds.None),
        new("convert.average_deal_size", "won amount / won deals, all deal types, closed in the period", "money", All,
            s => Money(Average(s.Bookings().ToList())), Needs: FactNeeds.None),
        new("convert.average_new_deal_size", "won amount / won deals of type new closed in the period", "money", All,
            s => Money(Average(s.Bookings().Where(d => d.Type == DealType.New).ToList())), Needs: FactNeeds.None),
        new("convert.sales_cycle_days", "median days from deal creation (opportunity) to win, deals won in the period", "days", All,
            s => Median(s.Bookings().Select(d => Days(d.CreatedAt, d.ClosedAt))), Needs: FactNeeds.None),
        new("convert.roi", "new customers' first-year bookings against program cost: bookings_to_cost and roi = (bookings - cost) / cost, per campaign and channel", "object", CampaignChannel,
            s => Roi(s), Later: LaterData.Histories),
        new("convert.source_effectiveness", "per lead source, cohort of the period's new leads: leads, mqls, sqls, customers, rate, bookings, cost, cost per customer, roi, median days", "object per source", None,
            s => SourceTable(s), Later: LaterData.Histories),
        // Expand
        new("expand.customer_email_open_rate", "unique opens / delivered, messages sent in the period for customer-audience campaigns", "rate", CampaignChannel,
            s => EmailRates(s, customers: true).OpenRate, Needs: FactNeeds.Emails, Later: LaterData.Emails),
        new("expand.customer_email_click_rate", "unique clicks / delivered, customer-audience messages sent in the period", "rate", CampaignChannel,
            s => EmailRates(s, customers: true).ClickRate, Needs: FactNeeds.Emails, Later: LaterData.Emails),
        new("expand.churn_rate", "accounts that are customers at from and not at to / accounts that are customers at from", "rate", All,
            s => ChurnRate(s), Needs: FactNeeds.None),
        new("expand.upsell_share", "(upsell + cross_sell) / all won bookings closed in the period", "rate", All,
            s => UpsellShare(s), Needs: FactNeeds.None),
        new("expand.nps", "100 x (promoters - detractors) / answers in the period, counts, verbatims newest first", "object", None,
            s => Nps(s), Needs: FactNeeds.None),
        new("expand.net_revenue_retention", "MRR at to of the accounts with MRR at from / their MRR at from", "rate", All,
            s => NetRevenueRetention(s), Needs: FactNeeds.None),
        new("expand.customer_lifetime_value", "ARPA (MRR per paying account at from) x gross margin / monthly churn (churn rate / months in the period)", "money", All,
            s => CustomerLifetimeValue(s), Needs: FactNeeds.None),
        new("expand.referrals", "new leads with source referral against all others: count, lead->customer rate, median cycle days, average deal size", "object", None,
            s => Referrals(s), Later: LaterData.Histories),
        // Cost
        new("cost.total", "all program cost in the period, lines without a campaign included", "money", CostDimensions, s => Money(s.Cost()), Needs: FactNeeds.None),
        new("cost.by_category", "program cost in the period by category", "money by category", None,
            s => s.PeriodCostLines().GroupBy(c => Storage.SnakeCase.Of(c.Category.ToString())).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Money(s.CostOf(g))), Needs: FactNeeds.None),
        new("cost.by_channel", "program cost in the period by channel", "money by channel", None,
            s => s.PeriodCostLines().GroupBy(c => c.Channel).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Money(s.CostOf(g))), Needs: FactNeeds.None),
        new("cost.by_campaign", "program cost in the period by campaign; lines without one under (none)", "money by campaign", None,
            s => s.PeriodCostLines().GroupBy(c => c.CampaignId ?? Slice.None).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Money(s.CostOf(g))), Needs: FactNeeds.None),
    ];

    private static readonly Dictionary<string, MetricDefinition> ById = Metrics.ToDictionary(m => m.Id);

    public static MetricDefinition? Find(string id) => ById.GetValueOrDefault(id);

    public static IEnumerable<MetricDefinition> Available => Metrics.Where(m => m.Available);

    /// <summary>Every available metric of the scope, keyed by metric id (expanding metrics give one id per key).</summary>
    public static Dictionary<string, object?> Compute(MetricScope scope, IEnumerable<MetricDefinition> metrics)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var metric in metrics.Where(m => m.Available))
        {
            var value = metric.Compute!(scope);
            if (metric.Expands && value is System.Collections.IDictionary parts)
                foreach (System.Collections.DictionaryEntry part in parts) values[$"{metric.Id}.{part.Key}"] = part.Value;
            else values[metric.Id] = value;
        }
        return values;
    }

    private static MetricDefinition Velocity(ContactStatus a, ContactStatus b)
    {
        var name = $"{a.ToName()}_to_{b.ToName()}";
        return new($"convert.velocity.{name}", $"days from the latest {a.ToName()} entry to each {b.ToName()} entry in the period: median, p75, p90, mean, count", "days", All,
            s => VelocityStats.Of(s.VelocityDays(a, b)));
    }

    private static Dictionary<string, FormConversionRow> FormConversionTable(MetricScope s) =>
        s.Facts.FormEvents.Where(e => s.Period.Contains(e.At)).GroupBy(e => e.FormId).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Capture.FormConversion.Compute(g.Key, s.Period.From, s.Period.To, g.Select(e => (e.Name, e.Page))))
            .ToDictionary(r => r.FormId, r => new FormConversionRow(r.Views, r.Submissions, r.ConversionRate, r.Pages));

    private static int UniqueVisitors(MetricScope s) => s.Facts.PageViews.Where(p => s.Period.Contains(p.At)).Select(p => p.VisitorKey).Distinct().Count();

    private static double? CohortRate(MetricScope s, ContactStatus cohort, ContactStatus target)
    {
        var entries = s.FirstEntries(cohort).ToList();
        return Rate(entries.Count(e => s.Reach(e, target) is not null), entries.Count);
    }

    private static double? PerEntryRate(MetricScope s, ContactStatus cohort, ContactStatus target)
    {
        var (reached, entries) = s.CohortPerEntry(cohort, target);
        return Rate(reached, entries);
    }

    private static decimal? Average(IReadOnlyCollection<DealFact> deals) => Per(deals.Sum(d => d.Amount), deals.Count);

    private static RoiValue RoiOf(decimal bookings, decimal cost)
    {
        var (ratio, roi) = ReportMath.Roi(bookings, cost);
        return new RoiValue(Money(bookings), Money(cost), ratio is { } r ? Math.Round(r, 4) : null, roi is { } o ? Math.Round(o, 4) : null);
    }

    private static object Roi(MetricScope s)
    {
        RoiValue For(MetricScope scope) => RoiOf(scope.NewCustomers().Sum(scope.FirstYearBookings), scope.Cost());
        var total = For(s);
        if (s.Slice is not null) return total;
        Dictionary<string, RoiValue> By(Dimension dimension, IEnumerable<string?> values) =>
            values.Distinct().OrderBy(v => v ?? "", StringComparer.Ordinal)
                .ToDictionary(v => v ?? Slice.None, v => For(s.For(new Slice(dimension, v))));
        var customers = s.NewCustomers().Select(s.OfAccount).ToList();
        return new RoiReport(total.Bookings, total.Cost, total.BookingsToCost, total.Roi,
            By(Dimension.Campaign, customers.Select(c => c.Campaign).Concat(s.PeriodCostLines().Select(c => c.CampaignId))),
            By(Dimension.Channel, customers.Select(c => c.Channel).Concat(s.PeriodCostLines().Select(c => (string?)c.Channel))));
    }

    private static Dictionary<string, SourceEffectiveness> SourceTable(MetricScope s)
    {
        var cohort = s.FirstEntries(ContactStatus.Lead).ToList();
        var firstWins = s.Facts.WonDeals.Select(d => d.AccountId).Distinct().Select(a => s.FirstWin(a)!).ToList();
        var table = new Dictionary<string, SourceEffectiveness>(StringComparer.Ordinal);
        foreach (var group in cohort.GroupBy(e => s.Of(e).Source ?? Slice.None).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var entries = group.ToList();
            int Reached(ContactStatus stage) => entries.Count(e => s.Reach(e, stage) is not null);
            var customers = Reached(ContactStatus.Customer);
            var contacts = entries.Select(e => e.ContactId).ToHashSet();
            var bookings = firstWins.Where(d => d.ContactId is not null && contacts.Contains(d.ContactId)).Sum(d => s.FirstYearBookings(d.AccountId));
            var cost = s.For(new Slice(Dimension.Source, group.Key == Slice.None ? null : group.Key)).Cost();
            var days = entries.Select(e => s.Reach(e, ContactStatus.Customer) is { } won ? Days(e.At, won.At) : (double?)null).OfType<double>();
            table[group.Key] = new SourceEffectiveness(entries.Count, Reached(ContactStatus.Mql), Reached(ContactStatus.Sql), customers,
                Rate(customers, entries.Count), Money(bookings), Money(cost), Money(Per(cost, customers)), RoiOf(bookings, cost).Roi, Median(days));
        }
        return table;
    }

    private static Dictionary<string, ScoreDriverRow> ScoreDriverTable(MetricScope s)
    {
        var changes = s.Facts.ScoreChanges.Where(c => s.Period.Contains(c.At))
            .Select(c => new Scoring.DriverChange(c.ContactId, c.RuleId, c.Kind, c.Points)).ToList();
        var mqls = s.Entries(ContactStatus.Mql).Select(t => t.ContactId).ToHashSet();
        return Scoring.ScoreDrivers.Compute(changes, mqls).ToDictionary(d => d.RuleId,
            d => new ScoreDriverRow(d.Kind, d.Points, d.ContactsWith, d.MqlRateWith, d.ContactsWithout, d.MqlRateWithout));
    }

    private static double? ChurnRate(MetricScope s)
    {
        var atStart = s.Accounts().Where(a => s.IsCustomerAt(a, s.Period.From)).ToList();
        return Rate(atStart.Count(a => !s.IsCustomerAt(a, s.Period.To)), atStart.Count);
    }

    private static decimal? UpsellShare(MetricScope s)
    {
        var deals = s.Bookings().ToList();
        var share = Rate(deals.Where(d => d.Type is DealType.Upsell or DealType.CrossSell).Sum(d => d.Amount), deals.Sum(d => d.Amount));
        return share is { } v ? Math.Round(v, 6) : null;
    }

    private static NpsReport Nps(MetricScope s)
    {
        var answers = s.PeriodNps().ToList();
        var score = NpsScore.Of(answers.Select(n => n.Score));
        var verbatims = answers.Where(n => !string.IsNullOrWhiteSpace(n.Comment)).OrderByDescending(n => n.RespondedAt)
            .Select(n => new NpsVerbatim(n.ContactId, n.Score, n.Comment!, n.RespondedAt)).ToList();
        return new NpsReport(score.Score, score.Responses, score.Promoters, score.Passives, score.Detractors, verbatims);
    }

    private static decimal? NetRevenueRetention(MetricScope s)
    {
        var paying = s.Accounts().Where(a => s.MrrAt(a, s.Period.From) > 0).ToList();
        var rate = Rate(paying.Sum(a => s.MrrAt(a, s.Period.To)), paying.Sum(a => s.MrrAt(a, s.Period.From)));
        return rate is { } v ? Math.Round(v, 6) : null;
    }

    private static decimal? CustomerLifetimeValue(MetricScope s)
    {
        var paying = s.Accounts().Where(a => s.MrrAt(a, s.Period.From) > 0).ToList();
        var arpa = Per(paying.Sum(a => s.MrrAt(a, s.Period.From)), paying.Count);
        if (arpa is null || ChurnRate(s) is not { } churn || churn == 0) return null;
        var monthlyChurn = (decimal)churn / s.Period.Months().Count();
        return Money(arpa * s.Settings.GrossMargin / monthlyChurn);
    }

    private static ReferralReport Referrals(MetricScope s)
    {
        var cohort = s.FirstEntries(ContactStatus.Lead).ToList();
        ReferralGroup Group(List<TransitionFact> entries)
        {
            var won = entries.Select(e => (Entry: e, Win: s.Reach(e, ContactStatus.Customer))).Where(x => x.Win is not null).ToList();
            var contacts = entries.Select(e => e.ContactId).ToHashSet();
            var deals = s.Facts.WonDeals.Where(d => d.ContactId is not null && contacts.Contains(d.ContactId)).ToList();
            return new ReferralGroup(entries.Count, Rate(won.Count, entries.Count), Median(won.Select(x => Days(x.Entry.At, x.Win!.At))), Money(Average(deals)));
        }
        var referral = cohort.Where(e => s.Of(e).Source == "referral").ToList();
        return new ReferralReport(Group(referral), Group(cohort.Except(referral).ToList()));
    }

    internal static bool InSlice(MetricScope s, string? campaignId) =>
        s.Slice is null || s.InSlice(new Attribution(campaignId, s.ChannelOf(campaignId), null));

    /// <summary>Programs are not stored yet, so a message's audience is its campaign's (properties.campaign_id).</summary>
    internal static bool ToCustomers(MetricScope s, string? campaignId) =>
        campaignId is not null && s.Facts.Campaigns.TryGetValue(campaignId, out var c) && c.Audience == Audience.Customers;

    private static EmailProgramReport EmailRates(MetricScope s, bool customers) =>
        EmailProgram(s.Facts.EmailTallies.Where(e => s.Period.Contains(e.SentAt) && InSlice(s, e.CampaignId) && ToCustomers(s, e.CampaignId) == customers));

    /// <summary>open rate = opened / delivered, click rate = clicked / delivered, CTOR = clicked / opened (opens and clicks of delivered messages).</summary>
    private static EmailProgramReport EmailProgram(IEnumerable<EmailTally> tallies)
    {
        var (sent, delivered, opened, clicked) = (0, 0, 0, 0);
        foreach (var t in tallies) (sent, delivered, opened, clicked) = (sent + t.Sent, delivered + t.Delivered, opened + t.Opened, clicked + t.Clicked);
        return new EmailProgramReport(sent, delivered, Rate(opened, delivered), Rate(clicked, delivered), Rate(clicked, opened));
    }
}
