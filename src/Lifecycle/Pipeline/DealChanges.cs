using Lifecycle.Contacts;
using Lifecycle.Pipeline.Webhooks;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Pipeline;

/// <summary>
/// What a deal's save sets in motion, shared by /api/deals, the sales queue's "create a deal" and CRM sync:
/// a won deal makes its contact a customer, a lost one recycles a contact still at opportunity; the account's
/// status follows its deals and subscriptions (AccountStatusRule), and when the account stops or starts being
/// a customer, its contacts move to churned or back to customer (win-back). Webhook events go to the outbox in
/// the same transaction.
/// </summary>
public static class DealChanges
{
    /// <summary>Copies the input onto the deal, checking every field; the caller answers the problems.</summary>
    public static async Task<Validation> ApplyAsync(LifecycleDb db, TimeProvider clock, Deal deal, DealInput input)
    {
        var check = new Validation();
        deal.AccountId = check.Required("account_id", input.AccountId) ?? "";
        if (input.AccountId is not null && !await db.Accounts.AnyAsync(a => a.Id == input.AccountId)) check.Add("account_id", $"no account '{input.AccountId}'");
        deal.ContactId = input.ContactId;
        if (input.ContactId is not null && !await db.Contacts.AnyAsync(c => c.Id == input.ContactId)) check.Add("contact_id", $"no contact '{input.ContactId}'");
        deal.CampaignId = input.CampaignId;
        if (input.CampaignId is not null && !await db.Campaigns.AnyAsync(c => c.Id == input.CampaignId)) check.Add("campaign_id", $"no campaign '{input.CampaignId}'");
        deal.Type = check.Enum<DealType>("type", input.Type) ?? DealType.New;
        deal.Outcome = check.Enum<DealOutcome>("outcome", input.Outcome) ?? DealOutcome.Open;
        if (input.Amount is null) check.Add("amount", "required");
        check.NotNegative("amount", input.Amount);
        deal.Amount = input.Amount ?? 0;
        deal.CreatedAt = input.CreatedAt?.ToUniversalTime() ?? clock.GetUtcNow().UtcDateTime;
        deal.ClosedAt = input.ClosedAt?.ToUniversalTime();
        if (deal.ClosedAt < deal.CreatedAt) check.Add("closed_at", "is before created_at");
        if (deal.Outcome != DealOutcome.Open && deal.ClosedAt is null) check.Add("closed_at", "required for a won or lost deal");
        deal.Custom = input.Custom ?? [];
        return check;
    }

    /// <summary>Saves a checked deal and its consequences. Call inside a transaction: it saves more than once.</summary>
    public static async Task SaveAsync(LifecycleDb db, TimeProvider clock, Deal deal, bool isNew, DealOutcome previousOutcome, string? previousAccount, string actor)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (isNew) db.Deals.Add(deal);
        var payload = Payload(deal);
        await WebhookOutbox.EnqueueAsync(db, isNew ? "deal.created" : "deal.updated", payload, now);
        if (deal.Outcome != previousOutcome && deal.Outcome != DealOutcome.Open)
        {
            await WebhookOutbox.EnqueueAsync(db, deal.Outcome == DealOutcome.Won ? "deal.won" : "deal.lost", payload, now);
            var contact = deal.ContactId is null ? null : await db.Contacts.FirstOrDefaultAsync(c => c.Id == deal.ContactId);
            if (contact is not null && deal.Outcome == DealOutcome.Won && contact.Status != ContactStatus.Customer)
                await ChangeAsync(db, contact, ContactStatus.Customer, deal.ClosedAt ?? now, now, $"deal {deal.Id} won", actor);
            if (contact is not null && deal.Outcome == DealOutcome.Lost && contact.Status == ContactStatus.Opportunity)
                await ChangeAsync(db, contact, ContactStatus.Recycled, deal.ClosedAt ?? now, now, $"deal {deal.Id} lost", actor);
        }
        await db.SaveChangesAsync();
        await RefreshAccountAsync(db, deal.AccountId, now, actor);
        if (previousAccount is { Length: > 0 } && previousAccount != deal.AccountId) await RefreshAccountAsync(db, previousAccount, now, actor);
    }

    /// <summary>
    /// Sets the account's status as of now and moves its contacts when it stops being a customer (customer →
    /// churned: its last active subscription ended) or becomes one again (churned → customer: win-back).
    /// </summary>
    public static async Task RefreshAccountAsync(LifecycleDb db, string accountId, DateTime now, string actor)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.Id == accountId);
        if (account is null) return;
        var deals = await db.Deals.AsNoTracking().Where(d => d.AccountId == accountId).ToListAsync();
        var subscriptions = await db.Subscriptions.AsNoTracking().Where(s => s.AccountId == accountId).ToListAsync();
        var before = account.Status;
        account.Status = AccountStatusRule.At(now, deals, subscriptions);
        var (from, to, reason) = (before, account.Status) switch
        {
            (AccountStatus.Customer, AccountStatus.Churned) => (ContactStatus.Customer, ContactStatus.Churned, "the account's last active subscription ended"),
            (AccountStatus.Churned, AccountStatus.Customer) => (ContactStatus.Churned, ContactStatus.Customer, "win-back: the account is a customer again"),
            _ => (default(ContactStatus?), default(ContactStatus), ""),
        };
        if (from is not null)
        {
            foreach (var contact in await db.Contacts.Where(c => c.AccountId == accountId && c.Status == from).ToListAsync())
                await ChangeAsync(db, contact, to, now, now, reason, actor);
        }
        await db.SaveChangesAsync();
    }

    /// <summary>A derived change at the deal's instant, or now when that would come before the contact's latest transition.</summary>
    private static async Task ChangeAsync(LifecycleDb db, Contact contact, ContactStatus to, DateTime at, DateTime now, string reason, string actor)
    {
        var result = await StatusChanges.ChangeAsync(db, contact, to, at, reason, actor);
        if (result.OutOfOrder && now > at) await StatusChanges.ChangeAsync(db, contact, to, now, reason, actor);
    }

    private static object Payload(Deal deal) => new
    {
        deal_id = deal.Id, account_id = deal.AccountId, contact_id = deal.ContactId, type = deal.Type, amount = deal.Amount,
        created_at = deal.CreatedAt, closed_at = deal.ClosedAt, outcome = deal.Outcome, campaign_id = deal.CampaignId,
    };
}
