using Lifecycle.Access;
using Lifecycle.Contacts;
using Lifecycle.Pipeline.Webhooks;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Pipeline;

/// <summary>
/// The sales queue's storage side. <see cref="AfterTransitionAsync"/> runs for every live status change (it is
/// called by StatusChanges, so API, sales actions and scoring rules alike): a new MQL gets an owner and an SLA
/// due instant, a contact leaving mql leaves the queue, and the change goes to the webhook outbox, all in the
/// caller's unit of work.
/// </summary>
public static class SalesQueue
{
    public static async Task AfterTransitionAsync(LifecycleDb db, Contact contact, Transition transition, CancellationToken cancel = default)
    {
        if (transition.ToStatus == ContactStatus.Mql) await EnterAsync(db, contact, transition.At, cancel);
        else if (transition.FromStatus == ContactStatus.Mql) await LeaveAsync(db, contact.Id, transition.At, cancel);
        await WebhookOutbox.EnqueueAsync(db, "contact.status_changed", new
        {
            contact_id = contact.Id, from_status = transition.FromStatus?.ToName(), to_status = transition.ToStatus.ToName(), at = transition.At,
            reason = transition.Reason, actor = transition.Actor, campaign_id = transition.CampaignId, owner_id = contact.OwnerId,
        }, transition.At, cancel);
    }

    public static async Task<PipelineSettings> SettingsAsync(LifecycleDb db, CancellationToken cancel = default) =>
        await db.Set<PipelineSettings>().FirstOrDefaultAsync(s => s.Id == 1, cancel) ?? new PipelineSettings();

    private static async Task EnterAsync(LifecycleDb db, Contact contact, DateTime at, CancellationToken cancel)
    {
        var settings = await db.Set<PipelineSettings>().FirstOrDefaultAsync(s => s.Id == 1, cancel);
        if (settings is null) db.Set<PipelineSettings>().Add(settings = new PipelineSettings());
        var accountOwner = contact.AccountId is null ? null
            : await db.Accounts.Where(a => a.Id == contact.AccountId).Select(a => a.OwnerId).FirstOrDefaultAsync(cancel);
        var territories = await db.Set<Territory>().AsNoTracking().ToDictionaryAsync(t => t.Country, t => t.OwnerId, cancel);
        var users = await db.Set<User>().AsNoTracking().Where(u => u.DisabledAt == null)
            .Select(u => new Assignee(u.Id, u.Role == UserRole.Sales)).ToListAsync(cancel);

        var decision = Assignment.Choose(accountOwner, contact.Country, territories, users, settings.LastRoundRobinUserId);
        if (decision.Rule == Assignment.RoundRobin) settings.LastRoundRobinUserId = decision.OwnerId;
        if (decision.OwnerId is not null) contact.OwnerId = decision.OwnerId;

        var due = SlaClock.DueAt(at, settings.SlaBusinessDays, settings.TimeZone is { } own ? Zone(own) : db.WorkspaceZone);
        var entry = await db.Set<QueueEntry>().FirstOrDefaultAsync(e => e.ContactId == contact.Id, cancel);
        if (entry is null) db.Set<QueueEntry>().Add(entry = new QueueEntry { ContactId = contact.Id, AssignedBy = decision.Rule });
        entry.OwnerId = decision.OwnerId;
        entry.AssignedBy = decision.Rule;
        entry.EnteredAt = at;
        entry.DueAt = due;
        entry.BreachedAt = null;
        entry.ClosedAt = null;
    }

    private static async Task LeaveAsync(LifecycleDb db, string contactId, DateTime at, CancellationToken cancel)
    {
        var entry = await db.Set<QueueEntry>().FirstOrDefaultAsync(e => e.ContactId == contactId && e.ClosedAt == null, cancel);
        if (entry is not null) entry.ClosedAt = at;
    }

    /// <summary>
    /// Marks every open queue entry past its due instant as breached and notifies its owner with an
    /// <c>sla.breached</c> webhook event and an e-mail, once per entry (the conditional update claims it, and the
    /// e-mail commits with the claim, so several server processes notify once).
    /// </summary>
    public static async Task<int> NotifyBreachesAsync(Database database, Email.EmailOutbox outbox, DateTime now, CancellationToken cancel = default)
    {
        await using var db = database.Open();
        var overdue = await db.Set<QueueEntry>().AsNoTracking()
            .Where(e => e.ClosedAt == null && e.BreachedAt == null && e.DueAt <= now)
            // A contact moved on by imported history keeps an open entry; only contacts still at mql are breaches.
            .Where(e => db.Contacts.Any(c => c.Id == e.ContactId && c.Status == ContactStatus.Mql)).OrderBy(e => e.DueAt).Take(200).ToListAsync(cancel);
        var notified = 0;
        foreach (var entry in overdue)
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancel);
            var claimed = await db.Set<QueueEntry>().Where(e => e.ContactId == entry.ContactId && e.BreachedAt == null && e.ClosedAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.BreachedAt, now), cancel);
            if (claimed == 0) continue;
            var owner = entry.OwnerId is null ? null
                : await db.Set<User>().AsNoTracking().Where(u => u.Id == entry.OwnerId).Select(u => new { u.Id, u.Email, u.Name }).FirstOrDefaultAsync(cancel);
            await WebhookOutbox.EnqueueAsync(db, "sla.breached", new
            {
                contact_id = entry.ContactId, owner_id = entry.OwnerId, owner_email = owner?.Email, owner_name = owner?.Name,
                entered_at = entry.EnteredAt, due_at = entry.DueAt, breached_at = now,
            }, now, cancel);
            if (owner is not null && await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == entry.ContactId, cancel) is { } contact)
                await PipelineEmails.StageBreachNoticeAsync(db, outbox, contact, owner.Name, owner.Email, entry, cancel);
            await db.SaveChangesAsync(cancel);
            await tx.CommitAsync(cancel);
            notified++;
        }
        if (notified > 0) outbox.Wake();
        return notified;
    }

    public static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);
}
