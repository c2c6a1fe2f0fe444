using Lifecycle.Contacts;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Reports;

public enum FunnelMode { Cohort, Period }
public enum FunnelView { Contact, Account }

/// <summary>
/// One stage of a funnel. Period mode fills count (entries in the period) and step_rate (a ratio of flows: entries
/// of this stage / entries of the one before). Cohort mode fills every field: count is how many of the cohort reached
/// the stage, step_rate the share of those that reached the stage before, drop_off how many of those did not, the
/// days between the two steps over converters, stalled how many sit in the stage longer than the p90 of historical
/// time in it, immature whether the cell can still grow (its window has not fully elapsed).
/// </summary>
public sealed record FunnelStep(string Stage, int Count, double? StepRate, int? DropOff, double? MedianDays, double? P75Days, double? MeanDays,
    int? Stalled, bool? Immature);

public sealed record FunnelPart(string? Dimension, IReadOnlyList<FunnelStep> Steps, IReadOnlyDictionary<string, int> Balance);

public sealed record FunnelReport(string Mode, string View, string From, string To, int? WindowDays, string? By, string StepRateKind,
    IReadOnlyList<FunnelPart> Funnels);

/// <summary>
/// The funnel report of lifecycle.md §4 over the whole transition history (pure once loaded). The account-based view
/// runs the same code on each account's merged contact history, so an account reaches a stage when its first
/// contact does.
/// </summary>
public static class Funnel
{
    public static readonly ContactStatus[] Stages =
        [ContactStatus.Inquiry, ContactStatus.Lead, ContactStatus.Mql, ContactStatus.Sal, ContactStatus.Sql, ContactStatus.Opportunity, ContactStatus.Customer];

    /// <summary>Every transition known now and every contact: cohorts, balance and history percentiles all need them.</summary>
    public static async Task<ReportFacts> LoadAsync(LifecycleDb db, DateTime now, CancellationToken cancel = default, Dimension? by = null)
    {
        var transitions = await db.Transitions.AsNoTracking().Where(t => t.At <= now)
            .Select(t => new TransitionFact(t.Id, t.ContactId, t.FromStatus, t.ToStatus, t.At, t.CampaignId)).ToListAsync(cancel);
        var contacts = await db.Contacts.AsNoTracking().Select(c => new ContactFact(c.Id, c.AccountId, c.LeadSource, c.CampaignId)).ToDictionaryAsync(c => c.Id, cancel);
        var campaigns = await db.Campaigns.AsNoTracking().Select(c => new CampaignFact(c.Id, c.Channel, c.Audience)).ToDictionaryAsync(c => c.Id, cancel);
        var (owners, members) = await ReportFacts.LoadBreakdownsAsync(db, now, by, cancel);
        return new ReportFacts
        {
            Transitions = transitions, Contacts = contacts, Campaigns = campaigns, WonDeals = [], Subscriptions = [], Nps = [], Costs = [],
            Visits = [], PageViews = [], AccountOwners = owners, SegmentMembers = members,
        };
    }

    /// <summary>
    /// The funnel report, read the cheapest way that gives the same numbers. Period mode in the contact view without a
    /// breakdown (the dashboard's default) reads the period's contact histories and the balance at its start, which
    /// report_cache keeps until late data for it arrives; every other shape reads every transition.
    /// </summary>
    public static async Task<FunnelReport> ReportAsync(LifecycleDb db, ReportPeriod period, FunnelMode mode, FunnelView view, int? windowDays, Dimension? by,
        DateTime now, CancellationToken cancel = default)
    {
        if (mode == FunnelMode.Period && view == FunnelView.Contact && by is null && period.From <= now)
            return await PeriodReportAsync(db, period, now, cancel);
        return Run(await LoadAsync(db, now, cancel, by), period, mode, view, windowDays, by, now);
    }

