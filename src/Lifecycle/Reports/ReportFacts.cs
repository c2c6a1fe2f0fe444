using System.Text.Json;
using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Reports;

public sealed record TransitionFact(long Id, string ContactId, ContactStatus? From, ContactStatus To, DateTime At, string? CampaignId);
public sealed record ContactFact(string Id, string? AccountId, string? LeadSource, string? CampaignId);
public sealed record CampaignFact(string Id, string Channel, Audience Audience);
public sealed record DealFact(string Id, string AccountId, string? ContactId, DealType Type, decimal Amount, DateTime CreatedAt, DateTime ClosedAt, string? CampaignId);
public sealed record SubscriptionFact(string AccountId, decimal Mrr, DateOnly StartsOn, DateOnly? EndsOn);
public sealed record NpsFact(string ContactId, int Score, string? Comment, DateTime RespondedAt);
/// <summary>
/// A visit (session) by its first hit; <see cref="VisitorKey"/> is the contact, else the anonymous id. The channel
/// comes from the first hit's payload when first asked for: counting visits or visitors never parses it.
/// </summary>
public sealed class VisitFact(string visitorKey, DateTime start, Func<string> channel)
{
    private string? _channel;
    public string VisitorKey { get; } = visitorKey;
    public DateTime Start { get; } = start;
    public string Channel => _channel ??= channel();
}
/// <summary>Page views of one visitor at an instant, or (from <see cref="TrafficProjection"/>) within the 15-minute bucket starting then.</summary>
public sealed record PageViewFact(string VisitorKey, DateTime At, int Count = 1);
/// <summary>One e-mail message sent, with what happened to it later (lifecycle.md §3, email rates): what a drill-down lists.</summary>
public sealed record EmailFact(string ContactId, string? ProgramId, string? CampaignId, DateTime SentAt, bool Bounced, bool Opened, bool Clicked);
/// <summary>
/// Messages of a program and campaign sent at an instant, or (counted by <see cref="EmailProjection"/>) within the
/// 15-minute bucket starting then: how many were sent, delivered (not bounced), and of those opened and clicked.
/// </summary>
public sealed record EmailTally(string? ProgramId, string? CampaignId, DateTime SentAt, int Sent, int Delivered, int Opened, int Clicked)
{
    public static EmailTally Of(EmailFact m) =>
        new(m.ProgramId, m.CampaignId, m.SentAt, 1, m.Bounced ? 0 : 1, !m.Bounced && m.Opened ? 1 : 0, !m.Bounced && m.Clicked ? 1 : 0);
}

/// <summary>The costly facts a metric may read (<see cref="MetricDefinition.Needs"/>): what a load reads only when asked.</summary>
[Flags]
public enum FactNeeds
{
    None = 0,
    /// <summary>Visits and page views (the period's page views and their payloads' channels).</summary>
    Traffic = 1,
    /// <summary>E-mail messages of the period with their bounces, opens and clicks.</summary>
    Emails = 2,
    /// <summary>Form views and submissions.</summary>
    Forms = 4,
    /// <summary>Score changes under the current model and its MQL threshold.</summary>
    Scores = 8,
    /// <summary>Stored programs and their step runs.</summary>
    ProgramRuns = 16,
    /// <summary>The full transition histories of the range's contacts, and those contacts (most metrics count
    /// stage entries; deals, subscriptions, NPS and costs do not need them).</summary>
    Histories = 32,
    All = Traffic | Emails | Forms | Scores | ProgramRuns | Histories,
}

