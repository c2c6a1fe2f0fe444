using System.Globalization;
using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Pipeline;

/// <summary>The pipeline's built-in e-mails: the owner's SLA breach notice and the NPS survey.</summary>
public static class PipelineEmails
{
    public const string BreachTemplateId = "system:sla_breach";
    public const string SurveyTemplateId = "system:nps_survey";

    /// <summary>To the owner of an MQL left past its SLA; times in the queue's time zone.</summary>
    public static readonly EmailTemplate BreachTemplate = new()
    {
        Id = BreachTemplateId, Name = "Sales SLA breach notice", DefaultLanguage = "en",
        Variants =
        [
            new TemplateVariant("en", "SLA breached: {{ contact.name | default: contact.email }}",
                """
                <!doctype html><html><body>
                <p>Hello {{ owner_name }},</p>
                <p>The MQL <b>{{ contact.name | default: contact.email }}</b>{% if account.name %} ({{ account.name }}){% endif %} has waited past its SLA.</p>
                <p>In the queue since {{ entered_at }}; due {{ due_at }}.</p>
                <p>E-mail: {{ contact.email }}<br>Contact: {{ contact.id }}</p>
                </body></html>
                """,
                """
                Hello {{ owner_name }},

                The MQL {{ contact.name | default: contact.email }}{% if account.name %} ({{ account.name }}){% endif %} has waited past its SLA.
                In the queue since {{ entered_at }}; due {{ due_at }}.

                E-mail: {{ contact.email }}
                Contact: {{ contact.id }}
                """),
        ],
    };

    /// <summary>The built-in survey: eleven one-click answers, <c>{{ survey_url }}/0</c> to <c>/10</c>.</summary>
    public static readonly EmailTemplate SurveyTemplate = new()
    {
        Id = SurveyTemplateId, Name = "NPS survey", DefaultLanguage = "en",
        Variants =
        [
            Survey("en", "How likely are you to recommend us?", "Hello{% if contact.first_name %} {{ contact.first_name }}{% endif %},",
                "How likely are you to recommend us to a friend or colleague? Click a number: 0 = not at all likely, 10 = extremely likely.", "Thank you!"),
            Survey("ja", "当社をおすすめいただける可能性はどのくらいですか？", "{% if contact.last_name %}{{ contact.last_name }} 様{% else %}こんにちは{% endif %}",
                "当社を友人や同僚にすすめる可能性はどのくらいありますか？数字をクリックしてください（0 = まったくない、10 = 非常に高い）。", "ご協力ありがとうございます。"),
            Survey("ko", "저희를 추천하실 가능성은 얼마나 되나요?", "안녕하세요{% if contact.first_name %} {{ contact.first_name }}님{% endif %},",
                "친구나 동료에게 저희를 추천하실 가능성은 얼마나 되나요? 숫자를 클릭해 주세요 (0 = 전혀 없음, 10 = 매우 높음).", "감사합니다!"),
            Survey("es", "¿Nos recomendaría?", "Hola{% if contact.first_name %} {{ contact.first_name }}{% endif %}:",
                "¿Qué probabilidad hay de que nos recomiende a un amigo o colega? Haga clic en un número: 0 = ninguna, 10 = muy alta.", "¡Gracias!"),
        ],
    };

    private static TemplateVariant Survey(string language, string subject, string greeting, string question, string thanks) => new(
        language, subject,
        $$$"""
        <!doctype html><html><body>
        <p>{{{greeting}}}</p>
        <p>{{{question}}}</p>
        <p>{% for score in (0..10) %}<a href="{{ survey_url }}/{{ score }}" style="display:inline-block;padding:6px 10px;margin:2px;border:1px solid #888;text-decoration:none">{{ score }}</a>{% endfor %}</p>
        <p>{{{thanks}}}</p>
        </body></html>
        """,
        $$$"""
        {{{greeting}}}

        {{{question}}}

        {% for score in (0..10) %}{{ score }}: {{ survey_url }}/{{ score }}
        {% endfor %}
        {{{thanks}}}
        """);

    /// <summary>The breach notice to the owner's address (a user, not a contact), staged in the claim's unit of work.</summary>
    public static async Task StageBreachNoticeAsync(LifecycleDb db, EmailOutbox outbox, Contact contact, string ownerName, string ownerEmail,
        QueueEntry entry, CancellationToken cancel)
    {
        var settings = await SalesQueue.SettingsAsync(db, cancel);
        var zone = settings.TimeZone is { } own ? SalesQueue.Zone(own) : db.WorkspaceZone;
        string Local(DateTime utc) =>
            TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " " + zone.Id;
        var account = contact.AccountId is null ? null : await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == contact.AccountId, cancel);
        var about = new Recipient(contact, account)
        {
            Values = new Dictionary<string, object?>
            {
                ["owner_name"] = ownerName, ["entered_at"] = Local(entry.EnteredAt), ["due_at"] = Local(entry.DueAt),
            },
        };
        await outbox.StageNoticeAsync(db, BreachTemplate, about, ownerEmail, cancel);
    }
}
