using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;

namespace Lifecycle.Reports;

public enum Dimension { Campaign, Channel, Source, Segment, Owner }

/// <summary>One value of a breakdown; a null value is "(none)": items without a campaign, channel or source.</summary>
public sealed record Slice(Dimension Dimension, string? Value)
{
    public const string None = "(none)";
    public string Label => Value ?? None;
}

/// <summary>
/// Which campaign, channel, lead source and owner an item (transition, customer, deal) counts for, and the contact
/// behind it (segments are sets of contacts).
/// </summary>
public readonly record struct Attribution(string? Campaign, string? Channel, string? Source, string? Owner = null, string? Contact = null)
{
    public string? Of(Dimension dimension) => dimension switch
    {
        Dimension.Campaign => Campaign,
        Dimension.Channel => Channel,
        Dimension.Owner => Owner,
        _ => Source,
    };
}

/// <summary>Settings of the workspace a report reads: its time zone and the gross margin CLV uses.</summary>
public sealed record ReportSettings(TimeZoneInfo Zone, decimal GrossMargin)
{
    public static ReportSettings Default { get; } = new(TimeZoneInfo.Utc, 0.8m);
}

/// <summary>
/// The facts seen through one period and, optionally, one breakdown value. Holds the counting rules of
/// lifecycle.md §3 that many metrics share (entries, first entries, cohorts with skipped stages, velocity,
/// customers as accounts, cost). Pure.
/// </summary>
public sealed class MetricScope
{
    /// <summary>The flow of §3 "Skipped stages": reaching a later stage counts as reaching every earlier one.</summary>
    private static readonly ContactStatus[] Flow =
        [ContactStatus.Inquiry, ContactStatus.Lead, ContactStatus.Mql, ContactStatus.Sal, ContactStatus.Sql, ContactStatus.Opportunity, ContactStatus.Customer];

    private readonly Lazy<Dictionary<string, List<TransitionFact>>> _history;
    private readonly Lazy<ILookup<ContactStatus, TransitionFact>> _entriesByStatus;
    private readonly Lazy<ILookup<ContactStatus, TransitionFact>> _firstEntriesByStatus;
    private readonly Lazy<Dictionary<string, List<DealFact>>> _dealsByAccount;
    private readonly Lazy<Dictionary<string, List<SubscriptionFact>>> _subscriptionsByAccount;

    public MetricScope(ReportFacts facts, ReportPeriod period, ReportSettings settings, Slice? slice = null)
    {
        Facts = facts;
        Period = period;
        Settings = settings;
        Slice = slice;
        _history = new(() => facts.Transitions.GroupBy(t => t.ContactId)
            .ToDictionary(g => g.Key, g => g.OrderBy(t => t.At).ThenBy(t => t.Id).ToList()));
        _entriesByStatus = new(() => facts.Transitions.OrderBy(t => t.At).ThenBy(t => t.Id).ToLookup(t => t.To));
        _firstEntriesByStatus = new(() => _history.Value.Values.SelectMany(FirstOfEachStatus)
            .OrderBy(t => t.At).ThenBy(t => t.Id).ToLookup(t => t.To));
        _dealsByAccount = new(() => facts.WonDeals.GroupBy(d => d.AccountId)
            .ToDictionary(g => g.Key, g => g.OrderBy(d => d.ClosedAt).ThenBy(d => d.Id, StringComparer.Ordinal).ToList()));
        _subscriptionsByAccount = new(() => facts.Subscriptions.GroupBy(s => s.AccountId).ToDictionary(g => g.Key, g => g.ToList()));
    }

    /// <summary>A history's (ordered) first transition into each status; a set of seen statuses, not a grouping per history.</summary>
    private static IEnumerable<TransitionFact> FirstOfEachStatus(List<TransitionFact> history)
    {
        var seen = 0UL;
        foreach (var t in history)
        {
            var bit = 1UL << (int)t.To;
            if ((seen & bit) != 0) continue;
            seen |= bit;
            yield return t;
        }
    }

    public ReportFacts Facts { get; }
    public ReportPeriod Period { get; }
    public ReportSettings Settings { get; }
    public Slice? Slice { get; }

    /// <summary>The same facts over a part of the period (a month of a trend), sharing the grouped histories.</summary>
    public MetricScope In(ReportPeriod part) => new(this, part, Slice);

    /// <summary>The same facts and period seen through another slice; the grouped histories are shared, not rebuilt.</summary>
    public MetricScope For(Slice? slice) => new(this, Period, slice);

    private MetricScope(MetricScope other, ReportPeriod period, Slice? slice)
    {
        Facts = other.Facts;
        Period = period;
        Settings = other.Settings;
        Slice = slice;
        _history = other._history;
        _entriesByStatus = other._entriesByStatus;
        _firstEntriesByStatus = other._firstEntriesByStatus;
        _dealsByAccount = other._dealsByAccount;
        _subscriptionsByAccount = other._subscriptionsByAccount;
    }

