using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Attribution;

public enum ConversionKind { WonDeal, Opportunity, Mql }

/// <param name="AccountBased">The account-based view: a conversion's journey holds the touches of every contact of its account.</param>
public sealed record AttributionQuery(
    AttributionModel Model, ConversionKind Conversion, DateTimeOffset From, DateTimeOffset To, TimeSpan? HalfLife = null, int LookbackDays = AttributionModels.DefaultLookbackDays,
    bool AccountBased = false);

/// <summary>Credited conversions and revenue (won deals: revenue; opportunities: pipeline; MQLs: 0), cost in the period, ROI.</summary>
public sealed record ChannelReport(string Channel, double Conversions, decimal Revenue, decimal Cost, decimal? Roi);

public sealed record CampaignReport(string CampaignId, string Channel, double Conversions, decimal Revenue, decimal Cost, decimal? Roi);

public sealed record AttributionReport(
    AttributionQuery Query, double Conversions, decimal Revenue, IReadOnlyList<ChannelReport> Channels, IReadOnlyList<CampaignReport> Campaigns);

/// <summary>
/// Attribution over the stored data (lifecycle.md §6). Journeys are built here, the crediting is <see cref="Attributor"/>'s.
/// <list type="bullet">
/// <item>Touchpoints: events of the journey's contacts carrying <c>properties.campaign_id</c>, or a UTM campaign equal
/// to a campaign id, of a known campaign
/// (channel = the campaign's), except the e-mail system events, at or before the conversion and within the lookback.</item>
/// <item>Conversions in [from, to): won deals by <c>closed_at</c> (value = amount), opportunities by the deal's
/// <c>created_at</c> (value = amount, pipeline), MQLs by transition into <c>mql</c> (value 0). A deal's journey is its
/// contact's, or all contacts of its account when it has none.</item>
/// <item>Account-based view: every conversion's journey is that of all contacts of its account (a contact without
/// an account stays alone), and null journeys are accounts.</item>
/// <item>Null journeys (Markov, rate-based Shapley): contacts (accounts) with touchpoints in [to − lookback, to) and no
/// conversion in the period.</item>
/// <item>Cost: cost lines prorated to the period (UTC months); ROI = (revenue − cost) / cost, null without cost or for MQLs.
/// Campaign rows exist for the touch-level models; Markov and Shapley credit channels only.</item>
/// </list>
/// </summary>
public static class StoredAttribution
{
    public static readonly string[] NotTouchpoints =
        ["Email Sent", "Email Delivered", "Email Opened", "Email Bounced", "Email Unsubscribed", "Email Complained"];

    private sealed record PendingConversion(string[] Contacts, DateTime At, decimal Value, DateTime? OpportunityCreated, DateTime? Closed);

    public static async Task<AttributionReport> RunAsync(LifecycleDb db, AttributionQuery query, CancellationToken cancel = default) =>
        (await RunAllAsync(db, query, [query.Model], cancel))[0];

    /// <summary>
    /// Several models side by side over one load of the journeys: the journeys do not depend on the model, only the
    /// crediting does, so reading the events once serves every model.
    /// </summary>
    public static async Task<List<AttributionReport>> RunAllAsync(LifecycleDb db, AttributionQuery query, IReadOnlyList<AttributionModel> models,
        CancellationToken cancel = default)
    {
        var from = query.From.UtcDateTime;
        var to = query.To.UtcDateTime;
        var lookback = TimeSpan.FromDays(query.LookbackDays);
        var channelOf = await db.Campaigns.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Channel, cancel);
        var conversions = await ConversionsAsync(db, query.Conversion, from, to, cancel);
        // Who shares a journey: the account's contacts in the account-based view, else each contact alone.
        Func<string, string> journeyOf = contact => contact;
        if (query.AccountBased)
        {
            var accountOf = await db.Contacts.AsNoTracking().Where(c => c.AccountId != null)
                .Select(c => new { c.Id, c.AccountId }).ToDictionaryAsync(c => c.Id, c => c.AccountId!, StringComparer.Ordinal, cancel);
            var members = accountOf.GroupBy(p => p.Value, p => p.Key).ToDictionary(g => g.Key, g => g.ToArray());
            conversions = conversions.Select(c => c with
            {
                Contacts = c.Contacts.SelectMany(id => accountOf.TryGetValue(id, out var account) ? members[account] : [id]).Distinct().ToArray(),
            }).ToList();
            journeyOf = contact => accountOf.TryGetValue(contact, out var account) ? "account:" + account : contact;
        }

