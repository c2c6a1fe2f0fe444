using Lifecycle.Access;
using Lifecycle.Contacts;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Pipeline;

public sealed record SalesAction(long? UserId, string? Reason, string? Note);
public sealed record QueueDealInput(string? Id, string? AccountId, string? Type, decimal? Amount, DateTime? CreatedAt, DateTime? ClosedAt,
    string? Outcome, string? CampaignId, Dictionary<string, string>? Custom, long? UserId);
public sealed record QueueSettingsInput(int? SlaBusinessDays, string? TimeZone, Dictionary<string, long>? Territories);
/// <param name="TimeZoneFromWorkspace">The queue has no zone of its own and counts in the workspace's (an empty time_zone resets it so).</param>
public sealed record QueueSettingsView(int SlaBusinessDays, string TimeZone, bool TimeZoneFromWorkspace, IReadOnlyDictionary<string, long> Territories);
public sealed record QueueItem(string ContactId, string? Email, string? FirstName, string? LastName, string? AccountId, string? Country,
    long? OwnerId, string AssignedBy, DateTime EnteredAt, DateTime DueAt, bool Overdue, DateTime? BreachedAt);

/// <summary>
/// The sales queue: MQLs with their owner and SLA, and the sales actions on a contact. Each action checks the
/// status it starts from (so accepting twice or qualifying a non-SAL is a 409 that changes nothing) and moves
/// the contact through StatusChanges, with the acting user as actor.
/// </summary>
public static class SalesQueueEndpoints
{
    /// <summary>The rejection reasons sales give, and where each sends the contact.</summary>
    public static readonly IReadOnlyDictionary<string, ContactStatus> RejectReasons = new Dictionary<string, ContactStatus>
    {
        ["not ready"] = ContactStatus.Recycled,
        ["bad fit"] = ContactStatus.Disqualified,
        ["duplicate"] = ContactStatus.Disqualified,
        ["competitor"] = ContactStatus.Disqualified,
    };

    public static void MapSalesQueueEndpoints(this RouteGroupBuilder api)
    {
        var queue = api.MapGroup("/queue").WithTags("Sales queue");
        queue.MapGet("/", List).WithSummary("MQLs waiting for sales, oldest due first (filters: owner_id, overdue=true)");
        queue.MapGet("/settings", GetSettings).WithSummary("SLA length in business days, the time zone it counts in, territories (country -> owner user id)");
        queue.MapPut("/settings", PutSettings).WithSummary("Change the SLA and territories (applies to MQLs from now on)");
        queue.MapPost("/{contact_id}/accept", Accept).WithSummary("Sales accepts an MQL (mql -> sal)");
        queue.MapPost("/{contact_id}/reject", Reject).WithSummary("Sales rejects: 'not ready' -> recycled; 'bad fit', 'duplicate', 'competitor' -> disqualified");
        queue.MapPost("/{contact_id}/qualify", Qualify).WithSummary("Sales qualifies an SAL (sal -> sql)");
        queue.MapPost("/{contact_id}/deal", CreateDeal).WithSummary("Creates the SQL's deal (sql -> opportunity)");
    }

