using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Contacts;

/// <summary>The result of asking for a status change: the recorded transition, or why none was recorded.</summary>
public sealed record StatusChangeResult(Transition? Transition, StatusDecision Decision, bool OutOfOrder)
{
    public bool Applied => Transition is not null;
}

/// <summary>
/// The one way a live status change happens (API, sales actions, scoring rules, deals): it passes
/// <see cref="StatusRules"/>, becomes a transition row and moves the contact. The caller saves the unit of work,
/// so a change and whatever caused it commit together. Imported history does not come through here.
/// </summary>
public static class StatusChanges
{
    public static async Task<StatusChangeResult> ChangeAsync(
        LifecycleDb db, Contact contact, ContactStatus to, DateTime at, string? reason, string actor,
        string? campaignId = null, CancellationToken cancel = default)
    {
        var latest = await db.Transitions.Where(t => t.ContactId == contact.Id)
            .OrderByDescending(t => t.At).Select(t => (DateTime?)t.At).FirstOrDefaultAsync(cancel);
        if (latest is { } last && at < last)
            return new(null, StatusDecision.Refuse($"'at' ({at:O}) is before the contact's latest transition ({last:O}); history is never rewritten"), true);

        var decision = StatusRules.Decide(contact.Status, to, reason);
        if (!decision.Allowed) return new(null, decision, false);

        var transition = new Transition
        {
            ContactId = contact.Id, FromStatus = contact.Status, ToStatus = to, At = at, Reason = reason?.Trim(), Actor = actor,
            CampaignId = campaignId ?? contact.CampaignId,
        };
        db.Transitions.Add(transition);
        contact.Status = to;
        await Pipeline.SalesQueue.AfterTransitionAsync(db, contact, transition, cancel);
        return new(transition, decision, false);
    }
}
