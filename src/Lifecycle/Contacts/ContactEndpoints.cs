using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Contacts;

public sealed record ContactInput(
    string? Id, string? Email, string? FirstName, string? LastName, string? Title, string? AccountId, string? Country,
    string? LeadSource, string? CampaignId, DateTime? CreatedAt, DateOnly? Birthday, bool? Consent,
    Dictionary<string, string>? Custom, string? Status, long? OwnerId = null);

public sealed record StatusChange(string? To, string? Reason, string? CampaignId, DateTime? At);

/// <summary>Contacts: CRUD, and status changes that always go through <see cref="StatusRules"/>.</summary>
public static class ContactEndpoints
{
    public static void MapContactEndpoints(this RouteGroupBuilder api)
    {
        var contacts = api.MapGroup("/contacts").WithTags("Contacts");
        contacts.MapGet("/", List).WithSummary("List contacts (filters: status, account_id, email, q = name or e-mail)");
        contacts.MapGet("/{id}", Get).WithSummary("One contact");
        contacts.MapPost("/", Create).WithSummary("Create a contact; it enters its first status (default inquiry) as a transition");
        contacts.MapPut("/{id}", Update).WithSummary("Replace a contact's fields (its status changes only through /status)");
        contacts.MapPost("/{id}/status", ChangeStatus).WithSummary("Change a contact's status through the lifecycle rules (409 with the reason when they forbid it)");
        contacts.MapGet("/{id}/transitions", Transitions).WithSummary("A contact's status history, oldest first");
    }

    private static async Task<Ok<Page<Contact>>> List(LifecycleDb db, [AsParameters] Paging paging, string? status, string? account_id, string? email, string? q)
    {
        var query = db.Contacts.AsNoTracking();
        if (ContactStatusNames.TryParse(status, out var s)) query = query.Where(c => c.Status == s);
        if (account_id is not null) query = query.Where(c => c.AccountId == account_id);
        if (email is not null) query = query.Where(c => c.Email == email.Trim().ToLower());
        if (!string.IsNullOrWhiteSpace(q))
        {
            var term = q.Trim().ToLower();
            query = query.Where(c => c.Email!.Contains(term) || c.FirstName!.ToLower().Contains(term) || c.LastName!.ToLower().Contains(term));
        }
        var total = await query.CountAsync();
        var items = await query.OrderBy(c => c.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync();
        return TypedResults.Ok(new Page<Contact>(items, paging.Take, paging.Skip, total));
    }

    private static async Task<IResult> Get(LifecycleDb db, string id) =>
        await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id) is { } contact
            ? TypedResults.Ok(contact)
            : Validation.NotFound("contact", id);

    private static async Task<IResult> Create(LifecycleDb db, TimeProvider clock, ContactInput input)
    {
        var check = new Validation();
        var contact = new Contact { Id = input.Id?.Trim() is { Length: > 0 } id ? id : "con_" + Guid.NewGuid().ToString("N")[..16] };
        await Apply(db, check, contact, input);
        ContactStatus first = ContactStatus.Inquiry;
        if (input.Status is not null && !ContactStatusNames.TryParse(input.Status, out first)) check.Add("status", $"'{input.Status}' is not a lifecycle status");
        if (!check.Ok) return check.Problem();
        if (await db.Contacts.AnyAsync(c => c.Id == contact.Id)) return Validation.Conflict($"a contact '{contact.Id}' already exists");
        if (contact.Email is not null && await db.Contacts.AnyAsync(c => c.Email == contact.Email)) return Validation.Conflict($"the e-mail '{contact.Email}' belongs to another contact");

        var now = clock.GetUtcNow().UtcDateTime;
        contact.CreatedAt = input.CreatedAt?.ToUniversalTime() ?? now;
        contact.Status = first;
        db.Contacts.Add(contact);
        if (contact.Consent) Capture.Consents.Record(db, contact, Capture.Consents.MarketingEmail, true, null, now, "api");
        var transition = new Transition
        {
            ContactId = contact.Id, ToStatus = first, At = contact.CreatedAt, Reason = "created through the API",
            Actor = "api", CampaignId = contact.CampaignId,
        };
        db.Transitions.Add(transition);
        await Pipeline.SalesQueue.AfterTransitionAsync(db, contact, transition);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/contacts/{contact.Id}", contact);
    }

