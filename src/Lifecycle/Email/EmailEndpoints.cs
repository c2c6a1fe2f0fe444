using System.Net;
using System.Text.Json;
using Lifecycle.Contacts;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Lifecycle.Email;

public sealed record VariantInput(string? Language, string? Subject, string? Html, string? Text);
public sealed record TemplateInput(string? Id, string? Name, string? DefaultLanguage, List<VariantInput>? Variants);
public sealed record PreviewInput(string? ContactId, string? Language, string? ProgramId, string? StepId);
public sealed record SendInput(string? TemplateId, string? ContactId, string? ProgramId, string? StepId, string? CampaignId);

/// <summary>
/// Templates and sends under /api (key authentication); and the public links every message carries (open pixel,
/// click redirect, unsubscribe with one-click POST) and the ESP webhook, outside it.
/// </summary>
public static class EmailEndpoints
{
    public static void AddEmail(IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<EmailOptions>(configuration.GetSection(EmailOptions.Section));
        services.PostConfigure<EmailOptions>(o => o.SigningKey = EmailOptions.ConfiguredSigningKey(configuration));
        services.AddSingleton<EmailDelivery>();
        services.AddHostedService(sp => sp.GetRequiredService<EmailDelivery>());
        services.AddSingleton<EmailOutbox>();
    }

    public static void MapEmailEndpoints(this RouteGroupBuilder api)
    {
        var templates = api.MapGroup("/email-templates").WithTags("Email");
        templates.MapGet("/", ListTemplates).WithSummary("List e-mail templates");
        templates.MapGet("/{id}", GetTemplate).WithSummary("One e-mail template with its language variants");
        templates.MapPost("/", CreateTemplate).WithSummary("Create a template; every part is checked (Liquid syntax, known fields or a fallback), errors give the line");
        templates.MapPut("/{id}", UpdateTemplate).WithSummary("Replace a template's name, default language and variants (checked as on create)");
        templates.MapPost("/{id}/preview", Preview).WithSummary("Render a template for a contact (its language variant, or the one asked for), without tracking");
        var emails = api.MapGroup("/emails").WithTags("Email");
        emails.MapPost("/send", Send).WithSummary("Queue a template for a contact (transactional); refused for a suppressed address");
        emails.MapGet("/{id}", GetMessage).WithSummary("One queued or sent message: status, attempts, the SMTP server's answer");
    }

    /// <summary>Public routes: recipients and ESPs have no API key; signatures and the webhook key stand in for one.</summary>
    public static void MapEmailLinks(IEndpointRouteBuilder app)
    {
        var links = app.MapGroup("/email").ExcludeFromDescription();
        links.MapGet("/o/{id}.gif", Open);
        links.MapGet("/c/{id}/{index:int}", Click);
        links.MapGet("/u/{id}", UnsubscribePage);
        links.MapPost("/u/{id}", Unsubscribe).DisableAntiforgery();
        app.MapPost("/webhooks/email/{provider}", Webhook).DisableAntiforgery().WithTags("Email")
            .WithSummary("Bounces, complaints and unsubscribes from SendGrid, Mailgun or Amazon SES (?key= the configured webhook key)");
    }

    private static async Task<IResult> ListTemplates(LifecycleDb db, [AsParameters] Paging paging)
    {
        var query = db.Set<EmailTemplate>().AsNoTracking();
        var items = await query.OrderBy(t => t.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync();
        return TypedResults.Ok(new Page<EmailTemplate>(items, paging.Take, paging.Skip, await query.CountAsync()));
    }

    private static async Task<IResult> GetTemplate(LifecycleDb db, string id) =>
        await db.Set<EmailTemplate>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == id) is { } template
            ? TypedResults.Ok(template)
            : Validation.NotFound("e-mail template", id);

    private static async Task<IResult> CreateTemplate(LifecycleDb db, TimeProvider clock, TemplateInput input)
    {
        var template = new EmailTemplate
        {
            Id = input.Id?.Trim() is { Length: > 0 } id ? id : "tpl_" + Guid.NewGuid().ToString("N")[..16],
            Name = "", DefaultLanguage = "",
        };
        var check = Apply(template, input);
        if (!check.Ok) return check.Problem();
        if (await db.Set<EmailTemplate>().AnyAsync(t => t.Id == template.Id)) return Validation.Conflict($"an e-mail template '{template.Id}' already exists");
        template.CreatedAt = template.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        db.Add(template);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/email-templates/{template.Id}", template);
    }