        var windowStart = from - lookback;
        var events = await db.Events.AsNoTracking()
            .Where(e => e.ContactId != null && e.Timestamp >= windowStart && e.Timestamp < to && e.Payload.Contains("campaign")
                        && (e.Name == null || !NotTouchpoints.Contains(e.Name)))
            .Select(e => new { e.ContactId, e.Timestamp, e.Payload })
            .ToListAsync(cancel);
        var touchesOf = new Dictionary<string, List<Touchpoint>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (CampaignOf(e.Payload, channelOf) is not { } campaign || !channelOf.TryGetValue(campaign, out var channel)) continue;
            if (!touchesOf.TryGetValue(e.ContactId!, out var list)) touchesOf[e.ContactId!] = list = [];
            list.Add(new Touchpoint(new DateTimeOffset(DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc)), channel, campaign));
        }
        var firstLead = (await db.Transitions.AsNoTracking().Where(t => t.ToStatus == ContactStatus.Lead)
                .Select(t => new { t.ContactId, t.At }).ToListAsync(cancel))
            .GroupBy(t => t.ContactId).ToDictionary(g => g.Key, g => g.Min(t => t.At), StringComparer.Ordinal);

        var journeys = new List<Journey>();
        var converted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var conversion in conversions)
        {
            var at = Utc(conversion.At);
            var touches = conversion.Contacts.SelectMany(c => touchesOf.GetValueOrDefault(c) ?? [])
                .Where(t => t.At <= at && t.At >= at - lookback);
            var leads = conversion.Contacts.Where(firstLead.ContainsKey).Select(c => firstLead[c]).ToList();
            var keys = new KeyInstants(leads.Count > 0 ? Utc(leads.Min()) : null,
                conversion.OpportunityCreated is { } created ? Utc(created) : null, conversion.Closed is { } closed ? Utc(closed) : null);
            journeys.Add(new Journey(touches, new Conversion(at, (double)conversion.Value), keys));
            converted.UnionWith(conversion.Contacts);
        }
        var nullFrom = query.To - lookback;
        foreach (var group in touchesOf.Where(p => !converted.Contains(p.Key)).GroupBy(p => journeyOf(p.Key)))
            journeys.Add(new Journey(group.SelectMany(p => p.Value).Where(t => t.At >= nullFrom)));

        var reports = new List<AttributionReport>(models.Count);
        foreach (var model in models)
        {
            var result = Attributor.Fit(model, journeys, query.HalfLife).Run(journeys);
            reports.Add(await ReportAsync(db, query with { Model = model }, result, channelOf, cancel));
        }
        return reports;
    }

    private static async Task<List<PendingConversion>> ConversionsAsync(LifecycleDb db, ConversionKind kind, DateTime from, DateTime to, CancellationToken cancel)
    {
        if (kind == ConversionKind.Mql)
            return (await db.Transitions.AsNoTracking().Where(t => t.ToStatus == ContactStatus.Mql && t.At >= from && t.At < to)
                    .Select(t => new { t.ContactId, t.At }).ToListAsync(cancel))
                .Select(t => new PendingConversion([t.ContactId], t.At, 0m, null, null)).ToList();
        var deals = kind == ConversionKind.WonDeal
            ? db.Deals.Where(d => d.Outcome == DealOutcome.Won && d.ClosedAt >= from && d.ClosedAt < to)
            : db.Deals.Where(d => d.CreatedAt >= from && d.CreatedAt < to);
        var rows = await deals.AsNoTracking().Select(d => new { d.AccountId, d.ContactId, d.Amount, d.CreatedAt, d.ClosedAt }).ToListAsync(cancel);
        var accounts = rows.Where(d => d.ContactId is null).Select(d => d.AccountId).Distinct().ToList();
        var contactsOf = (await db.Contacts.AsNoTracking().Where(c => c.AccountId != null && accounts.Contains(c.AccountId))
                .Select(c => new { c.Id, c.AccountId }).ToListAsync(cancel))
            .GroupBy(c => c.AccountId!).ToDictionary(g => g.Key, g => g.Select(c => c.Id).ToArray());
        return rows.Select(d => new PendingConversion(
            d.ContactId is { } contact ? [contact] : contactsOf.GetValueOrDefault(d.AccountId) ?? [],
            kind == ConversionKind.WonDeal ? d.ClosedAt!.Value : d.CreatedAt, d.Amount, d.CreatedAt,
            kind == ConversionKind.WonDeal ? d.ClosedAt : null)).ToList();
    }

    private static async Task<AttributionReport> ReportAsync(LifecycleDb db, AttributionQuery query, AttributionResult result,
        Dictionary<string, string> channelOf, CancellationToken cancel)
    {
        var firstMonth = new DateOnly(query.From.UtcDateTime.Year, query.From.UtcDateTime.Month, 1);
        var lines = await db.CostLines.AsNoTracking().Where(l => l.Month >= firstMonth.AddMonths(-1) && l.Month < DateOnly.FromDateTime(query.To.UtcDateTime).AddMonths(1))
            .ToListAsync(cancel);
        decimal CostOf(IEnumerable<CostLine> some) => CostProration.InPeriod(some, query.From, query.To, TimeZoneInfo.Utc);
        var withRoi = query.Conversion != ConversionKind.Mql;
        decimal? Roi(decimal revenue, decimal cost) => withRoi && cost > 0 ? Math.Round((revenue - cost) / cost, 4) : null;
        static decimal Money(double value) => Math.Round((decimal)value, 4);

        var channels = result.Channels.Select(c => c.Channel).Union(lines.Select(l => l.Channel)).Distinct();
        var channelReports = channels.Select(channel =>
        {
            var credit = result.Channels.FirstOrDefault(c => c.Channel == channel);
            var revenue = Money(credit?.Value ?? 0);
            var cost = CostOf(lines.Where(l => l.Channel == channel));
            return new ChannelReport(channel, credit?.Conversions ?? 0, revenue, cost, Roi(revenue, cost));
        }).Where(c => c.Conversions != 0 || c.Cost != 0).OrderByDescending(c => c.Conversions).ThenBy(c => c.Channel, StringComparer.Ordinal).ToList();

        var campaignReports = new List<CampaignReport>();
        if (!query.Model.IsChannelLevel())
        {
            var campaigns = result.Campaigns.Select(c => c.CampaignId).Union(lines.Where(l => l.CampaignId != null).Select(l => l.CampaignId!)).Distinct();
            campaignReports = campaigns.Select(id =>
            {
                var credit = result.Campaigns.FirstOrDefault(c => c.CampaignId == id);
                var revenue = Money(credit?.Value ?? 0);
                var cost = CostOf(lines.Where(l => l.CampaignId == id));
                return new CampaignReport(id, credit?.Channel ?? channelOf.GetValueOrDefault(id) ?? "", credit?.Conversions ?? 0, revenue, cost, Roi(revenue, cost));
            }).Where(c => c.Conversions != 0 || c.Cost != 0).OrderByDescending(c => c.Conversions).ThenBy(c => c.CampaignId, StringComparer.Ordinal).ToList();
        }
        return new AttributionReport(query, result.Conversions, Money(result.Value), channelReports, campaignReports);
    }

    /// <summary>properties.campaign_id, else a UTM campaign (context.campaign.name or utm_campaign) that is a campaign id.</summary>
    private static string? CampaignOf(string payload, Dictionary<string, string> campaigns)
    {
        var touch = Tracking.Touch.FromPayload(payload);
        return touch.CampaignId ?? (touch.Campaign is { } utm && campaigns.ContainsKey(utm) ? utm : null);
    }

    private static DateTimeOffset Utc(DateTime instant) => new(DateTime.SpecifyKind(instant, DateTimeKind.Utc));
}
