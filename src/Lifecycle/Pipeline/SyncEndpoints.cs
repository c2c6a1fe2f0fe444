using Lifecycle.Contacts;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Pipeline;

public sealed record SyncContactInput(string? Email, string? FirstName, string? LastName, string? Title, string? AccountId, string? Country,
    string? LeadSource, string? CampaignId, long? OwnerId, string? Status, string? Reason, Dictionary<string, string>? Custom);
public sealed record SyncDealInput(string? AccountId, string? ContactId, string? ContactExternalId, string? Type, decimal? Amount,
    DateTime? CreatedAt, DateTime? ClosedAt, string? Outcome, string? CampaignId, Dictionary<string, string>? Custom);

/// <summary>
/// Inbound CRM sync: idempotent upserts keyed by the CRM's record id. A contact is found by its link, else
/// linked by e-mail, else created; fields the CRM leaves out are kept; a status goes through the lifecycle rules
/// (409 and nothing changes when they refuse). A deal is replaced as a whole (like PUT /api/deals). Sending the
/// same body twice changes nothing the second time (no transition, no webhook event).
/// </summary>
public static class SyncEndpoints
{
    public static void MapSyncEndpoints(this RouteGroupBuilder api)
    {
        var sync = api.MapGroup("/sync").WithTags("CRM sync");
        sync.MapPut("/contacts/{external_id}", UpsertContact).WithSummary("Create or update the contact linked to a CRM id (201 when created)");
        sync.MapPut("/deals/{external_id}", UpsertDeal).WithSummary("Create or replace the deal linked to a CRM id (201 when created)");
    }

    private static async Task<string?> LinkedAsync(LifecycleDb db, string kind, string externalId) =>
        await db.Set<ExternalId>().Where(l => l.Kind == kind && l.Value == externalId).Select(l => l.EntityId).FirstOrDefaultAsync();

    private static async Task<IResult> UpsertContact(LifecycleDb db, TimeProvider clock, string external_id, SyncContactInput input)
    {
        var check = new Validation();
        var email = check.Email("email", input.Email);
        ContactStatus status = default;
        if (input.Status is not null && !ContactStatusNames.TryParse(input.Status, out status)) check.Add("status", $"'{input.Status}' is not a lifecycle status");
        if (input.AccountId is not null && !await db.Accounts.AnyAsync(a => a.Id == input.AccountId)) check.Add("account_id", $"no account '{input.AccountId}'");
        if (input.CampaignId is not null && !await db.Campaigns.AnyAsync(c => c.Id == input.CampaignId)) check.Add("campaign_id", $"no campaign '{input.CampaignId}'");
        await Owners.CheckAsync(db, check, input.OwnerId);
        if (!check.Ok) return check.Problem();

        var now = clock.GetUtcNow().UtcDateTime;
        var linkedId = await LinkedAsync(db, ExternalId.ContactKind, external_id);
        var contact = linkedId is not null ? await db.Contacts.FirstOrDefaultAsync(c => c.Id == linkedId)
            : email is not null ? await db.Contacts.FirstOrDefaultAsync(c => c.Email == email) : null;
        if (email is not null && await db.Contacts.AnyAsync(c => c.Email == email && (contact == null || c.Id != contact.Id)))
            return Validation.Conflict($"the e-mail '{email}' belongs to another contact");
        if (contact is not null && linkedId is null && await db.Set<ExternalId>().AnyAsync(l => l.Kind == ExternalId.ContactKind && l.EntityId == contact.Id))
            return Validation.Conflict($"contact '{contact.Id}' (e-mail '{email}') is already linked to another CRM id");

        var created = contact is null;
        contact ??= new Contact { Id = "con_" + Guid.NewGuid().ToString("N")[..16], CreatedAt = now };
        contact.Email = email ?? contact.Email;
        contact.FirstName = input.FirstName?.Trim() ?? contact.FirstName;
        contact.LastName = input.LastName?.Trim() ?? contact.LastName;
        contact.Title = input.Title?.Trim() ?? contact.Title;
        contact.AccountId = input.AccountId ?? contact.AccountId;
        contact.Country = input.Country?.Trim() ?? contact.Country;
        contact.LeadSource = input.LeadSource?.Trim() ?? contact.LeadSource;
        contact.CampaignId = input.CampaignId ?? contact.CampaignId;
        contact.OwnerId = input.OwnerId ?? contact.OwnerId;
        if (input.Custom is not null) contact.Custom = input.Custom;
        var reason = input.Reason?.Trim() is { Length: > 0 } r ? r : "synced from CRM";

        if (created)
        {
            var first = input.Status is null ? ContactStatus.Inquiry : status;
            contact.Status = first;
            db.Contacts.Add(contact);
            var transition = new Transition { ContactId = contact.Id, ToStatus = first, At = now, Reason = reason, Actor = "api", CampaignId = contact.CampaignId };
            db.Transitions.Add(transition);
            await SalesQueue.AfterTransitionAsync(db, contact, transition);
        }
        else if (input.Status is not null && contact.Status != status)
        {
            var result = await StatusChanges.ChangeAsync(db, contact, status, now, reason, "api");
            if (!result.Applied) return result.OutOfOrder ? Validation.Unprocessable(result.Decision.Refusal!) : Validation.Conflict(result.Decision.Refusal!);
        }
        if (linkedId is null) db.Set<ExternalId>().Add(new ExternalId { Kind = ExternalId.ContactKind, Value = external_id, EntityId = contact.Id });
        await db.SaveChangesAsync();
        var body = new { external_id, contact };
        return created ? TypedResults.Created($"/api/contacts/{contact.Id}", body) : TypedResults.Ok(body);
    }

    private static async Task<IResult> UpsertDeal(LifecycleDb db, TimeProvider clock, string external_id, SyncDealInput input)
    {
        var contactId = input.ContactId;
        if (input.ContactExternalId is { } contactExternal)
        {
            contactId = await LinkedAsync(db, ExternalId.ContactKind, contactExternal);
            if (contactId is null)
            {
                var missing = new Validation();
                missing.Add("contact_external_id", $"no contact synced as '{contactExternal}'");
                return missing.Problem();
            }
        }
        var linkedId = await LinkedAsync(db, ExternalId.DealKind, external_id);
        var deal = linkedId is null ? null : await db.Deals.FirstOrDefaultAsync(d => d.Id == linkedId);
        var created = deal is null;
        deal ??= new Deal { Id = "deal_" + Guid.NewGuid().ToString("N")[..16], AccountId = "" };
        var (previousAccount, previousOutcome) = (deal.AccountId, created ? DealOutcome.Open : deal.Outcome);
        var check = await DealChanges.ApplyAsync(db, clock, deal, new DealInput(deal.Id, input.AccountId, contactId, input.Type, input.Amount,
            input.CreatedAt ?? (created ? null : deal.CreatedAt), input.ClosedAt, input.Outcome, input.CampaignId, input.Custom));
        if (!check.Ok) return check.Problem();
        if (!created && !db.ChangeTracker.HasChanges()) return TypedResults.Ok(new { external_id, deal });

        await using var tx = await db.Database.BeginTransactionAsync();
        if (created) db.Set<ExternalId>().Add(new ExternalId { Kind = ExternalId.DealKind, Value = external_id, EntityId = deal.Id });
        await DealChanges.SaveAsync(db, clock, deal, created, previousOutcome, previousAccount, "api");
        await tx.CommitAsync();
        var body = new { external_id, deal };
        return created ? TypedResults.Created($"/api/deals/{deal.Id}", body) : TypedResults.Ok(body);
    }
}
