using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Lifecycle.Email;

/// <summary>Renders a template for a contact and queues the message; <see cref="EmailDelivery"/> sends it.</summary>
public sealed class EmailOutbox(IOptions<EmailOptions> options, TimeProvider clock, EmailDelivery delivery)
{
    public abstract record Outcome;
    public sealed record Queued(EmailMessage Message) : Outcome;
    /// <param name="Suppressed">The address is suppressed (otherwise the request lacked something).</param>
    public sealed record Refused(string Field, string Reason, bool Suppressed = false) : Outcome;

    public static string NewId() => "msg_" + Guid.CreateVersion7().ToString("N");

    /// <summary>Queues one message; refused when the contact has no address or its address is suppressed.</summary>
    public async Task<Outcome> QueueAsync(LifecycleDb db, EmailTemplate template, Recipient to, CancellationToken cancel)
    {
        var email = to.Contact.Email;
        if (string.IsNullOrWhiteSpace(email)) return new Refused("contact_id", $"contact '{to.Contact.Id}' has no e-mail address");
        if (await db.Set<Suppression>().AsNoTracking().FirstOrDefaultAsync(s => s.Email == email, cancel) is { } suppression)
            return new Refused("contact_id", $"'{email}' is suppressed ({SnakeCase.Of(suppression.Reason.ToString())} at {suppression.At:O})", true);
        var message = Compose(options.Value, template, to, NewId(), clock.GetUtcNow().UtcDateTime);
        db.Set<EmailMessage>().Add(message);
        await db.SaveChangesAsync(cancel);
        delivery.Wake();
        return new Queued(message);
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