    private static async Task<IResult> UpdateTemplate(LifecycleDb db, TimeProvider clock, string id, TemplateInput input)
    {
        var template = await db.Set<EmailTemplate>().FirstOrDefaultAsync(t => t.Id == id);
        if (template is null) return Validation.NotFound("e-mail template", id);
        var check = Apply(template, input);
        if (!check.Ok) return check.Problem();
        template.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync();
        return TypedResults.Ok(template);
    }

    /// <summary>Checks the input and, field by field, every Liquid part: a part that cannot render is refused here.</summary>
    private static Validation Apply(EmailTemplate template, TemplateInput input)
    {
        var check = new Validation();
        template.Name = check.Required("name", input.Name) ?? "";
        var defaultLanguage = check.Required("default_language", input.DefaultLanguage);
        var variants = new List<TemplateVariant>();
        if (input.Variants is not { Count: > 0 }) check.Add("variants", "at least one language variant is required");
        for (var i = 0; i < (input.Variants?.Count ?? 0); i++)
        {
            var variant = input.Variants![i];
            var field = $"variants[{i}]";
            var language = check.Required($"{field}.language", variant.Language);
            if (language is not null && variants.Any(v => TemplateRenderer.Normalize(v.Language) == TemplateRenderer.Normalize(language)))
                check.Add($"{field}.language", $"'{language}' has another variant already");
            string Part(string name, string? source)
            {
                if (string.IsNullOrWhiteSpace(source)) { check.Add($"{field}.{name}", "required"); return ""; }
                foreach (var error in TemplateCheck.Parse(source).Errors) check.Add($"{field}.{name}", error.ToString());
                return source;
            }
            variants.Add(new TemplateVariant(language ?? "", Part("subject", variant.Subject), Part("html", variant.Html), Part("text", variant.Text)));
        }
        if (defaultLanguage is not null && variants.Count > 0 && !variants.Any(v => TemplateRenderer.Normalize(v.Language) == TemplateRenderer.Normalize(defaultLanguage)))
            check.Add("default_language", $"no variant has the language '{defaultLanguage}'");
        template.DefaultLanguage = defaultLanguage ?? "";
        template.Variants = variants;
        return check;
    }