    public static int FlowRank(ContactStatus status) => Array.IndexOf(Flow, status);

    /// <summary>
    /// Whether an item counts for the slice. A segment slice holds the items of its members (segments may overlap, so
    /// their slices need not add up to the whole); its (none) slice the items of contacts in no segment.
    /// </summary>
    public bool InSlice(Attribution attribution) => Slice switch
    {
        null => true,
        { Dimension: Dimension.Segment, Value: null } => attribution.Contact is not { } c || !Facts.SegmentMembers.Values.Any(m => m.Contains(c)),
        { Dimension: Dimension.Segment } s => attribution.Contact is { } c && Facts.SegmentMembers.TryGetValue(s.Value, out var members) && members.Contains(c),
        { } s => attribution.Of(s.Dimension) == s.Value,
    };

    // ---- attribution -------------------------------------------------------------------------------------

    public string? ChannelOf(string? campaignId) => campaignId is not null && Facts.Campaigns.TryGetValue(campaignId, out var c) ? c.Channel : null;

    private string? SourceOf(string? contactId) => contactId is not null && Facts.Contacts.TryGetValue(contactId, out var c) ? c.LeadSource : null;

    /// <summary>The owner of an account (the CRM's owner, else its dashboard user).</summary>
    public string? OwnerOfAccount(string? accountId) => accountId is not null ? Facts.AccountOwners.GetValueOrDefault(accountId) : null;

    /// <summary>A contact's owner is its account's: the rep who works the account owns its people in the reports.</summary>
    private string? OwnerOf(string? contactId) =>
        contactId is not null && Facts.Contacts.TryGetValue(contactId, out var c) ? OwnerOfAccount(c.AccountId) : null;

    /// <summary>A transition counts for the campaign it cites, that campaign's channel, its contact's lead source and owner.</summary>
    public Attribution Of(TransitionFact t) => new(t.CampaignId, ChannelOf(t.CampaignId), SourceOf(t.ContactId), OwnerOf(t.ContactId), t.ContactId);

    /// <summary>A deal counts for its campaign, else its contact's lead-source campaign (§3 "Campaign of a customer").</summary>
    public Attribution Of(DealFact deal)
    {
        var campaign = deal.CampaignId ?? (deal.ContactId is not null && Facts.Contacts.TryGetValue(deal.ContactId, out var c) ? c.CampaignId : null);
        return new Attribution(campaign, ChannelOf(campaign), SourceOf(deal.ContactId), OwnerOfAccount(deal.AccountId), deal.ContactId);
    }

    /// <summary>A customer (account) counts where its first won deal counts.</summary>
    public Attribution OfAccount(string accountId) => FirstWin(accountId) is { } deal ? Of(deal) : new Attribution(null, null, null, OwnerOfAccount(accountId));

    // ---- transitions -------------------------------------------------------------------------------------

    public List<TransitionFact> History(string contactId) => _history.Value.GetValueOrDefault(contactId) ?? [];

    public IEnumerable<List<TransitionFact>> Histories => _history.Value.Values;

    /// <summary>Every entry into the status in the period, re-entries included (§3 "Entries").</summary>
    public IEnumerable<TransitionFact> Entries(ContactStatus status) =>
        _entriesByStatus.Value[status].Where(t => Period.Contains(t.At) && (Slice is null || InSlice(Of(t))));

    /// <summary>Each contact's earliest entry into the status, where it falls in the period (§3 "First transition").</summary>
    public IEnumerable<TransitionFact> FirstEntries(ContactStatus status) =>
        _firstEntriesByStatus.Value[status].Where(t => Period.Contains(t.At) && (Slice is null || InSlice(Of(t))));

    /// <summary>
    /// The contact's first transition after <paramref name="entry"/> into the stage or a later one of the flow
    /// (§3 "Skipped stages"), if any, and only while <paramref name="until"/> does not stop the search first.
    /// </summary>
    public TransitionFact? Reach(TransitionFact entry, ContactStatus stage, Func<TransitionFact, bool>? until = null, DateTime? by = null)
    {
        var rank = FlowRank(stage);
        var history = History(entry.ContactId);
        for (var i = history.IndexOf(entry) + 1; i < history.Count; i++)
        {
            var t = history[i];
            if (by is { } limit && t.At > limit) return null;
            if (until?.Invoke(t) == true) return null;
            if (FlowRank(t.To) >= rank) return t;
        }
        return null;
    }

    /// <summary>
    /// Cohort rate per entry (§3 "Cohort reached"): of the entries into <paramref name="cohort"/> in the period, the
    /// share that reached <paramref name="target"/> (or later) before the contact entered the cohort stage again,
    /// so a recycled MQL that qualifies again counts once per entry.
    /// </summary>
    public (int Reached, int Entries) CohortPerEntry(ContactStatus cohort, ContactStatus target)
    {
        var entries = Entries(cohort).ToList();
        var reached = entries.Count(e => Reach(e, target, t => t.To == cohort) is not null);
        return (reached, entries.Count);
    }

