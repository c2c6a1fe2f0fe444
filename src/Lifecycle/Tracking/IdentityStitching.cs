using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lifecycle.Contacts;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tracking;

/// <summary>
/// Turns identify and alias calls into contacts, inside the tracking commit:
/// - an identify names a contact by userId (a contact id or an e-mail) or traits.email; an unknown person
///   becomes a new contact in `inquiry`, with lead source and campaign taken from its first touch;
/// - the anonymousId it carries is linked to the contact, and that visitor's earlier anonymous events join it;
/// - when the userId names one contact and the e-mail another, the two merge into the one holding the e-mail:
///   every event, transition, deal and NPS answer moves over, the survivor keeps its status, and the old id
///   keeps resolving to the survivor;
/// - alias links previousId (an anonymous id or an older contact id) to userId the same way.
/// </summary>
public sealed class IdentityStitching(LifecycleDb db, ChannelMapping channels)
{
    public const string CaptureRule = "rule:tracking_identify";

    public async Task StitchAsync(IEnumerable<SegmentMessage> messages, CancellationToken cancel)
    {
        foreach (var message in messages.Where(m => m.Type is "identify" or "alias").OrderBy(m => m.Timestamp))
        {
            if (message.Type == "identify") await IdentifyAsync(message, cancel);
            else await AliasAsync(message, cancel);
            await db.SaveChangesAsync(cancel);
        }
    }