    private static async Task<FunnelReport> PeriodReportAsync(LifecycleDb db, ReportPeriod period, DateTime now, CancellationToken cancel)
    {
        var balance = new SortedDictionary<string, int>(await BalanceAtAsync(db, period.From, now, cancel), StringComparer.Ordinal);
        var facts = await ReportFacts.LoadAsync(db, period, now, Tracking.ChannelMapping.Default, cancel, needs: FactNeeds.Histories);
        var scope = new MetricScope(facts, period, ReportSettings.Default with { Zone = period.Zone });
        // Only contacts with a transition in the period move: from where they stood at its start to where they stand at its end.
        foreach (var history in scope.Histories)
        {
            if (LastBefore(history, period.From) is { } before) balance[before.To.ToName()] = balance.GetValueOrDefault(before.To.ToName()) - 1;
            if (LastBefore(history, period.To) is { } after) balance[after.To.ToName()] = balance.GetValueOrDefault(after.To.ToName()) + 1;
        }
        var part = new FunnelPart(null, PeriodSteps(scope, FunnelView.Contact), balance.Where(b => b.Value > 0).ToDictionary(b => b.Key, b => b.Value));
        return new FunnelReport(Name(FunnelMode.Period), Name(FunnelView.Contact), Day(period.FromDay), Day(period.ToDay), null, null, "ratio_of_flows", [part]);
    }

    /// <summary>Where every contact stood at an instant (contact view, no breakdown), kept in report_cache while nothing is written before it.</summary>
    private static async Task<Dictionary<string, int>> BalanceAtAsync(LifecycleDb db, DateTime instant, DateTime now, CancellationToken cancel)
    {
        var key = $"funnel.balance|{instant:O}";
        if ((await ReportCache.ReadAsync(db, [key], now, cancel)).TryGetValue(key, out var text) && ReportCache.TryDecode(text, out var value)
            && value is Dictionary<string, int> kept)
            return kept;
        var claim = await ReportCache.ClaimAsync(db, new Dictionary<string, ReportCache.Dependency> { [key] = new(instant) }, now, cancel);
        var facts = await LoadAsync(db, now, cancel);
        var balance = Balance(new MetricScope(facts, new ReportPeriod(DateOnly.MinValue, DateOnly.MinValue, TimeZoneInfo.Utc), ReportSettings.Default),
            FunnelView.Contact, facts, instant);
        if (claim is { } held) await ReportCache.FillAsync(db, held.Token, new Dictionary<string, (string, DateTime?)> { [key] = (ReportCache.Encode(balance), null) }, cancel);
        return balance;
    }

    public static FunnelReport Run(ReportFacts facts, ReportPeriod period, FunnelMode mode, FunnelView view, int? windowDays, Dimension? by, DateTime now)
    {
        var contactFacts = facts;
        if (view == FunnelView.Account) facts = ByAccount(facts);
        var scope = new MetricScope(facts, period, ReportSettings.Default with { Zone = period.Zone });
        var history = mode == FunnelMode.Cohort ? new StageHistory(scope) : null;
        IEnumerable<Slice?> slices = by is { } d ? LifecycleReports.DimensionValues(facts, d).Select(v => (Slice?)new Slice(d, v)) : [(Slice?)null];
        var parts = slices.Select(slice =>
        {
            var sliced = scope.For(slice);
            var steps = mode == FunnelMode.Period ? PeriodSteps(sliced, view) : CohortSteps(sliced, history!, windowDays, now);
            return new FunnelPart(slice?.Label, steps, Balance(sliced, view, contactFacts, period.To));
        }).ToList();
        return new FunnelReport(Name(mode), Name(view), Day(period.FromDay), Day(period.ToDay), windowDays, by is { } b ? Name(b) : null,
            mode == FunnelMode.Period ? "ratio_of_flows" : "cohort_conversion", parts);
    }

    private static List<FunnelStep> PeriodSteps(MetricScope scope, FunnelView view)
    {
        // Contacts: every entry (re-entries included). Accounts: an account enters a stage when its first contact does.
        var counts = Stages.Select(s => view == FunnelView.Account ? scope.FirstEntries(s).Count() : scope.Entries(s).Count()).ToArray();
        return Stages.Select((stage, k) => new FunnelStep(stage.ToName(), counts[k], k == 0 ? null : ReportMath.Rate(counts[k], counts[k - 1]),
            null, null, null, null, null, null)).ToList();
    }