/// <summary>
/// The facts a report over a period reads, loaded once (for a whole range of months) and then computed on by
/// pure code: the full transition history of every contact with a transition in the range, the contacts behind
/// them and behind won deals, all won deals and subscriptions (first wins and customer status need history),
/// NPS answers, cost lines of the months touching the range, visits, page views and e-mail messages.
/// Only what is known at <c>now</c> is read, so a report describes what was known when it ran. The event-derived
/// facts are read only when <c>needs</c> asks for them (a metric that does not read them sees them empty).
/// </summary>
public sealed class ReportFacts
{
    public required IReadOnlyList<TransitionFact> Transitions { get; init; }
    public required IReadOnlyDictionary<string, ContactFact> Contacts { get; init; }
    public required IReadOnlyDictionary<string, CampaignFact> Campaigns { get; init; }
    public required IReadOnlyList<DealFact> WonDeals { get; init; }
    public required IReadOnlyList<SubscriptionFact> Subscriptions { get; init; }
    public required IReadOnlyList<NpsFact> Nps { get; init; }
    public required IReadOnlyList<CostLine> Costs { get; init; }
    public required IReadOnlyList<VisitFact> Visits { get; init; }
    public required IReadOnlyList<PageViewFact> PageViews { get; init; }
    /// <summary>The period's e-mail messages one by one: read for a drill-down only (metrics count <see cref="EmailTallies"/>).</summary>
    public IReadOnlyList<EmailFact> Emails { get; init; } = [];
    public IReadOnlyList<EmailTally> EmailTallies { get; init; } = [];
    /// <summary>Account id → owner: the CRM's owner name, else the dashboard user as user:&lt;id&gt;.</summary>
    public IReadOnlyDictionary<string, string> AccountOwners { get; init; } = new Dictionary<string, string>();
    /// <summary>Segment name → its members' contact ids, as the segment stands now; loaded for segment breakdowns only.</summary>
    public IReadOnlyDictionary<string, HashSet<string>> SegmentMembers { get; init; } = new Dictionary<string, HashSet<string>>();
    /// <summary>Score changes under the current scoring model: those of the range, and those before it of the range's
    /// contacts (their scores at the range's end). Empty while no model is active.</summary>
    public IReadOnlyList<Scoring.ScoreChange> ScoreChanges { get; init; } = [];
    /// <summary>Form views and submissions of the range (capture.form_conversion_rate).</summary>
    public IReadOnlyList<Capture.FormEventFact> FormEvents { get; init; } = [];
    /// <summary>Stored programs by id, and their step runs with an instant that can fall in the range (nurture.program_steps).</summary>
    public IReadOnlyDictionary<string, Programs.ProgramDefinition> Programs { get; init; } = new Dictionary<string, Programs.ProgramDefinition>();
    public ILookup<string, Programs.StepRunFact> StepRuns { get; init; } = Array.Empty<Programs.StepRunFact>().ToLookup(r => "");
    /// <summary>The current model's MQL threshold (nurture.lead_score_profile), null while no model is active.</summary>
    public int? MqlThreshold { get; init; }
    /// <summary>
    /// The earliest stored instant after now that a metric reading later data (<see cref="LaterData"/>) would see once
    /// it has passed, though nothing is written then: a transition, a won deal's close or a message's outcome stamped
    /// in the future. A kept value of such a metric holds until then; null: nothing is stamped after now.
    /// </summary>
    public DateTime? LaterDataUntil { get; init; }

    /// <summary>
    /// The facts of one breakdown: the owners of accounts for <see cref="Dimension.Owner"/>, the members of every saved
    /// segment for <see cref="Dimension.Segment"/>; none for the others (a report without that breakdown never reads them).
    /// </summary>
    public static async Task<(Dictionary<string, string> Owners, Dictionary<string, HashSet<string>> Segments)> LoadBreakdownsAsync(
        LifecycleDb db, DateTime now, Dimension? by, CancellationToken cancel)
    {
        var owners = by != Dimension.Owner ? [] : (await db.Accounts.AsNoTracking().Where(a => a.Owner != null || a.OwnerId != null)
                .Select(a => new { a.Id, a.Owner, a.OwnerId }).ToListAsync(cancel))
            .ToDictionary(a => a.Id, a => a.Owner ?? $"user:{a.OwnerId}");
        var members = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        if (by == Dimension.Segment)
        {
            var clock = new FixedTime(now);
            foreach (var segment in await db.Set<Segments.Segment>().AsNoTracking().OrderBy(s => s.Name).ToListAsync(cancel))
                members[segment.Name] = (await Segments.SegmentQueries.MembersAsync(db, Segments.SegmentParser.Parse(segment.Definition), clock, null, 0, cancel))
                    .Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        }
        return (owners, members);
    }