    private async Task IdentifyAsync(SegmentMessage message, CancellationToken cancel)
    {
        var traits = Traits.From(message.Payload);
        var email = NormalizeEmail(traits.Email) ?? (LooksLikeEmail(message.UserId) ? NormalizeEmail(message.UserId) : null);
        var byUser = message.UserId is null ? null : await FindAsync(message.UserId, cancel);
        var byEmail = email is null ? null : await db.Contacts.FirstOrDefaultAsync(c => c.Email == email, cancel);

        Contact contact;
        if (byUser is not null && byEmail is not null && byUser.Id != byEmail.Id)
        {
            await MergeAsync(byUser, byEmail, message.Timestamp, cancel);
            contact = byEmail;
        }
        else if ((byUser ?? byEmail) is { } existing)
        {
            contact = existing;
            if (contact.Email is null && email is not null) contact.Email = email;
        }
        else if (message.UserId is null && email is null)
        {
            return; // an anonymous identify carries traits only; nothing to attach them to yet
        }
        else
        {
            contact = await CreateAsync(message, traits, email, cancel);
        }
        contact.FirstName ??= traits.FirstName;
        contact.LastName ??= traits.LastName;
        contact.Title ??= traits.Title;
        if (message.AnonymousId is not null) await LinkAsync(IdentityKind.Anonymous, message.AnonymousId, contact.Id, message.Timestamp, cancel);
        if (message.UserId is { } userId)
        {
            // Events stored under this userId before the contact existed (this identify among them).
            await db.SaveChangesAsync(cancel);
            var visitors = await db.Events.Where(e => e.UserId == userId && e.ContactId == null && e.Name == "Page Viewed")
                .Select(e => e.AnonymousId ?? e.UserId).Distinct().ToListAsync(cancel);
            await db.Events.Where(e => e.UserId == userId && e.ContactId == null)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.ContactId, contact.Id), cancel);
            if (visitors.Count > 0) await Reports.TrafficProjection.NoticeAsync(db, visitors.Append(contact.Id), cancel);
        }
    }

    private async Task AliasAsync(SegmentMessage message, CancellationToken cancel)
    {
        var target = await FindAsync(message.UserId!, cancel);
        if (target is null) return; // nobody to alias to yet; the identify that creates the contact will link
        var previous = await FindAsync(message.PreviousId!, cancel);
        if (previous is not null && previous.Id != target.Id) await MergeAsync(previous, target, message.Timestamp, cancel);
        else if (previous is null) await LinkAsync(IdentityKind.Anonymous, message.PreviousId!, target.Id, message.Timestamp, cancel);
    }

    /// <summary>A contact by its id, by an id merged into it, or by e-mail.</summary>
    private async Task<Contact?> FindAsync(string userId, CancellationToken cancel)
    {
        var contact = await db.Contacts.FindAsync([userId], cancel);
        if (contact is not null) return contact;
        var merged = await db.Identities.FirstOrDefaultAsync(i => i.Kind == IdentityKind.User && i.Value == userId, cancel);
        if (merged is not null) return await db.Contacts.FindAsync([merged.ContactId], cancel);
        var email = LooksLikeEmail(userId) ? NormalizeEmail(userId) : null;
        return email is null ? null : await db.Contacts.FirstOrDefaultAsync(c => c.Email == email, cancel);
    }

    private async Task<Contact> CreateAsync(SegmentMessage message, Traits traits, string? email, CancellationToken cancel)
    {
        var id = message.UserId is { } u && !LooksLikeEmail(u) ? u : "c_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email!)))[..16];
        var firstTouch = await FirstTouchAsync(message, cancel);
        var contact = new Contact
        {
            Id = id,
            Email = email,
            FirstName = traits.FirstName,
            LastName = traits.LastName,
            Title = traits.Title,
            CreatedAt = message.Timestamp,
            LeadSource = firstTouch?.Channel(channels) ?? ChannelMapping.Direct,
            CampaignId = firstTouch is null ? null : await CampaignOfAsync(firstTouch, cancel),
            Status = ContactStatus.Inquiry,
        };
        db.Contacts.Add(contact);
        db.Transitions.Add(new Transition
        {
            ContactId = id,
            FromStatus = null,
            ToStatus = ContactStatus.Inquiry,
            At = message.Timestamp,
            Reason = "identified on the website",
            Actor = CaptureRule,
            CampaignId = contact.CampaignId,
        });
        return contact;
    }

    /// <summary>The earliest event of this visitor that carries marketing data (UTM, referrer or campaign).</summary>
    private async Task<Touch?> FirstTouchAsync(SegmentMessage message, CancellationToken cancel)
    {
        var candidates = new List<(DateTime At, string Payload)> { (message.Timestamp, message.Payload) };
        if (message.AnonymousId is { } anonymousId)
            candidates.AddRange((await db.Events.Where(e => e.AnonymousId == anonymousId && e.ContactId == null)
                .OrderBy(e => e.Timestamp).Take(50).Select(e => new { e.Timestamp, e.Payload }).ToListAsync(cancel))
                .Select(e => (e.Timestamp, e.Payload)));
        return candidates.OrderBy(c => c.At).Select(c => Touch.FromPayload(c.Payload)).FirstOrDefault(t => t.HasMarketingData);
    }

    private async Task<string?> CampaignOfAsync(Touch touch, CancellationToken cancel)
    {
        foreach (var candidate in new[] { touch.CampaignId, touch.Campaign }.OfType<string>())
        {
            var campaign = await db.Campaigns.Where(c => c.Id == candidate || c.Name == candidate).Select(c => c.Id).FirstOrDefaultAsync(cancel);
            if (campaign is not null) return campaign;
        }
        return null;
    }

    /// <summary>Links an identifier to a contact and moves that identifier's unattached events onto it.</summary>
    private async Task LinkAsync(IdentityKind kind, string value, string contactId, DateTime at, CancellationToken cancel)
    {
        var existing = await db.Identities.FindAsync([kind, value], cancel);
        if (existing is null)
            db.Identities.Add(new Identity { Kind = kind, Value = value, ContactId = contactId, LinkedAt = at });
        await db.SaveChangesAsync(cancel);
        var owner = existing?.ContactId ?? contactId;
        if (kind == IdentityKind.Anonymous)
        {
            var pageViews = await db.Events.Where(e => e.AnonymousId == value && e.ContactId == null && e.Name == "Page Viewed").AnyAsync(cancel);
            await db.Events.Where(e => e.AnonymousId == value && e.ContactId == null)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.ContactId, owner), cancel);
            if (pageViews) await Reports.TrafficProjection.NoticeAsync(db, [value, owner], cancel);
        }
    }

    /// <summary>Moves all of <paramref name="from"/>'s history onto <paramref name="into"/>; from's id keeps resolving.</summary>
    private async Task MergeAsync(Contact from, Contact into, DateTime at, CancellationToken cancel)
    {
        await db.SaveChangesAsync(cancel);
        var fromId = from.Id;
        if (await db.Events.Where(e => e.ContactId == fromId).ExecuteUpdateAsync(u => u.SetProperty(e => e.ContactId, into.Id), cancel) > 0)
        {
            await Reports.TrafficProjection.NoticeAsync(db, [fromId, into.Id], cancel);
            await Reports.EmailProjection.NoticeAsync(db, [fromId, into.Id], cancel);
        }
        // A transition both already share (same instant and status) is kept once.
        var duplicates = await db.Transitions.Where(t => t.ContactId == fromId &&
            db.Transitions.Any(o => o.ContactId == into.Id && o.At == t.At && o.ToStatus == t.ToStatus)).Select(t => t.Id).ToListAsync(cancel);
        await db.Transitions.Where(t => duplicates.Contains(t.Id)).ExecuteDeleteAsync(cancel);
        await db.Transitions.Where(t => t.ContactId == fromId).ExecuteUpdateAsync(u => u.SetProperty(t => t.ContactId, into.Id), cancel);
        await db.Deals.Where(d => d.ContactId == fromId).ExecuteUpdateAsync(u => u.SetProperty(d => d.ContactId, into.Id), cancel);
        await db.NpsResponses.Where(n => n.ContactId == fromId).ExecuteUpdateAsync(u => u.SetProperty(n => n.ContactId, into.Id), cancel);
        await db.Identities.Where(i => i.ContactId == fromId).ExecuteUpdateAsync(u => u.SetProperty(i => i.ContactId, into.Id), cancel);
        await Capture.Consents.MoveAsync(db, fromId, into.Id, cancel);

        into.FirstName ??= from.FirstName;
        into.LastName ??= from.LastName;
        into.Title ??= from.Title;
        into.AccountId ??= from.AccountId;
        into.Country ??= from.Country;
        into.Consent |= from.Consent;
        foreach (var (key, value) in from.Custom) into.Custom.TryAdd(key, value);
        // The survivor (the record holding the e-mail, usually the CRM's) keeps its status; the other's
        // transitions stay as history.
        into.Status ??= from.Status;
        db.Contacts.Remove(from);
        db.Identities.Add(new Identity { Kind = IdentityKind.User, Value = fromId, ContactId = into.Id, LinkedAt = at });
        await db.SaveChangesAsync(cancel);
    }

    internal static bool LooksLikeEmail(string? value) => value is not null && value.Contains('@') && value.IndexOf('@') > 0 && value.Contains('.');

    private static string? NormalizeEmail(string? value) =>
        string.IsNullOrWhiteSpace(value) || !LooksLikeEmail(value.Trim()) ? null : value.Trim().ToLowerInvariant();

    private sealed record Traits(string? Email, string? FirstName, string? LastName, string? Title)
    {
        public static Traits From(string payload)
        {
            using var document = JsonDocument.Parse(payload);
            if (!document.RootElement.TryGetProperty("traits", out var traits) || traits.ValueKind != JsonValueKind.Object)
                return new(null, null, null, null);
            string? Text(params string[] names) => names
                .Select(n => traits.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
                .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
            var first = Text("firstName", "first_name");
            var last = Text("lastName", "last_name");
            if (first is null && last is null && Text("name") is { } name)
            {
                var parts = name.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                (first, last) = parts.Length == 2 ? (parts[0], parts[1]) : (name, null);
            }
            return new(Text("email"), first, last, Text("title"));
        }
    }
}
