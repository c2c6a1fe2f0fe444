using System.Text.Json;
using System.Text.Json.Serialization;
using Lifecycle.Contacts;
using Lifecycle.Experiments;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Database = Lifecycle.Storage.Database;

namespace Lifecycle.Capture;

/// <summary>What a stored submission did: the contact, whether it is new, and a pending double opt-in.</summary>
public sealed record SubmissionResult(string ContactId, bool Created, ConsentConfirmation? Confirmation);

/// <summary>
/// Stores a checked submission in one transaction, through the tracking path: an identify (which creates the
/// contact in `inquiry` or finds it by e-mail, and joins the visitor's anonymous history, by IdentityStitching)
/// and a `Form Submitted` event with the form and campaign; then the mapped fields, the consent fact (or the
/// double opt-in request and its e-mail), the owner's notification e-mail, and `inquiry -> lead` when the
/// contact may be marketed to.
/// </summary>
public static class Submissions
{
    public const string FormSubmitted = "Form Submitted";
    public const string FormViewed = "Form Viewed";
    public const string LeadRule = "rule:selected_for_marketing";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static async Task<SubmissionResult> StoreAsync(
        Database database, ChannelMapping channels, CaptureEmails emails, Form form, Submission submission, string page, DateTime now,
        CancellationToken cancel)
    {
        await using var db = database.Open();
        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        var existed = await db.Contacts.AnyAsync(c => c.Email == submission.Email, cancel);

        var anonymousId = submission.AnonymousId ?? "anon_" + Guid.NewGuid().ToString("N");
        var context = Context(page, submission.Utm, referrer: null);
        var identify = Message(new()
        {
            ["type"] = "identify",
            ["anonymousId"] = anonymousId,
            ["timestamp"] = SegmentMessages.Format(now),
            ["traits"] = new Dictionary<string, object?>
            {
                ["email"] = submission.Email,
                ["firstName"] = submission.Values.GetValueOrDefault("first_name"),
                ["lastName"] = submission.Values.GetValueOrDefault("last_name"),
                ["title"] = submission.Values.GetValueOrDefault("title"),
            },
            // The form's campaign is the touch of a visitor with no earlier marketing data.
            ["properties"] = new Dictionary<string, object?> { ["campaign_id"] = form.CampaignId },
            ["context"] = context,
        }, now);
        var submitted = Message(new()
        {
            ["type"] = "track",
            ["event"] = FormSubmitted,
            ["anonymousId"] = anonymousId,
            ["timestamp"] = SegmentMessages.Format(now),
            ["properties"] = Properties(form, page, OfferTests.VariantFor(form, anonymousId)),
            ["context"] = context,
        }, now);

        var connection = db.Database.GetDbConnection();
        await EventStore.InsertNewAsync(connection, transaction.GetDbTransaction(),
            [Row(identify, now), Row(submitted, now)], cancel);
        await new IdentityStitching(db, channels).StitchAsync([identify, submitted], cancel);
        var contact = await db.Contacts.FirstAsync(c => c.Email == submission.Email, cancel);
        // A shared browser's anonymous id may belong to someone else: this submission is the submitter's.
        await db.Events.Where(e => e.MessageId == identify.MessageId || e.MessageId == submitted.MessageId)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.ContactId, contact.Id), cancel);

        ApplyFields(contact, submission.Values);
        await ApplyAccountAsync(db, contact, submission.Values, cancel);

        ConsentConfirmation? confirmation = null;
        if (form.Consent is { } consent && submission.ConsentGiven)
        {
            if (!form.DoubleOptIn)
                Consents.Record(db, contact, consent.Purpose, true, consent.Wording, now, "form", form.Id);
            else if (!await HasConsentAsync(db, contact.Id, consent.Purpose, cancel))
            {
                confirmation = Consents.RequestConfirmation(db, contact, consent, form.Id, now);
                await emails.StageConfirmationAsync(db, form, contact, confirmation, cancel);
            }
        }
        if (form.NotifyEmail is { } owner)
        {
            var notice = await emails.StageNotificationAsync(db, form, contact, submission, owner, cancel);
            db.Set<FormNotification>().Add(new FormNotification
            {
                FormId = form.Id, ContactId = contact.Id, Recipient = owner, CreatedAt = now, SentAt = notice is Email.EmailOutbox.Queued ? now : null,
            });
        }

        await SelectForMarketingAsync(db, contact, now, $"marketing consent on form {form.Slug}", form.CampaignId, cancel);
        await db.SaveChangesAsync(cancel);
        await transaction.CommitAsync(cancel);
        emails.Wake();
        return new SubmissionResult(contact.Id, !existed, confirmation);
    }

    /// <summary>
    /// `inquiry -> lead` (lifecycle.md §1): an inquiry with marketing consent whose address is not suppressed
    /// (unsubscribed, hard-bounced, complained) is selected for active marketing. The caller saves.
    /// </summary>
    public static async Task SelectForMarketingAsync(LifecycleDb db, Contact contact, DateTime at, string reason, string? campaignId, CancellationToken cancel)
    {
        if (contact.Status != ContactStatus.Inquiry || !contact.Consent || contact.Email is null) return;
        if (await db.Set<Email.Suppression>().AnyAsync(s => s.Email == contact.Email, cancel)) return;
        await StatusChanges.ChangeAsync(db, contact, ContactStatus.Lead, at, reason, LeadRule, campaignId, cancel);
    }

    /// <summary>Records a view of a form on a page (the hosted page or the page embedding it) as a `Form Viewed` event.</summary>
    public static Task RecordViewAsync(TrackingIngest ingest, Form form, OfferVariant? variant, string anonymousId, string page,
        IReadOnlyDictionary<string, string> utm, string? referrer, DateTime now, CancellationToken cancel)
    {
        var viewed = Message(new()
        {
            ["type"] = "track",
            ["event"] = FormViewed,
            ["anonymousId"] = anonymousId,
            ["timestamp"] = SegmentMessages.Format(now),
            ["properties"] = Properties(form, page, variant),
            ["context"] = Context(page, utm, referrer),
        }, now);
        return ingest.StoreAsync([viewed], cancel);
    }

    /// <summary>The variant is written only when the form runs an experiment (OfferTests counts by it).</summary>
    private static Dictionary<string, object?> Properties(Form form, string page, OfferVariant? variant) =>
        new() { ["form_id"] = form.Id, ["campaign_id"] = form.CampaignId, ["page"] = page, ["variant"] = variant?.Name };

    private static Dictionary<string, object?> Context(string page, IReadOnlyDictionary<string, string> utm, string? referrer) => new()
    {
        ["page"] = new Dictionary<string, object?> { ["url"] = page, ["referrer"] = referrer },
        ["campaign"] = utm.Count == 0 ? null : utm.ToDictionary(u => u.Key == "utm_campaign" ? "name" : u.Key["utm_".Length..], u => (object?)u.Value),
        ["library"] = new Dictionary<string, object?> { ["name"] = "lifecycle-forms", ["version"] = "1" },
    };

    private static SegmentMessage Message(Dictionary<string, object?> fields, DateTime now)
    {
        var element = JsonSerializer.SerializeToElement(fields, Json);
        var (message, errors) = SegmentMessages.Read(element, null, now, null, () => Guid.NewGuid().ToString());
        return message ?? throw new InvalidOperationException($"a form message is malformed: {string.Join(", ", errors)}");
    }

    private static EventRow Row(SegmentMessage m, DateTime receivedAt) =>
        new(m.MessageId, m.Type, m.Name, null, m.UserId, m.AnonymousId, m.GroupId, m.Timestamp, receivedAt, m.Flag, m.Payload);

    private static void ApplyFields(Contact contact, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (target, value) in values)
        {
            switch (target)
            {
                case "first_name": contact.FirstName = value; break;
                case "last_name": contact.LastName = value; break;
                case "title": contact.Title = value; break;
                case "country": contact.Country = value; break;
                default:
                    if (target.StartsWith(FormFields.CustomPrefix, StringComparison.Ordinal))
                        contact.Custom = new Dictionary<string, string>(contact.Custom) { [target[FormFields.CustomPrefix.Length..]] = value };
                    break;
            }
        }
    }

    /// <summary>Company fields find the contact's account (its own, else by domain, else by name) or create one.</summary>
    private static async Task ApplyAccountAsync(LifecycleDb db, Contact contact, IReadOnlyDictionary<string, string> values, CancellationToken cancel)
    {
        var name = values.GetValueOrDefault("account.name");
        var domain = values.GetValueOrDefault("account.domain") is { } d ? NormalizeDomain(d) : null;
        var industry = values.GetValueOrDefault("account.industry");
        if (name is null && domain is null) return;
        var account = contact.AccountId is { } own ? await db.Accounts.FindAsync([own], cancel) : null;
        account ??= domain is null ? null : await db.Accounts.FirstOrDefaultAsync(a => a.Domain == domain, cancel);
        account ??= name is null ? null : await db.Accounts.FirstOrDefaultAsync(a => a.Name == name, cancel);
        if (account is null)
        {
            account = new Account { Id = "acc_" + Guid.NewGuid().ToString("N")[..16], Name = name ?? domain!, Status = AccountStatus.Prospect };
            db.Accounts.Add(account);
        }
        account.Domain ??= domain;
        account.Industry ??= industry;
        contact.AccountId = account.Id;
    }

    private static string NormalizeDomain(string value)
    {
        var text = value.Trim().ToLowerInvariant();
        if (Uri.TryCreate(text.Contains("://") ? text : "https://" + text, UriKind.Absolute, out var uri)) text = uri.Host;
        return text.StartsWith("www.", StringComparison.Ordinal) ? text[4..] : text;
    }

    private static async Task<bool> HasConsentAsync(LifecycleDb db, string contactId, string purpose, CancellationToken cancel) =>
        await db.Set<Consent>().Where(c => c.ContactId == contactId && c.Purpose == purpose)
            .OrderByDescending(c => c.At).ThenByDescending(c => c.Id).Select(c => (bool?)c.Granted).FirstOrDefaultAsync(cancel) == true;
}