    private static async Task<IResult> Update(LifecycleDb db, TimeProvider clock, string id, ContactInput input)
    {
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == id);
        if (contact is null) return Validation.NotFound("contact", id);
        var consented = contact.Consent;
        var check = new Validation();
        await Apply(db, check, contact, input);
        if (input.Status is not null) check.Add("status", "change the status with POST /api/contacts/{id}/status");
        if (!check.Ok) return check.Problem();
        if (contact.Email is not null && await db.Contacts.AnyAsync(c => c.Email == contact.Email && c.Id != id))
            return Validation.Conflict($"the e-mail '{contact.Email}' belongs to another contact");
        if (input.CreatedAt is { } created) contact.CreatedAt = created.ToUniversalTime();
        // Contact.Consent caches the latest marketing consent fact: a change here is a new fact.
        if (contact.Consent != consented) Capture.Consents.Record(db, contact, Capture.Consents.MarketingEmail, contact.Consent, null, clock.GetUtcNow().UtcDateTime, "api");
        await db.SaveChangesAsync();
        return TypedResults.Ok(contact);
    }

    private static async Task Apply(LifecycleDb db, Validation check, Contact contact, ContactInput input)
    {
        contact.Email = check.Email("email", input.Email);
        contact.FirstName = input.FirstName?.Trim();
        contact.LastName = input.LastName?.Trim();
        contact.Title = input.Title?.Trim();
        contact.Country = input.Country?.Trim();
        contact.LeadSource = input.LeadSource?.Trim();
        contact.Birthday = input.Birthday;
        contact.Consent = input.Consent ?? false;
        contact.Custom = input.Custom ?? [];
        contact.AccountId = input.AccountId;
        contact.CampaignId = input.CampaignId;
        contact.OwnerId = input.OwnerId;
        await Pipeline.Owners.CheckAsync(db, check, input.OwnerId);
        if (input.AccountId is not null && !await db.Accounts.AnyAsync(a => a.Id == input.AccountId)) check.Add("account_id", $"no account '{input.AccountId}'");
        if (input.CampaignId is not null && !await db.Campaigns.AnyAsync(c => c.Id == input.CampaignId)) check.Add("campaign_id", $"no campaign '{input.CampaignId}'");
    }

    private static async Task<IResult> ChangeStatus(LifecycleDb db, TimeProvider clock, string id, StatusChange change)
    {
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == id);
        if (contact is null) return Validation.NotFound("contact", id);
        var check = new Validation();
        if (check.Required("to", change.To) is { } name && !ContactStatusNames.TryParse(name, out _))
            check.Add("to", $"'{name}' is not a lifecycle status ({string.Join(", ", ContactStatusNames.All)})");
        if (change.CampaignId is not null && !await db.Campaigns.AnyAsync(c => c.Id == change.CampaignId)) check.Add("campaign_id", $"no campaign '{change.CampaignId}'");
        if (!check.Ok) return check.Problem();
        ContactStatusNames.TryParse(change.To, out var to);

        var at = change.At?.ToUniversalTime() ?? clock.GetUtcNow().UtcDateTime;
        var result = await StatusChanges.ChangeAsync(db, contact, to, at, change.Reason, "api", change.CampaignId);
        if (result.OutOfOrder) return Validation.Unprocessable(result.Decision.Refusal!);
        if (!result.Applied) return Validation.Conflict(result.Decision.Refusal!);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/contacts/{id}/transitions", new { transition = result.Transition, rule = result.Decision.Rule });
    }

    private static async Task<IResult> Transitions(LifecycleDb db, string id)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == id)) return Validation.NotFound("contact", id);
        return TypedResults.Ok(await db.Transitions.AsNoTracking().Where(t => t.ContactId == id).OrderBy(t => t.At).ThenBy(t => t.Id).ToListAsync());
    }
}
