using System.Text.Json;
using System.Text.Json.Nodes;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Capture;

/// <summary>Everything held about one contact, for a privacy access request.</summary>
public sealed record PrivacyExport(
    Contact Contact, Account? Account, IReadOnlyList<Identity> Identities, IReadOnlyList<Transition> Transitions,
    IReadOnlyList<ExportedEvent> Events, IReadOnlyList<Deal> Deals, IReadOnlyList<NpsResponse> Nps,
    IReadOnlyList<Consent> Consents, IReadOnlyList<ExportedConfirmation> ConsentConfirmations,
    IReadOnlyList<FormNotification> FormNotifications, IReadOnlyList<PrivacyRequest> PrivacyRequests);

public sealed record ExportedEvent(string MessageId, string Type, string? Name, DateTime Timestamp, JsonElement Payload);

/// <summary>A pending or done double opt-in, without its token hash (a secret, not data about the person).</summary>
public sealed record ExportedConfirmation(string Id, string Purpose, string Wording, string? FormId, DateTime RequestedAt, DateTime? ConfirmedAt);

/// <summary>
/// Privacy requests: export everything held about a contact, or erase it. Erasure removes the personal data for
/// good and keeps the anonymous facts (transitions, deals, events' names and instants, consent history without
/// the person), so past reports keep their numbers. Every request is logged in privacy_requests.
/// </summary>
public static class Privacy
{
    /// <summary>Event payload fields that can name or single out a person; erasure removes them.</summary>
    private static readonly string[] PersonalPayloadFields = ["userId", "anonymousId", "previousId", "traits"];
    private static readonly string[] PersonalPropertyHints = ["email", "name", "phone", "title", "company", "address", "ip"];

    public static async Task<PrivacyExport?> ExportAsync(LifecycleDb db, string contactId, string actor, DateTime now, CancellationToken cancel)
    {
        var contact = await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == contactId, cancel);
        if (contact is null) return null;
        db.Set<PrivacyRequest>().Add(new PrivacyRequest { ContactId = contactId, Kind = PrivacyRequestKind.Export, Actor = actor, At = now });
        await db.SaveChangesAsync(cancel);

        var events = await db.Events.AsNoTracking().Where(e => e.ContactId == contactId).OrderBy(e => e.Timestamp).ToListAsync(cancel);
        return new PrivacyExport(
            contact,
            contact.AccountId is null ? null : await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == contact.AccountId, cancel),
            await db.Identities.AsNoTracking().Where(i => i.ContactId == contactId).ToListAsync(cancel),
            await db.Transitions.AsNoTracking().Where(t => t.ContactId == contactId).OrderBy(t => t.At).ThenBy(t => t.Id).ToListAsync(cancel),
            events.Select(e => new ExportedEvent(e.MessageId, e.Type, e.Name, e.Timestamp, JsonDocument.Parse(e.Payload).RootElement.Clone())).ToList(),
            await db.Deals.AsNoTracking().Where(d => d.ContactId == contactId).OrderBy(d => d.CreatedAt).ToListAsync(cancel),
            await db.NpsResponses.AsNoTracking().Where(n => n.ContactId == contactId).OrderBy(n => n.RespondedAt).ToListAsync(cancel),
            await db.Set<Consent>().AsNoTracking().Where(c => c.ContactId == contactId).OrderBy(c => c.At).ThenBy(c => c.Id).ToListAsync(cancel),
            (await db.Set<ConsentConfirmation>().AsNoTracking().Where(c => c.ContactId == contactId).OrderBy(c => c.RequestedAt).ToListAsync(cancel))
                .Select(c => new ExportedConfirmation(c.Id, c.Purpose, c.Wording, c.FormId, c.RequestedAt, c.ConfirmedAt)).ToList(),
            await db.Set<FormNotification>().AsNoTracking().Where(n => n.ContactId == contactId).OrderBy(n => n.Id).ToListAsync(cancel),
            await db.Set<PrivacyRequest>().AsNoTracking().Where(p => p.ContactId == contactId).OrderBy(p => p.Id).ToListAsync(cancel));
    }

    /// <returns>False when there is no such contact.</returns>
    public static async Task<bool> EraseAsync(LifecycleDb db, string contactId, string actor, DateTime now, CancellationToken cancel)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == contactId, cancel);
        if (contact is null) return false;

        // Consent history stays as facts (what was agreed, when); the latest word on each purpose becomes a
        // withdrawal, so nothing is ever sent to this record again.
        var history = await db.Set<Consent>().Where(c => c.ContactId == contactId).ToListAsync(cancel);
        foreach (var (purpose, latest) in Consents.Current(history))
            if (latest.Granted) Consents.Record(db, contact, purpose, false, null, now, "erase");
        contact.Consent = false;

        contact.Email = null;
        contact.FirstName = null;
        contact.LastName = null;
        contact.Title = null;
        contact.Country = null;
        contact.Birthday = null;
        contact.Custom = [];

        await db.Identities.Where(i => i.ContactId == contactId).ExecuteDeleteAsync(cancel);
        await db.Set<ConsentConfirmation>().Where(c => c.ContactId == contactId).ExecuteDeleteAsync(cancel);
        await db.Set<FormNotification>().Where(n => n.ContactId == contactId && n.SentAt == null).ExecuteDeleteAsync(cancel);
        await db.NpsResponses.Where(n => n.ContactId == contactId).ExecuteUpdateAsync(u => u.SetProperty(n => n.Comment, (string?)null), cancel);

        var events = await db.Events.Where(e => e.ContactId == contactId).ToListAsync(cancel);
        if (events.Count > 0) await Reports.TrafficProjection.NoticeAsync(db, [contactId], cancel); // visits keep no stripped referrer
        foreach (var e in events)
        {
            e.UserId = null;
            e.AnonymousId = null;
            e.Payload = StripPersonal(e.Payload);
        }

        db.Set<PrivacyRequest>().Add(new PrivacyRequest { ContactId = contactId, Kind = PrivacyRequestKind.Erase, Actor = actor, At = now });
        await db.SaveChangesAsync(cancel);
        await transaction.CommitAsync(cancel);
        return true;
    }

    /// <summary>
    /// An event payload without what can identify a person: ids, traits, the client's address and agent, page
    /// queries, and properties whose name suggests personal data. What happened, when, and its campaign stay.
    /// </summary>
    public static string StripPersonal(string payload)
    {
        if (JsonNode.Parse(payload) is not JsonObject root) return "{}";
        foreach (var field in PersonalPayloadFields) root.Remove(field);
        if (root["properties"] is JsonObject properties)
        {
            foreach (var name in properties.Select(p => p.Key).ToList())
                if (PersonalPropertyHints.Any(h => name.Contains(h, StringComparison.OrdinalIgnoreCase))) properties.Remove(name);
            StripUrl(properties, "url");
            StripUrl(properties, "referrer");
            properties.Remove("search");
        }
        if (root["context"] is JsonObject context)
        {
            foreach (var name in context.Select(p => p.Key).Where(k => k is not ("campaign" or "page" or "library")).ToList())
                context.Remove(name);
            if (context["page"] is JsonObject page)
            {
                StripUrl(page, "url");
                StripUrl(page, "referrer");
                page.Remove("search");
                page.Remove("title");
            }
        }
        return root.ToJsonString();
    }

    private static void StripUrl(JsonObject parent, string name)
    {
        if (parent[name] is JsonValue value && value.TryGetValue<string>(out var text))
            parent[name] = Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : null;
    }
}