    /// <summary>
    /// convert.velocity: for each entry into <paramref name="b"/> in the period, the days since the contact's latest
    /// entry into <paramref name="a"/> before it; contacts with no such entry are left out.
    /// </summary>
    public IEnumerable<double> VelocityDays(ContactStatus a, ContactStatus b)
    {
        foreach (var entry in Entries(b))
        {
            var history = History(entry.ContactId);
            var before = history.Take(history.IndexOf(entry)).LastOrDefault(t => t.To == a);
            if (before is not null) yield return ReportMath.Days(before.At, entry.At);
        }
    }

    // ---- accounts, deals, subscriptions --------------------------------------------------------------------

    public DealFact? FirstWin(string accountId) => _dealsByAccount.Value.GetValueOrDefault(accountId)?.FirstOrDefault();

    /// <summary>Accounts whose first won deal closes in the period (convert.new_customers).</summary>
    public IEnumerable<string> NewCustomers() =>
        _dealsByAccount.Value.Where(a => Period.Contains(a.Value[0].ClosedAt) && InSlice(Of(a.Value[0]))).Select(a => a.Key).Order(StringComparer.Ordinal);

    /// <summary>Won deals of the account closed within 365 days from its first win, inclusive, as known now.</summary>
    public decimal FirstYearBookings(string accountId)
    {
        var deals = _dealsByAccount.Value.GetValueOrDefault(accountId);
        if (deals is null) return 0m;
        var end = deals[0].ClosedAt.AddDays(365);
        return deals.Where(d => d.ClosedAt <= end).Sum(d => d.Amount);
    }

    /// <summary>Won deals closed in the period (§3 "Bookings").</summary>
    public IEnumerable<DealFact> Bookings() =>
        Facts.WonDeals.Where(d => Period.Contains(d.ClosedAt) && InSlice(Of(d))).OrderBy(d => d.ClosedAt).ThenBy(d => d.Id, StringComparer.Ordinal);

    /// <summary>NPS answers given in the period (the facts may span a whole trend).</summary>
    public IEnumerable<NpsFact> PeriodNps() => Facts.Nps.Where(n => Period.Contains(n.RespondedAt));

    /// <summary>
    /// §3 "Customers are accounts": a customer at an instant while a subscription is active on that day (days in
    /// the workspace zone), or, for an account with no subscriptions, from its first won deal on.
    /// </summary>
    public bool IsCustomerAt(string accountId, DateTime instant)
    {
        if (_subscriptionsByAccount.Value.TryGetValue(accountId, out var subscriptions))
        {
            var day = Period.LocalDay(instant);
            return subscriptions.Any(s => s.StartsOn <= day && (s.EndsOn is null || day < s.EndsOn));
        }
        return FirstWin(accountId) is { } first && first.ClosedAt <= instant;
    }

    public IEnumerable<string> Accounts() =>
        _dealsByAccount.Value.Keys.Union(_subscriptionsByAccount.Value.Keys).Where(a => InSlice(OfAccount(a))).Order(StringComparer.Ordinal);

    public decimal MrrAt(string accountId, DateTime instant)
    {
        var day = Period.LocalDay(instant);
        return _subscriptionsByAccount.Value.GetValueOrDefault(accountId)?
            .Where(s => s.StartsOn <= day && (s.EndsOn is null || day < s.EndsOn)).Sum(s => s.Mrr) ?? 0m;
    }

    // ---- cost ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Program cost in the period (§3 "Cost in a period"), of the slice: a campaign's lines, a channel's lines; a
    /// lead source's cost is the lines of the channel of the same name (lead sources are named after channels).
    /// </summary>
    public decimal Cost() => CostProration.InPeriod(CostLines(), new DateTimeOffset(Period.From), new DateTimeOffset(Period.To), Period.Zone);

    public IEnumerable<CostLine> CostLines() => Slice switch
    {
        null => PeriodCostLines(),
        { Dimension: Dimension.Segment or Dimension.Owner } => throw new InvalidOperationException("cost is recorded per campaign and channel, not per segment or owner"),
        { Dimension: Dimension.Campaign } s => PeriodCostLines().Where(c => c.CampaignId == s.Value),
        { } s => PeriodCostLines().Where(c => c.Channel == s.Value),
    };

    /// <summary>Cost lines whose month overlaps the period (the facts hold a month either side for time zones).</summary>
    public IEnumerable<CostLine> PeriodCostLines()
    {
        var firstMonth = new DateOnly(Period.FromDay.Year, Period.FromDay.Month, 1);
        return Facts.Costs.Where(c => c.Month >= firstMonth && c.Month < Period.ToDay);
    }

    public decimal CostOf(IEnumerable<CostLine> lines) =>
        CostProration.InPeriod(lines, new DateTimeOffset(Period.From), new DateTimeOffset(Period.To), Period.Zone);
}