    private static List<FunnelStep> CohortSteps(MetricScope scope, StageHistory history, int? windowDays, DateTime now)
    {
        var cohort = scope.FirstEntries(Stages[0]).ToList();
        // reached[m][k]: when member m first reached stage k or a later one after its cohort entry (within W days).
        var reached = cohort.Select(entry => Stages.Select((stage, k) => k == 0
            ? entry.At
            : scope.Reach(entry, stage, by: windowDays is { } w ? entry.At.AddDays(w) : null)?.At).ToArray()).ToList();
        var current = cohort.Select(entry => scope.History(entry.ContactId).Last()).ToList();

        var steps = new List<FunnelStep>();
        for (var k = 0; k < Stages.Length; k++)
        {
            var count = reached.Count(r => r[k] is not null);
            var stalledAfter = history.StallLimit(Stages[k]);
            var stalled = current.Count(t => t.To == Stages[k] && stalledAfter is { } limit && ReportMath.Days(t.At, now) > limit);
            if (k == 0)
            {
                steps.Add(new FunnelStep(Stages[k].ToName(), count, null, null, null, null, null, stalled, false));
                continue;
            }
            var before = reached.Count(r => r[k - 1] is not null);
            var days = VelocityStats.Of(reached.Where(r => r[k] is not null).Select(r => ReportMath.Days(r[k - 1]!.Value, r[k]!.Value)));
            // A cell is immature while the last cohort member's window (W, else the historical p90 time to reach the stage) is still open.
            var window = windowDays ?? history.DaysToReach(Stages[k]) ?? 0;
            var immature = scope.Period.To.AddDays(window) > now;
            steps.Add(new FunnelStep(Stages[k].ToName(), count, ReportMath.Rate(count, before), before - count, days.MedianDays, days.P75Days, days.MeanDays,
                stalled, immature));
        }
        return steps;
    }

    /// <summary>
    /// Where each contact sits at <paramref name="end"/>, by status; in the account view, where each account's most
    /// advanced contact sits (the latest status among equals). Counted for the slice of the history's first transition.
    /// </summary>
    private static Dictionary<string, int> Balance(MetricScope scope, FunnelView view, ReportFacts contactFacts, DateTime end)
    {
        var balance = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var contactsByAccount = view == FunnelView.Account ? contactFacts.Contacts.Values.Where(c => c.AccountId is not null).ToLookup(c => c.AccountId!) : null;
        var lastByContact = view == FunnelView.Account
            ? contactFacts.Transitions.Where(t => t.At < end).GroupBy(t => t.ContactId).ToDictionary(g => g.Key, g => g.OrderBy(t => t.At).ThenBy(t => t.Id).Last())
            : null;
        foreach (var history in scope.Histories)
        {
            var first = history[0];
            if (first.At >= end || !scope.InSlice(scope.Of(first))) continue;
            var status = contactsByAccount is null
                ? LastBefore(history, end)!.To
                : contactsByAccount[first.ContactId].Where(c => lastByContact!.ContainsKey(c.Id)).Select(c => lastByContact![c.Id])
                    .OrderByDescending(t => MetricScope.FlowRank(t.To)).ThenByDescending(t => t.At).First().To;
            balance[status.ToName()] = balance.GetValueOrDefault(status.ToName()) + 1;
        }
        return new Dictionary<string, int>(balance);
    }

    /// <summary>The last transition of a history (ordered by instant) before an instant; null when it starts later.</summary>
    private static TransitionFact? LastBefore(List<TransitionFact> history, DateTime end)
    {
        for (var i = history.Count - 1; i >= 0; i--)
            if (history[i].At < end) return history[i];
        return null;
    }

    /// <summary>
    /// The account view: each account's contacts' transitions as one history keyed by the account. The account's lead
    /// source is that of the contact whose transition came first; its owner is the account's.
    /// </summary>
    private static ReportFacts ByAccount(ReportFacts facts)
    {
        var transitions = facts.Transitions
            .Where(t => facts.Contacts.TryGetValue(t.ContactId, out var c) && c.AccountId is not null)
            .Select(t => t with { ContactId = facts.Contacts[t.ContactId].AccountId! })
            .ToList();
        var firstContact = facts.Transitions
            .Where(t => facts.Contacts.TryGetValue(t.ContactId, out var c) && c.AccountId is not null)
            .OrderBy(t => t.At).ThenBy(t => t.Id)
            .GroupBy(t => facts.Contacts[t.ContactId].AccountId!)
            .ToDictionary(g => g.Key, g => facts.Contacts[g.First().ContactId]);
        return new ReportFacts
        {
            Transitions = transitions, Campaigns = facts.Campaigns, WonDeals = [], Subscriptions = [], Nps = [], Costs = [], Visits = [], PageViews = [],
            Contacts = firstContact.ToDictionary(a => a.Key, a => a.Value with { Id = a.Key }),
            AccountOwners = facts.AccountOwners,
            // An account is in a segment when one of its contacts is.
            SegmentMembers = facts.SegmentMembers.ToDictionary(s => s.Key, s => s.Value
                .Select(c => facts.Contacts.TryGetValue(c, out var contact) ? contact.AccountId : null).OfType<string>().ToHashSet(StringComparer.Ordinal)),
        };
    }

