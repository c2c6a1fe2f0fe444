using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Lifecycle.Email;

/// <summary>
/// Renders a template and queues the message; <see cref="EmailDelivery"/> sends it. Messages go to a contact, or,
/// as notices, to a plain address (a form's owner, a sales owner) about a contact. The Stage methods only add
/// to the caller's unit of work, so a system e-mail commits with the change that caused it; the caller saves
/// and then calls <see cref="Wake"/>.
/// </summary>
public sealed class EmailOutbox(IOptions<EmailOptions> options, TimeProvider clock, EmailDelivery delivery)
{
    public abstract record Outcome;
    public sealed record Queued(EmailMessage Message) : Outcome;
    /// <param name="Suppressed">The address is suppressed (otherwise the request lacked something).</param>
    /// <param name="NotConfigured">The server, not the recipient, is the reason: e-mail settings are missing.</param>
    public sealed record Refused(string Field, string Reason, bool Suppressed = false, bool NotConfigured = false) : Outcome;

    public static string NewId() => "msg_" + Guid.CreateVersion7().ToString("N");

    /// <summary>Where recipients reach this server, when e-mail is configured; the base of the links system e-mails carry.</summary>
    public string? PublicBaseUrl => options.Value.MissingForComposing().Any() ? null : options.Value.PublicBaseUrl!.TrimEnd('/');

    /// <summary>Queues one message; refused when the contact has no address or its address is suppressed.</summary>
    public async Task<Outcome> QueueAsync(LifecycleDb db, EmailTemplate template, Recipient to, CancellationToken cancel)
    {
        var outcome = await StageAsync(db, template, to, cancel);
        if (outcome is not Queued) return outcome;
        await db.SaveChangesAsync(cancel);
        Wake();
        return outcome;
    }

    /// <summary>Adds one message to a contact to the unit of work; refused when the contact has no address, the
    /// address is suppressed, or e-mail is not configured. Consent is the caller's business: a transactional
    /// message (a double opt-in request, a survey) goes to a contact without marketing consent.</summary>
    public async Task<Outcome> StageAsync(LifecycleDb db, EmailTemplate template, Recipient to, CancellationToken cancel)
    {
        var email = to.Contact.Email;
        if (string.IsNullOrWhiteSpace(email)) return new Refused("contact_id", $"contact '{to.Contact.Id}' has no e-mail address");
        if (await RefusalAsync(db, email, "contact_id", cancel) is { } refused) return refused;
        var message = Compose(options.Value, template, to, NewId(), clock.GetUtcNow().UtcDateTime);
        db.Set<EmailMessage>().Add(message);
        return new Queued(message);
    }

    /// <summary>
    /// Adds a notice to a plain address to the unit of work: rendered for the contact it is about, in the
    /// template's default language, sent as it is (no tracked links, no open pixel, no unsubscribe footer) and
    /// recording no events, since its reader is no contact.
    /// </summary>
    public Task<Outcome> StageNoticeAsync(LifecycleDb db, EmailTemplate template, Recipient about, string address, CancellationToken cancel)
    {
        var parts = TemplateRenderer.Render(template, about, "", template.DefaultLanguage);
        return StageMailAsync(db, template.Id, address, parts.Language, parts.Subject, parts.Html, parts.Text, cancel);
    }

    /// <summary>
    /// Adds an untracked message to a plain address to the unit of work, as notices are sent: the team's report
    /// mail (target warnings, the monthly report) takes this way, so it is queued, retried and logged with the rest.
    /// </summary>
    /// <param name="source">The template it was rendered from, or for report mail what it is (monthly-report.2026-01).</param>
    /// <param name="images">The images the HTML shows by cid: (the monthly report's charts).</param>
    public async Task<Outcome> StageMailAsync(LifecycleDb db, string source, string address, string language, string subject, string html, string text,
        CancellationToken cancel, List<InlineImage>? images = null)
    {
        if (await RefusalAsync(db, address, "to", cancel) is { } refused) return refused;
        var now = clock.GetUtcNow().UtcDateTime;
        var message = new EmailMessage
        {
            Id = NewId(), ContactId = null, TemplateId = source, ToAddress = address.Trim().ToLowerInvariant(), Language = language,
            Subject = subject, Html = html, Text = text, InlineImages = images, Status = MessageStatus.Queued, NextAttemptAt = now, CreatedAt = now,
        };
        db.Set<EmailMessage>().Add(message);
        return new Queued(message);
    }

    /// <summary>Tells the delivery worker that messages were committed.</summary>
    public void Wake() => delivery.Wake();

    private async Task<Refused?> RefusalAsync(LifecycleDb db, string address, string field, CancellationToken cancel)
    {
        if (options.Value.MissingForComposing().ToList() is { Count: > 0 } missing)
            return new Refused(field, $"e-mail is not configured: set {string.Join(", ", missing)}", NotConfigured: true);
        var email = address.Trim().ToLowerInvariant();
        return await db.Set<Suppression>().AsNoTracking().FirstOrDefaultAsync(s => s.Email == email, cancel) is { } suppression
            ? new Refused(field, $"'{email}' is suppressed ({SnakeCase.Of(suppression.Reason.ToString())} at {suppression.At:O})", true)
            : null;
    }

    /// <summary>The outbox row of one message: rendered, links signed, footer added; due now.</summary>
    public static EmailMessage Compose(EmailOptions settings, EmailTemplate template, Recipient to, string id, DateTime now)
    {
        var links = new MessageLinks(settings.PublicBaseUrl!, settings.SigningKey!);
        var parts = TemplateRenderer.Render(template, to, links.Unsubscribe(id));
        var composed = MessageComposer.Compose(id, parts, links, settings.PostalAddress!);
        return new EmailMessage
        {
            Id = id, ContactId = to.Contact.Id, TemplateId = template.Id, ProgramId = to.ProgramId, StepId = to.StepId, CampaignId = to.CampaignId,
            ToAddress = to.Contact.Email!, Language = parts.Language, Subject = parts.Subject, Html = composed.Html,
            Text = composed.Text, Links = composed.Links, Status = MessageStatus.Queued, NextAttemptAt = now, CreatedAt = now,
        };
    }
}