    /// <summary>Segment membership is computed as of the report's instant.</summary>
    private sealed class FixedTime(DateTime utc) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(utc, TimeSpan.Zero);
    }

    public static async Task<ReportFacts> LoadAsync(LifecycleDb db, ReportPeriod period, DateTime now, ChannelMapping channels, CancellationToken cancel = default,
        Dimension? by = null, FactNeeds needs = FactNeeds.All, bool drillDown = false)
    {
        var (from, to) = (period.From, period.To);
        var histories = needs.HasFlag(FactNeeds.Histories);
        // A drill-down lists each page view; a count reads the projection's bucketed rows.
        var projectedTraffic = needs.HasFlag(FactNeeds.Traffic) && !drillDown && TrafficProjection.Aligned(from, to);

        // The projections catch up first, one writer at a time. Then the histories and the event-derived facts are
        // read beside the rest, each part on a connection of its own: at a million contacts each is a large read.
        if (projectedTraffic) await TrafficProjection.CatchUpAsync(db, cancel);
        if (needs.HasFlag(FactNeeds.Emails)) await EmailProjection.CatchUpAsync(db, cancel);
        var traffic = !needs.HasFlag(FactNeeds.Traffic) ? Task.FromResult<(List<VisitFact>, List<PageViewFact>)>(([], []))
            : Beside(db, sibling => projectedTraffic ? TrafficProjection.ReadAsync(sibling, from, to, now, channels, cancel)
                : LoadVisitsAsync(sibling, from, to, now, channels, cancel));
        var eachMessage = drillDown || !TrafficProjection.Aligned(from, to);
        var emails = !needs.HasFlag(FactNeeds.Emails) ? Task.FromResult<(List<EmailFact>, List<EmailTally>, DateTime?)>(([], [], null))
            : Beside(db, sibling => EmailProjection.ReadAsync(sibling, from, to, now, eachMessage, cancel));
        var scoring = !needs.HasFlag(FactNeeds.Scores) ? Task.FromResult<(List<Scoring.ScoreChange>, int?)>(([], null))
            : Beside(db, sibling => LoadScoresAsync(sibling, from, to, now, cancel));
        var forms = !needs.HasFlag(FactNeeds.Forms) ? Task.FromResult<List<Capture.FormEventFact>>([])
            : Beside(db, sibling => Capture.FormConversion.LoadAllAsync(sibling, from, to, now, cancel));
        var history = !histories ? Task.FromResult<List<TransitionFact>>([])
            : Beside(db, sibling => sibling.Transitions.AsNoTracking()
                .Where(t => t.At <= now && ActiveContacts(sibling, from, to, now).Contains(t.ContactId))
                .Select(t => new TransitionFact(t.Id, t.ContactId, t.FromStatus, t.ToStatus, t.At, t.CampaignId))
                .ToListAsync(cancel));

        List<DealFact> deals = [];
        Dictionary<string, ContactFact> contacts = [];
        Dictionary<string, CampaignFact> campaigns = [];
        List<SubscriptionFact> subscriptions = [];
        List<NpsFact> nps = [];
        List<CostLine> costs = [];
        DateTime? nextTransition = null, nextWin = null;
        Dictionary<string, string> owners = [];
        Dictionary<string, HashSet<string>> members = [];
        var programs = new Dictionary<string, Programs.ProgramDefinition>();
        var runs = Array.Empty<Programs.StepRunFact>().ToLookup(r => "");
        await Task.WhenAll(ReadHereAsync(), history, traffic, emails, scoring, forms);

        var (visits, pageViews) = traffic.Result;
        var (messages, tallies, nextOutcome) = emails.Result;
        var (scores, mqlThreshold) = scoring.Result;
        return new ReportFacts
        {
            FormEvents = forms.Result, Programs = programs, StepRuns = runs,
            Transitions = history.Result, Contacts = contacts, Campaigns = campaigns, WonDeals = deals, Subscriptions = subscriptions,
            Nps = nps, Costs = costs, Visits = visits, PageViews = pageViews, Emails = messages, EmailTallies = tallies, AccountOwners = owners, SegmentMembers = members,
            ScoreChanges = scores, MqlThreshold = mqlThreshold,
            LaterDataUntil = new[] { nextOutcome, nextTransition, nextWin }.Min(),
        };

        async Task ReadHereAsync()
        {
            var active = ActiveContacts(db, from, to, now);
            deals = await db.Deals.AsNoTracking()
                .Where(d => d.Outcome == DealOutcome.Won && d.ClosedAt != null && d.ClosedAt <= now)
                .Select(d => new DealFact(d.Id, d.AccountId, d.ContactId, d.Type, d.Amount, d.CreatedAt, d.ClosedAt!.Value, d.CampaignId))
                .ToListAsync(cancel);

            var dealContacts = db.Deals.Where(d => d.Outcome == DealOutcome.Won && d.ContactId != null).Select(d => d.ContactId!);
            contacts = await db.Contacts.AsNoTracking()
                .Where(c => (histories && active.Contains(c.Id)) || dealContacts.Contains(c.Id))
                .Select(c => new ContactFact(c.Id, c.AccountId, c.LeadSource, c.CampaignId))
                .ToDictionaryAsync(c => c.Id, cancel);

            campaigns = await db.Campaigns.AsNoTracking()
                .Select(c => new CampaignFact(c.Id, c.Channel, c.Audience)).ToDictionaryAsync(c => c.Id, cancel);
            subscriptions = await db.Subscriptions.AsNoTracking()
                .Select(s => new SubscriptionFact(s.AccountId, s.Mrr, s.StartsOn, s.EndsOn)).ToListAsync(cancel);
            nps = await db.NpsResponses.AsNoTracking()
                .Where(n => n.RespondedAt >= from && n.RespondedAt < to && n.RespondedAt <= now)
                .Select(n => new NpsFact(n.ContactId, n.Score, n.Comment, n.RespondedAt)).ToListAsync(cancel);

            // Cost months are local months; a day either side covers any time zone's offset.
            var firstMonth = new DateOnly(period.FromDay.Year, period.FromDay.Month, 1).AddMonths(-1);
            var lastMonth = period.ToDay.AddMonths(1);
            costs = await db.CostLines.AsNoTracking().Where(c => c.Month >= firstMonth && c.Month <= lastMonth).ToListAsync(cancel);

            nextTransition = histories ? await db.Transitions.Where(t => t.At > now).MinAsync(t => (DateTime?)t.At, cancel) : null;
            nextWin = await db.Deals.Where(d => d.Outcome == DealOutcome.Won && d.ClosedAt > now).MinAsync(d => d.ClosedAt, cancel);
            (owners, members) = await LoadBreakdownsAsync(db, now, by, cancel);

            if (needs.HasFlag(FactNeeds.ProgramRuns))
            {
                programs = (await db.Set<Programs.StoredProgram>().AsNoTracking().ToListAsync(cancel)).ToDictionary(p => p.Id, p => p.Parse());
                // Every run with an instant that can fall in the range: entered before its end, not ended before its start.
                runs = (await db.Set<Programs.StepRun>().AsNoTracking()
                        .Where(r => r.EnteredAt < to && r.EnteredAt <= now && (r.EndedAt == null || r.EndedAt >= from))
                        .Select(r => new { r.ProgramId, Run = new Programs.StepRunFact(r.StepId, r.EnteredAt, r.EndedAt, r.Outcome) }).ToListAsync(cancel))
                    .ToLookup(r => r.ProgramId, r => r.Run);
            }
        }
    }

    /// <summary>The contacts with a transition in [from, to) known by now: the range's histories are theirs.</summary>
    private static IQueryable<string> ActiveContacts(LifecycleDb db, DateTime from, DateTime to, DateTime now) =>
        db.Transitions.Where(t => t.At >= from && t.At < to && t.At <= now).Select(t => t.ContactId);

    /// <summary>Reads on a context of its own, on a pool thread (SQLite's reads run synchronously inside their async calls).</summary>
    private static Task<T> Beside<T>(LifecycleDb db, Func<LifecycleDb, Task<T>> read) => Task.Run(async () =>
    {
        await using var sibling = db.OpenSibling();
        return await read(sibling);
    });

    /// <summary>
    /// Score changes under the current model (the latest activated version; a report never activates one): those of
    /// the range, and those before it of the range's contacts (their scores at its end); and the model's MQL threshold.
    /// </summary>
    private static async Task<(List<Scoring.ScoreChange>, int?)> LoadScoresAsync(LifecycleDb db, DateTime from, DateTime to, DateTime now, CancellationToken cancel)
    {
        var model = await db.Set<Scoring.ScoringModelVersion>().AsNoTracking().Where(m => m.ActivatedAt != null)
            .OrderByDescending(m => m.ActivatedAt).ThenByDescending(m => m.Version).FirstOrDefaultAsync(cancel);
        if (model is null) return ([], null);
        var active = ActiveContacts(db, from, to, now);
        var scores = await db.Set<Scoring.ScoreChange>().AsNoTracking()
            .Where((await Scoring.ScoringModels.RowsAsync(db, model.Version, cancel)).Predicate())
            .Where(c => c.At < to && c.At <= now && (c.At >= from || active.Contains(c.ContactId)))
            .ToListAsync(cancel);
        return (scores, Scoring.ScoringModel.FromJson(model.Definition).MqlThreshold);
    }

    /// <summary>
    /// Visits and page views straight from the events (the definition the projection keeps up to date).
    /// A hit starts a visit when the visitor's previous hit is 30 minutes or more before it (Tracking/Sessions), so
    /// reading from 30 minutes before the range decides every start inside it.
    /// </summary>
    private static async Task<(List<VisitFact>, List<PageViewFact>)> LoadVisitsAsync(LifecycleDb db, DateTime from, DateTime to, DateTime now, ChannelMapping channels, CancellationToken cancel)
    {
        var readFrom = from - Sessions.Inactivity;
        var hits = await db.Events.AsNoTracking()
            .Where(e => e.Name == "Page Viewed" && e.Timestamp >= readFrom && e.Timestamp < to && e.Timestamp <= now)
            .Select(e => new { Visitor = e.ContactId ?? e.AnonymousId ?? e.UserId, e.Timestamp, e.Payload })
            .ToListAsync(cancel);
        var visits = new List<VisitFact>();
        var pageViews = new List<PageViewFact>();
        foreach (var visitor in hits.Where(h => h.Visitor is not null).GroupBy(h => h.Visitor!))
        {
            var ordered = visitor.OrderBy(h => h.Timestamp).ToList();
            var starts = Sessions.Starts(ordered.Select(h => h.Timestamp)).Where(s => s >= from).ToHashSet();
            foreach (var hit in ordered.Where(h => h.Timestamp >= from))
            {
                pageViews.Add(new PageViewFact(visitor.Key, hit.Timestamp));
                if (starts.Remove(hit.Timestamp))
                {
                    var payload = hit.Payload;
                    visits.Add(new VisitFact(visitor.Key, hit.Timestamp, () => Touch.FromPayload(payload).Channel(channels)));
                }
            }
        }
        return (visits, pageViews);
    }
}