    /// <summary>Reads mode (required), view (default contact), window (whole days ≥ 1) and by; errors name the field.</summary>
    public static (FunnelMode Mode, FunnelView View, int? Window, Dimension? By) ParseOptions(string? mode, string? view, string? window, string? by, Action<string, string> error)
    {
        var parsedMode = FunnelMode.Cohort;
        if (string.IsNullOrWhiteSpace(mode)) error("mode", "required (cohort or period)");
        else if (!SnakeCase.TryParseEnum(mode, out parsedMode)) error("mode", $"'{mode}' is not one of cohort, period");
        var parsedView = FunnelView.Contact;
        if (!string.IsNullOrWhiteSpace(view) && !SnakeCase.TryParseEnum(view, out parsedView)) error("view", $"'{view}' is not one of contact, account");
        int? days = null;
        if (!string.IsNullOrWhiteSpace(window))
        {
            if (int.TryParse(window, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var w) && w is >= 1 and <= 3660) days = w;
            else error("window", $"'{window}' is not a number of days from 1 to 3660");
        }
        if (days is not null && parsedMode == FunnelMode.Period) error("window", "applies to cohort mode only");
        Dimension? dimension = null;
        if (!string.IsNullOrWhiteSpace(by))
        {
            if (SnakeCase.TryParseEnum<Dimension>(by, out var d)) dimension = d;
            else error("by", $"'{by}' is not one of campaign, channel, source, segment, owner");
        }
        return (parsedMode, parsedView, days, dimension);
    }

    private static string Name<T>(T value) where T : struct, Enum => SnakeCase.Of(value.ToString()!);
    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// What history says about stages (lifecycle.md §4): the p90 of completed stays in each stage (entry to the next
/// transition), beyond which a contact is stalled, and the p90 of days from the first stage to reaching each stage,
/// the maturity window of a cohort cell when no window W is given.
/// </summary>
internal sealed class StageHistory
{
    private readonly Dictionary<ContactStatus, double?> _stallLimit = new();
    private readonly Dictionary<ContactStatus, double?> _daysToReach = new();

    public StageHistory(MetricScope scope)
    {
        var stays = new Dictionary<ContactStatus, List<double>>();
        var reach = new Dictionary<ContactStatus, List<double>>();
        foreach (var history in scope.Histories)
        {
            for (var i = 0; i + 1 < history.Count; i++)
            {
                if (!stays.TryGetValue(history[i].To, out var list)) stays[history[i].To] = list = [];
                list.Add(ReportMath.Days(history[i].At, history[i + 1].At));
            }
            if (history.FirstOrDefault(t => t.To == Funnel.Stages[0]) is not { } entry) continue;
            foreach (var stage in Funnel.Stages.Skip(1))
            {
                if (scope.Reach(entry, stage) is not { } reached) break;
                if (!reach.TryGetValue(stage, out var list)) reach[stage] = list = [];
                list.Add(ReportMath.Days(entry.At, reached.At));
            }
        }
        foreach (var stage in Enum.GetValues<ContactStatus>())
        {
            _stallLimit[stage] = stays.TryGetValue(stage, out var s) ? ReportMath.PercentileInc(s.Order().ToArray(), 0.9) : null;
            _daysToReach[stage] = reach.TryGetValue(stage, out var r) ? ReportMath.PercentileInc(r.Order().ToArray(), 0.9) : null;
        }
    }

    /// <summary>Days in the stage beyond which a contact is stalled; null without completed stays to learn from.</summary>
    public double? StallLimit(ContactStatus stage) => _stallLimit[stage];

    public double? DaysToReach(ContactStatus stage) => _daysToReach[stage];
}
