using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Capture;

/// <summary>
/// The e-mails a submission sends by itself, staged in the submission's own unit of work: the double opt-in
/// request to the contact (it is the consent request, so it needs no consent, but a suppressed address is never
/// mailed), and the owner's notice with the submitted fields.
/// </summary>
public sealed class CaptureEmails(EmailOutbox outbox, ConfirmationLinks links)
{
    public const string ConfirmationTemplateId = "system:consent_confirmation";
    public const string NotificationTemplateId = "system:form_notification";

    /// <summary>The built-in double opt-in request, used unless the form names a template; it gets <c>confirm_url</c>.</summary>
    public static readonly EmailTemplate ConfirmationTemplate = new()
    {
        Id = ConfirmationTemplateId, Name = "Double opt-in confirmation", DefaultLanguage = "en",
        Variants =
        [
            Confirmation("en", "Please confirm your subscription", "Hello{% if contact.first_name %} {{ contact.first_name }}{% endif %},",
                "Please confirm that you want to receive our e-mails. Nothing is sent to you until you do.", "Confirm",
                "If you did not ask for this, ignore this message."),
            Confirmation("ja", "購読の確認をお願いします", "{% if contact.last_name %}{{ contact.last_name }} 様{% else %}こんにちは{% endif %}",
                "メールの受信を希望される場合は、確認をお願いします。確認されるまでメールはお送りしません。", "確認する",
                "お心当たりのない場合は、このメールを無視してください。"),
            Confirmation("ko", "구독을 확인해 주세요", "안녕하세요{% if contact.first_name %} {{ contact.first_name }}님{% endif %},",
                "이메일 수신을 원하시면 확인해 주세요. 확인하시기 전에는 메일을 보내지 않습니다.", "확인하기",
                "요청하지 않으셨다면 이 메일을 무시하세요."),
            Confirmation("es", "Confirme su suscripción", "Hola{% if contact.first_name %} {{ contact.first_name }}{% endif %}:",
                "Confirme que desea recibir nuestros correos. No le enviaremos nada hasta que lo haga.", "Confirmar",
                "Si no lo ha solicitado, ignore este mensaje."),
        ],
    };

    /// <summary>The owner's notice: the form, then every submitted field with its label (values HTML-encoded by the renderer).</summary>
    public static readonly EmailTemplate NotificationTemplate = new()
    {
        Id = NotificationTemplateId, Name = "Form submission notice", DefaultLanguage = "en",
        Variants =
        [
            new TemplateVariant("en", "New submission: {{ form.name }}",
                """
                <!doctype html><html><body>
                <p>A new submission of <b>{{ form.name }}</b> ({{ form.slug }}):</p>
                <table>{% for field in fields %}<tr><th align="left">{{ field.label }}</th><td>{{ field.value }}</td></tr>{% endfor %}</table>
                <p>Contact {{ contact.id }}</p>
                </body></html>
                """,
                """
                A new submission of {{ form.name }} ({{ form.slug }}):

                {% for field in fields %}{{ field.label }}: {{ field.value }}
                {% endfor %}
                Contact {{ contact.id }}
                """),
        ],
    };

    private static TemplateVariant Confirmation(string language, string subject, string greeting, string body, string button, string ignore) => new(
        language, subject,
        $"""
        <!doctype html><html><body>
        <p>{greeting}</p>
        <p>{body}</p>
        <p><a href="{"{{ confirm_url }}"}">{button}</a></p>
        <p>{ignore}</p>
        </body></html>
        """,
        $"""
        {greeting}

        {body}

        {button}: {"{{ confirm_url }}"}

        {ignore}
        """);

    /// <summary>The double opt-in request carrying the signed confirm link, in the form's template or the built-in one.</summary>
    public async Task<EmailOutbox.Outcome> StageConfirmationAsync(LifecycleDb db, Form form, Contact contact, ConsentConfirmation pending, CancellationToken cancel)
    {
        if (outbox.PublicBaseUrl is not { } baseUrl) return new EmailOutbox.Refused("form", "e-mail is not configured");
        var template = form.ConfirmationTemplateId is { } id
            ? await db.Set<EmailTemplate>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancel) ?? ConfirmationTemplate
            : ConfirmationTemplate;
        var to = new Recipient(contact, await AccountAsync(db, contact, cancel), CampaignId: form.CampaignId)
        {
            Values = new Dictionary<string, object?> { ["confirm_url"] = links.Url(baseUrl, pending.Id) },
        };
        return await outbox.StageAsync(db, template, to, cancel);
    }

    /// <summary>The owner's notice of one submission, to the form's plain address.</summary>
    public async Task<EmailOutbox.Outcome> StageNotificationAsync(LifecycleDb db, Form form, Contact contact, Submission submission, string owner,
        CancellationToken cancel)
    {
        var fields = form.Fields
            .Select(f => (Field: f, Value: f.MapsTo == FormFields.Email ? submission.Email : submission.Values.GetValueOrDefault(f.MapsTo)))
            .Where(f => f.Value is not null)
            .Select(f => (object?)new Dictionary<string, object?> { ["name"] = f.Field.Name, ["label"] = f.Field.Label, ["value"] = f.Value })
            .ToList();
        var about = new Recipient(contact, await AccountAsync(db, contact, cancel))
        {
            Values = new Dictionary<string, object?>
            {
                ["form"] = new Dictionary<string, object?> { ["id"] = form.Id, ["name"] = form.Name, ["slug"] = form.Slug },
                ["fields"] = fields,
            },
        };
        return await outbox.StageNoticeAsync(db, NotificationTemplate, about, owner, cancel);
    }

    public void Wake() => outbox.Wake();

    /// <summary>The contact's account, also when the submission just created it (still in the unit of work).</summary>
    private static async Task<Account?> AccountAsync(LifecycleDb db, Contact contact, CancellationToken cancel) =>
        contact.AccountId is { } accountId ? await db.Accounts.FindAsync([accountId], cancel) : null;
}
