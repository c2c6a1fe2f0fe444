using Lifecycle.Contacts;
using Lifecycle.Pipeline.Webhooks;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Pipeline;

public sealed record DealInput(string? Id, string? AccountId, string? ContactId, string? Type, decimal? Amount, DateTime? CreatedAt,
    DateTime? ClosedAt, string? Outcome, string? CampaignId, Dictionary<string, string>? Custom);
public sealed record SubscriptionInput(string? Id, string? AccountId, decimal? Mrr, DateOnly? StartsOn, DateOnly? EndsOn);
public sealed record NpsInput(string? ContactId, int? Score, string? Comment, DateTime? RespondedAt);

/// <summary>
/// Deals, subscriptions (both keep the account's derived status and its contacts' customer/churned status
/// current, see DealChanges) and NPS answers; then the sales queue, webhooks and CRM sync.
/// </summary>
public static class PipelineEndpoints
{
    public static void MapPipelineEndpoints(this RouteGroupBuilder api)
    {
        var deals = api.MapGroup("/deals").WithTags("Deals");
        deals.MapGet("/", async (LifecycleDb db, [AsParameters] Paging paging, string? account_id, string? outcome, string? type) =>
        {
            var query = db.Deals.AsNoTracking();
            if (account_id is not null) query = query.Where(d => d.AccountId == account_id);
            if (SnakeCase.TryParseEnum<DealOutcome>(outcome, out var o)) query = query.Where(d => d.Outcome == o);
            if (SnakeCase.TryParseEnum<DealType>(type, out var t)) query = query.Where(d => d.Type == t);
            return TypedResults.Ok(new Page<Deal>(await query.OrderBy(d => d.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(), paging.Take, paging.Skip, await query.CountAsync()));
        }).WithSummary("List deals (filters: account_id, outcome, type)");
        deals.MapGet("/{id}", async Task<IResult> (LifecycleDb db, string id) =>
            await db.Deals.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id) is { } d ? TypedResults.Ok(d) : Validation.NotFound("deal", id)).WithSummary("One deal");
        deals.MapPost("/", (LifecycleDb db, TimeProvider clock, DealInput input) => SaveDeal(db, clock, null, input)).WithSummary("Create a deal (new, upsell, cross_sell, renewal)");
        deals.MapPut("/{id}", (LifecycleDb db, TimeProvider clock, string id, DealInput input) => SaveDeal(db, clock, id, input)).WithSummary("Replace a deal's fields");
        deals.MapDelete("/{id}", async Task<IResult> (LifecycleDb db, TimeProvider clock, string id) =>
        {
            var deal = await db.Deals.FirstOrDefaultAsync(d => d.Id == id);
            if (deal is null) return Validation.NotFound("deal", id);
            db.Deals.Remove(deal);
            await db.SaveChangesAsync();
            await DealChanges.RefreshAccountAsync(db, deal.AccountId, clock.GetUtcNow().UtcDateTime, "api");
            return TypedResults.NoContent();
        }).WithSummary("Delete a deal");

        var subscriptions = api.MapGroup("/subscriptions").WithTags("Subscriptions");
        subscriptions.MapGet("/", async (LifecycleDb db, [AsParameters] Paging paging, string? account_id) =>
        {
            var query = db.Subscriptions.AsNoTracking();
            if (account_id is not null) query = query.Where(s => s.AccountId == account_id);
            return TypedResults.Ok(new Page<Subscription>(await query.OrderBy(s => s.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(), paging.Take, paging.Skip, await query.CountAsync()));
        }).WithSummary("List subscriptions (filter: account_id)");
        subscriptions.MapGet("/{id}", async Task<IResult> (LifecycleDb db, string id) =>
            await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id) is { } s ? TypedResults.Ok(s) : Validation.NotFound("subscription", id)).WithSummary("One subscription");
        subscriptions.MapPost("/", (LifecycleDb db, TimeProvider clock, SubscriptionInput input) => SaveSubscription(db, clock, null, input)).WithSummary("Create a subscription (MRR, starts_on, ends_on empty while active)");
        subscriptions.MapPut("/{id}", (LifecycleDb db, TimeProvider clock, string id, SubscriptionInput input) => SaveSubscription(db, clock, id, input)).WithSummary("Replace a subscription's fields (set ends_on to end it)");

        var nps = api.MapGroup("/nps").WithTags("NPS");
        nps.MapGet("/", async (LifecycleDb db, [AsParameters] Paging paging, string? contact_id) =>
        {
            var query = db.NpsResponses.AsNoTracking();
            if (contact_id is not null) query = query.Where(n => n.ContactId == contact_id);
            return TypedResults.Ok(new Page<NpsResponse>(await query.OrderByDescending(n => n.RespondedAt).ThenBy(n => n.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(), paging.Take, paging.Skip, await query.CountAsync()));
        }).WithSummary("List NPS answers with their verbatims, newest first (filter: contact_id)");
        nps.MapPost("/", CreateNps).WithSummary("Record an NPS answer (score 0–10 and a comment)");
        nps.MapSurveyEndpoints();

        api.MapSalesQueueEndpoints();
        api.MapWebhookEndpoints();
        api.MapSyncEndpoints();
    }

    private static async Task<IResult> SaveDeal(LifecycleDb db, TimeProvider clock, string? id, DealInput input)
    {
        var deal = id is null
            ? new Deal { Id = input.Id?.Trim() is { Length: > 0 } given ? given : "deal_" + Guid.NewGuid().ToString("N")[..16], AccountId = "" }
            : await db.Deals.FirstOrDefaultAsync(d => d.Id == id);
        if (deal is null) return Validation.NotFound("deal", id!);
        var (previousAccount, previousOutcome) = (deal.AccountId, deal.Outcome);
        var check = await DealChanges.ApplyAsync(db, clock, deal, input);
        if (!check.Ok) return check.Problem();
        if (id is null && await db.Deals.AnyAsync(d => d.Id == deal.Id)) return Validation.Conflict($"a deal '{deal.Id}' already exists");
        await using var tx = await db.Database.BeginTransactionAsync();
        await DealChanges.SaveAsync(db, clock, deal, id is null, id is null ? DealOutcome.Open : previousOutcome, previousAccount, "api");
        await tx.CommitAsync();
        return id is null ? TypedResults.Created($"/api/deals/{deal.Id}", deal) : TypedResults.Ok(deal);
    }

    private static async Task<IResult> SaveSubscription(LifecycleDb db, TimeProvider clock, string? id, SubscriptionInput input)
    {
        var subscription = id is null
            ? new Subscription { Id = input.Id?.Trim() is { Length: > 0 } given ? given : "sub_" + Guid.NewGuid().ToString("N")[..16], AccountId = "" }
            : await db.Subscriptions.FirstOrDefaultAsync(s => s.Id == id);
        if (subscription is null) return Validation.NotFound("subscription", id!);
        var check = new Validation();
        subscription.AccountId = check.Required("account_id", input.AccountId) ?? "";
        if (input.AccountId is not null && !await db.Accounts.AnyAsync(a => a.Id == input.AccountId)) check.Add("account_id", $"no account '{input.AccountId}'");
        if (input.Mrr is null) check.Add("mrr", "required");
        check.NotNegative("mrr", input.Mrr);
        subscription.Mrr = input.Mrr ?? 0;
        if (input.StartsOn is null) check.Add("starts_on", "required");
        subscription.StartsOn = input.StartsOn ?? default;
        subscription.EndsOn = input.EndsOn;
        if (input.EndsOn < input.StartsOn) check.Add("ends_on", "is before starts_on");
        if (!check.Ok) return check.Problem();
        if (id is null)
        {
            if (await db.Subscriptions.AnyAsync(s => s.Id == subscription.Id)) return Validation.Conflict($"a subscription '{subscription.Id}' already exists");
            db.Subscriptions.Add(subscription);
        }
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.SaveChangesAsync();
        await DealChanges.RefreshAccountAsync(db, subscription.AccountId, clock.GetUtcNow().UtcDateTime, "api");
        await tx.CommitAsync();
        return id is null ? TypedResults.Created($"/api/subscriptions/{subscription.Id}", subscription) : TypedResults.Ok(subscription);
    }

    private static async Task<IResult> CreateNps(LifecycleDb db, TimeProvider clock, NpsInput input)
    {
        var check = new Validation();
        var contactId = check.Required("contact_id", input.ContactId);
        if (contactId is not null && !await db.Contacts.AnyAsync(c => c.Id == contactId)) check.Add("contact_id", $"no contact '{contactId}'");
        if (input.Score is null) check.Add("score", "required");
        else if (input.Score is < 0 or > 10) check.Add("score", $"{input.Score} is outside 0–10");
        if (!check.Ok) return check.Problem();
        var response = new NpsResponse
        {
            ContactId = contactId!, Score = input.Score!.Value, Comment = string.IsNullOrWhiteSpace(input.Comment) ? null : input.Comment.Trim(),
            RespondedAt = input.RespondedAt?.ToUniversalTime() ?? clock.GetUtcNow().UtcDateTime,
        };
        if (await db.NpsResponses.AnyAsync(n => n.ContactId == response.ContactId && n.RespondedAt == response.RespondedAt))
            return Validation.Conflict("this contact already answered at that instant");
        db.NpsResponses.Add(response);
        await WebhookOutbox.EnqueueAsync(db, "nps.responded", new { contact_id = response.ContactId, score = response.Score, comment = response.Comment, responded_at = response.RespondedAt },
            clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/nps/{response.Id}", response);
    }
}