    internal static async Task<Ok<Page<QueueItem>>> List(LifecycleDb db, TimeProvider clock, [AsParameters] Paging paging, long? owner_id, bool? overdue)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var query = from e in db.Set<QueueEntry>().AsNoTracking()
                    join c in db.Contacts.AsNoTracking() on e.ContactId equals c.Id
                    where e.ClosedAt == null && c.Status == ContactStatus.Mql
                    select new { e, c };
        if (owner_id is not null) query = query.Where(x => x.e.OwnerId == owner_id);
        if (overdue == true) query = query.Where(x => x.e.DueAt <= now);
        var total = await query.CountAsync();
        var rows = await query.OrderBy(x => x.e.DueAt).ThenBy(x => x.e.ContactId).Skip(paging.Skip).Take(paging.Take).ToListAsync();
        var items = rows.Select(x => new QueueItem(x.c.Id, x.c.Email, x.c.FirstName, x.c.LastName, x.c.AccountId, x.c.Country, x.e.OwnerId,
            x.e.AssignedBy, x.e.EnteredAt, x.e.DueAt, x.e.DueAt <= now, x.e.BreachedAt)).ToList();
        return TypedResults.Ok(new Page<QueueItem>(items, paging.Take, paging.Skip, total));
    }

    internal static async Task<QueueSettingsView> ViewAsync(LifecycleDb db)
    {
        var settings = await SalesQueue.SettingsAsync(db);
        var territories = await db.Set<Territory>().AsNoTracking().OrderBy(t => t.Country).ToDictionaryAsync(t => t.Country, t => t.OwnerId);
        return new QueueSettingsView(settings.SlaBusinessDays, settings.TimeZone ?? db.WorkspaceZone.Id, settings.TimeZone is null, territories);
    }

    private static async Task<Ok<QueueSettingsView>> GetSettings(LifecycleDb db) => TypedResults.Ok(await ViewAsync(db));

    internal static async Task<IResult> PutSettings(LifecycleDb db, QueueSettingsInput input)
    {
        var check = new Validation();
        if (input.SlaBusinessDays is < 0 or > 60) check.Add("sla_business_days", "must be between 0 and 60");
        if (!string.IsNullOrWhiteSpace(input.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(input.TimeZone.Trim(), out _))
            check.Add("time_zone", $"'{input.TimeZone}' is not a known time zone (use an IANA name such as Europe/Berlin)");
        foreach (var (country, owner) in input.Territories ?? [])
        {
            if (string.IsNullOrWhiteSpace(country)) check.Add("territories", "a country code is empty");
            await Owners.CheckAsync(db, check, owner, $"territories.{country}");
        }
        if (!check.Ok) return check.Problem();

        var settings = await db.Set<PipelineSettings>().FirstOrDefaultAsync(s => s.Id == 1);
        if (settings is null) db.Set<PipelineSettings>().Add(settings = new PipelineSettings());
        if (input.SlaBusinessDays is { } days) settings.SlaBusinessDays = days;
        if (input.TimeZone is { } zone) settings.TimeZone = zone.Trim() is { Length: > 0 } own ? own : null;
        if (input.Territories is { } territories)
        {
            db.Set<Territory>().RemoveRange(await db.Set<Territory>().ToListAsync());
            await db.SaveChangesAsync();
            foreach (var (country, owner) in territories)
                db.Set<Territory>().Add(new Territory { Country = country.Trim().ToUpperInvariant(), OwnerId = owner });
        }
        await db.SaveChangesAsync();
        return TypedResults.Ok(await ViewAsync(db));
    }

    internal static Task<IResult> Accept(LifecycleDb db, TimeProvider clock, string contact_id, SalesAction? action) =>
        ActAsync(db, clock, contact_id, action?.UserId, [ContactStatus.Mql], ContactStatus.Sal, "accepted by sales", "accepted");

    internal static Task<IResult> Qualify(LifecycleDb db, TimeProvider clock, string contact_id, SalesAction? action) =>
        ActAsync(db, clock, contact_id, action?.UserId, [ContactStatus.Sal], ContactStatus.Sql, action?.Note?.Trim() is { Length: > 0 } note ? note : "qualified by sales", "qualified");

    internal static async Task<IResult> Reject(LifecycleDb db, TimeProvider clock, string contact_id, SalesAction action)
    {
        var reason = action.Reason?.Trim().ToLowerInvariant().Replace('_', ' ');
        if (reason is null || !RejectReasons.TryGetValue(reason, out var to))
        {
            var check = new Validation();
            check.Add("reason", $"'{action.Reason}' is not one of {string.Join(", ", RejectReasons.Keys.Select(k => $"'{k}'"))}");
            return check.Problem();
        }
        var text = action.Note?.Trim() is { Length: > 0 } note ? $"{reason}: {note}" : reason;
        return await ActAsync(db, clock, contact_id, action.UserId, [ContactStatus.Mql, ContactStatus.Sal, ContactStatus.Sql], to, text, "rejected");
    }

    private static async Task<IResult> ActAsync(LifecycleDb db, TimeProvider clock, string contactId, long? userId,
        ContactStatus[] from, ContactStatus to, string reason, string verb)
    {
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == contactId);
        if (contact is null) return Validation.NotFound("contact", contactId);
        var (actor, problem) = await ActorAsync(db, contactId, userId);
        if (problem is not null) return problem;
        if (!from.Contains(contact.Status ?? ContactStatus.Inquiry))
            return Validation.Conflict($"contact '{contactId}' is {contact.Status?.ToName()}; only a contact in {string.Join(" or ", from.Select(s => s.ToName()))} can be {verb}");
        var result = await StatusChanges.ChangeAsync(db, contact, to, clock.GetUtcNow().UtcDateTime, reason, actor);
        if (result.OutOfOrder) return Validation.Unprocessable(result.Decision.Refusal!);
        if (!result.Applied) return Validation.Conflict(result.Decision.Refusal!);
        await db.SaveChangesAsync();
        return TypedResults.Ok(new { contact, transition = result.Transition, rule = result.Decision.Rule });
    }

    internal static async Task<IResult> CreateDeal(LifecycleDb db, TimeProvider clock, string contact_id, QueueDealInput input)
    {
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == contact_id);
        if (contact is null) return Validation.NotFound("contact", contact_id);
        var (actor, problem) = await ActorAsync(db, contact_id, input.UserId);
        if (problem is not null) return problem;
        if (contact.Status != ContactStatus.Sql)
            return Validation.Conflict($"contact '{contact_id}' is {contact.Status?.ToName()}; a deal is created for an SQL (sql -> opportunity)");

        var deal = new Deal { Id = input.Id?.Trim() is { Length: > 0 } given ? given : "deal_" + Guid.NewGuid().ToString("N")[..16], AccountId = "" };
        var check = await DealChanges.ApplyAsync(db, clock, deal, new DealInput(deal.Id, input.AccountId ?? contact.AccountId, contact.Id, input.Type,
            input.Amount, input.CreatedAt, input.ClosedAt, input.Outcome, input.CampaignId, input.Custom));
        if (!check.Ok) return check.UnprocessableProblem();
        if (await db.Deals.AnyAsync(d => d.Id == deal.Id)) return Validation.Conflict($"a deal '{deal.Id}' already exists");

        await using var tx = await db.Database.BeginTransactionAsync();
        var result = await StatusChanges.ChangeAsync(db, contact, ContactStatus.Opportunity, clock.GetUtcNow().UtcDateTime, $"deal {deal.Id} created", actor);
        if (!result.Applied) return result.OutOfOrder ? Validation.Unprocessable(result.Decision.Refusal!) : Validation.Conflict(result.Decision.Refusal!);
        await db.SaveChangesAsync();
        await DealChanges.SaveAsync(db, clock, deal, isNew: true, DealOutcome.Open, null, actor);
        await tx.CommitAsync();
        return TypedResults.Created($"/api/deals/{deal.Id}", new { deal, contact, transition = result.Transition });
    }

    /// <summary>The acting user: the one named in the request, else the queue entry's owner; "api" when neither is known.</summary>
    private static async Task<(string Actor, IResult? Problem)> ActorAsync(LifecycleDb db, string contactId, long? userId)
    {
        if (userId is { } id)
        {
            if (await db.Set<User>().AnyAsync(u => u.Id == id && u.DisabledAt == null)) return ($"user:{id}", null);
            var check = new Validation();
            check.Add("user_id", $"no active user {id}");
            return ("", check.Problem());
        }
        var owner = await db.Set<QueueEntry>().Where(e => e.ContactId == contactId).Select(e => e.OwnerId).FirstOrDefaultAsync();
        return (owner is { } o ? $"user:{o}" : "api", null);
    }
}