    private static async Task<Recipient?> RecipientAsync(LifecycleDb db, string contactId, string? programId, string? stepId, string? campaignId = null)
    {
        var contact = await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == contactId);
        if (contact is null) return null;
        var account = contact.AccountId is null ? null : await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == contact.AccountId);
        return new Recipient(contact, account, programId, stepId, campaignId);
    }

    private static async Task<IResult> Preview(LifecycleDb db, string id, PreviewInput input)
    {
        var template = await db.Set<EmailTemplate>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == id);
        if (template is null) return Validation.NotFound("e-mail template", id);
        var check = new Validation();
        var contactId = check.Required("contact_id", input.ContactId);
        if (!check.Ok) return check.Problem();
        if (await RecipientAsync(db, contactId!, input.ProgramId, input.StepId) is not { } to) return Validation.NotFound("contact", contactId!);
        return TypedResults.Ok(TemplateRenderer.Render(template, to, "#unsubscribe", input.Language));
    }

    private static async Task<IResult> Send(LifecycleDb db, EmailOutbox outbox, IOptions<EmailOptions> options, SendInput input, CancellationToken cancel)
    {
        if (options.Value.MissingForComposing().ToList() is { Count: > 0 } missing)
            return TypedResults.Problem($"e-mail is not configured: set {string.Join(", ", missing)}",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "E-mail is not configured");
        var check = new Validation();
        var templateId = check.Required("template_id", input.TemplateId);
        var contactId = check.Required("contact_id", input.ContactId);
        var template = templateId is null ? null : await db.Set<EmailTemplate>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == templateId, cancel);
        if (templateId is not null && template is null) check.Add("template_id", $"no e-mail template '{templateId}'");
        var to = contactId is null ? null : await RecipientAsync(db, contactId, input.ProgramId, input.StepId, input.CampaignId);
        if (contactId is not null && to is null) check.Add("contact_id", $"no contact '{contactId}'");
        if (input.CampaignId is not null && !await db.Campaigns.AnyAsync(c => c.Id == input.CampaignId, cancel)) check.Add("campaign_id", $"no campaign '{input.CampaignId}'");
        if (!check.Ok) return check.Problem();
        switch (await outbox.QueueAsync(db, template!, to!, cancel))
        {
            case EmailOutbox.Queued(var message):
                return TypedResults.Accepted($"/api/emails/{message.Id}", Summary(message));
            case EmailOutbox.Refused { Suppressed: true } refused:
                return Validation.Conflict(refused.Reason);
            case EmailOutbox.Refused refused:
                check.Add(refused.Field, refused.Reason);
                return check.Problem();
            default:
                throw new InvalidOperationException("unknown outcome");
        }
    }

    private static object Summary(EmailMessage m) => new
    {
        m.Id, m.ContactId, m.TemplateId, m.ProgramId, m.StepId, m.CampaignId, m.ToAddress, m.Language, m.Subject, m.Status, m.Attempts,
        m.NextAttemptAt, m.SmtpAnswer, m.CreatedAt, m.SentAt,
    };

    private static async Task<IResult> GetMessage(LifecycleDb db, string id) =>
        await db.Set<EmailMessage>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id) is { } message
            ? TypedResults.Ok(Summary(message))
            : Validation.NotFound("e-mail message", id);

    // ---- public links ----

    private static readonly byte[] Pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    private static MessageLinks? Links(IOptions<EmailOptions> options) =>
        options.Value is { PublicBaseUrl: { } url, SigningKey: { Length: > 0 } key } ? new MessageLinks(url, key) : null;

    /// <summary>The message a signed link names, without its bodies; null for a bad signature or an unknown id.</summary>
    private static async Task<EmailMessage?> SignedMessageAsync(LifecycleDb db, IOptions<EmailOptions> options, string id, string purpose, string? sig)
    {
        if (Links(options) is not { } links || !links.Verify(id, purpose, sig)) return null;
        return await db.Set<EmailMessage>().AsNoTracking().Where(m => m.Id == id).Select(m => new EmailMessage
        {
            Id = m.Id, ContactId = m.ContactId, TemplateId = m.TemplateId, ProgramId = m.ProgramId, StepId = m.StepId, CampaignId = m.CampaignId,
            ToAddress = m.ToAddress, Language = m.Language, Subject = "", Html = "", Text = "", Links = m.Links, Status = m.Status,
        }).FirstOrDefaultAsync();
    }

    private static async Task<IResult> Open(LifecycleDb db, IOptions<EmailOptions> options, TimeProvider clock, string id, string? sig)
    {
        if (await SignedMessageAsync(db, options, id, "open", sig) is not { } message) return Validation.NotFound("e-mail message", id);
        var now = clock.GetUtcNow().UtcDateTime;
        await EmailFacts.RecordAsync(db, message, EmailFacts.Event(EmailFacts.Opened, message, now), null, null, CancellationToken.None);
        return TypedResults.File(Pixel, "image/gif");
    }

    /// <summary>Redirects only to the link stored at that index of that message; anything tampered with is a 404.</summary>
    private static async Task<IResult> Click(LifecycleDb db, IOptions<EmailOptions> options, TimeProvider clock, HttpContext http, string id, int index, string? sig)
    {
        if (await SignedMessageAsync(db, options, id, "click:" + index, sig) is not { } message || index < 0 || index >= message.Links.Count)
            return Validation.NotFound("link", $"{id}/{index}");
        var url = message.Links[index];
        var now = clock.GetUtcNow().UtcDateTime;
        await EmailFacts.RecordAsync(db, message, EmailFacts.Event(EmailFacts.Clicked, message, now, index.ToString(),
            new Dictionary<string, string?> { ["url"] = url, ["link_index"] = index.ToString() }), null, null, CancellationToken.None);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Redirect(url);
    }

    /// <summary>The footer link shows a button: a link scanner following GETs must not unsubscribe anyone.</summary>
    private static async Task<IResult> UnsubscribePage(LifecycleDb db, IOptions<EmailOptions> options, string id, string? sig)
    {
        if (await SignedMessageAsync(db, options, id, "unsubscribe", sig) is not { } message) return Validation.NotFound("e-mail message", id);
        var action = WebUtility.HtmlEncode($"/email/u/{Uri.EscapeDataString(id)}?sig={Uri.EscapeDataString(sig!)}");
        return Page("Unsubscribe",
            $"""<p>Stop all e-mail to <b>{WebUtility.HtmlEncode(message.ToAddress)}</b>?</p><form method="post" action="{action}"><button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>""");
    }

    /// <summary>RFC 8058 one-click unsubscribe (mail clients POST List-Unsubscribe=One-Click), and the page's button.</summary>
    private static async Task<IResult> Unsubscribe(LifecycleDb db, IOptions<EmailOptions> options, TimeProvider clock, string id, string? sig)
    {
        if (await SignedMessageAsync(db, options, id, "unsubscribe", sig) is not { } message) return Validation.NotFound("e-mail message", id);
        var now = clock.GetUtcNow().UtcDateTime;
        await EmailFacts.RecordAsync(db, message, EmailFacts.Event(EmailFacts.Unsubscribed, message, now,
            extra: new Dictionary<string, string?> { ["source"] = "link" }), SuppressionReason.Unsubscribed, "unsubscribe link", CancellationToken.None);
        return Page("Unsubscribed", $"<p><b>{WebUtility.HtmlEncode(message.ToAddress)}</b> will receive no more e-mail from us.</p>");
    }

    private static IResult Page(string title, string body) => TypedResults.Content(
        $"""<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{title}</title></head><body style="font-family:sans-serif;max-width:32em;margin:3em auto">{body}</body></html>""",
        "text/html; charset=utf-8");

    private static async Task<IResult> Webhook(LifecycleDb db, IOptions<EmailOptions> options, TimeProvider clock, HttpRequest request, string provider, string? key)
    {
        if (options.Value.WebhookKey is not { Length: > 0 } expected)
            return TypedResults.Problem($"set {EmailOptions.Section}:WebhookKey to accept ESP webhooks", statusCode: StatusCodes.Status404NotFound, title: "Webhooks are off");
        if (key is null || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes(expected)))
            return TypedResults.Problem("the key is missing or wrong", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        List<EspEvent> events;
        try
        {
            // SNS posts JSON as text/plain: the body is read whatever its content type says.
            using var document = await JsonDocument.ParseAsync(request.Body);
            events = EspWebhooks.Read(provider.ToLowerInvariant(), document.RootElement);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            var check = new Validation();
            check.Add("body", e.Message);
            return check.Problem();
        }
        var applied = 0;
        foreach (var received in events)
            if (await ApplyAsync(db, clock.GetUtcNow().UtcDateTime, provider.ToLowerInvariant(), received)) applied++;
        return TypedResults.Ok(new { received = events.Count, applied });
    }

    /// <summary>Suppresses the address where the event calls for it, and records the event on the message it concerns.</summary>
    private static async Task<bool> ApplyAsync(LifecycleDb db, DateTime now, string provider, EspEvent received)
    {
        var email = received.Email.Trim().ToLowerInvariant();
        var messages = db.Set<EmailMessage>().AsNoTracking();
        var message = MessageMime.OutboxId(received.MessageIdHeader) is { } outboxId
            ? await messages.FirstOrDefaultAsync(m => m.Id == outboxId)
            : await messages.Where(m => m.ToAddress == email).OrderByDescending(m => m.CreatedAt).FirstOrDefaultAsync();
        var extra = new Dictionary<string, string?> { ["source"] = provider, ["reason"] = received.Reason };
        (string? name, SuppressionReason? suppress) = received.Kind switch
        {
            EspEventKind.Delivered => (EmailFacts.Delivered, null),
            EspEventKind.Bounce when received.Permanent => (EmailFacts.Bounced, SuppressionReason.HardBounce),
            EspEventKind.Bounce => (EmailFacts.Bounced, (SuppressionReason?)null),
            EspEventKind.Complaint => (EmailFacts.Complained, SuppressionReason.Complaint),
            EspEventKind.Unsubscribe => (EmailFacts.Unsubscribed, SuppressionReason.Unsubscribed),
            _ => (null, null),
        };
        if (received.Kind == EspEventKind.Bounce) extra["bounce_type"] = received.Permanent ? "hard" : "soft";
        await using var transaction = await db.Database.BeginTransactionAsync();
        if (suppress is { } reason)
            await EmailFacts.SuppressAsync(db, email, reason, now, $"{provider}: {received.Reason}", message?.Id, CancellationToken.None);
        // A notice to a plain address records no events: its reader is no contact.
        if (message is { ContactId: not null } && name is not null)
        {
            await EmailFacts.InsertAsync(db, [EmailFacts.Event(name, message, now, extra: extra)], CancellationToken.None);
            if (suppress == SuppressionReason.HardBounce)
                await db.Set<EmailMessage>().Where(m => m.Id == message.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MessageStatus.Bounced));
        }
        await transaction.CommitAsync();
        return suppress is not null || message is not null;
    }
}
