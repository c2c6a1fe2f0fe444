using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;
using Lifecycle.Contacts;
using Lifecycle.Storage;

namespace Lifecycle.Email;

/// <summary>Who a message goes to (or, for a notice to a plain address, whom it is about), and from which program
/// step (null for a transactional send).</summary>
public sealed record Recipient(Contact Contact, Account? Account, string? ProgramId = null, string? StepId = null, string? CampaignId = null)
{
    /// <summary>Top-level values a system e-mail gives its template besides the contact's fields (confirm_url, survey_url, …).</summary>
    public IReadOnlyDictionary<string, object?> Values { get; init; } = new Dictionary<string, object?>();
}

public sealed record RenderedParts(string Language, string Subject, string Html, string Text);

/// <summary>Renders a checked template for one contact: picks the language variant, fills the fields. Pure.</summary>
public static class TemplateRenderer
{
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Parsed = new();
    // Only what HTML needs escaped; Japanese or Korean text stays readable in the message source.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>
    /// The contact's language (custom field <c>language</c>, e.g. "ja" or "pt-BR"): the variant of exactly that
    /// language, else of its primary language ("pt"), else the template's default language.
    /// </summary>
    public static TemplateVariant ChooseVariant(EmailTemplate template, string? language)
    {
        if (!string.IsNullOrWhiteSpace(language))
        {
            var wanted = Normalize(language);
            var primary = wanted.Split('-')[0];
            if (template.Variants.FirstOrDefault(v => Normalize(v.Language) == wanted) is { } exact) return exact;
            if (template.Variants.FirstOrDefault(v => Normalize(v.Language) == primary) is { } general) return general;
        }
        return template.Variants.FirstOrDefault(v => Normalize(v.Language) == Normalize(template.DefaultLanguage)) ?? template.Variants[0];
    }

    public static string Normalize(string language) => language.Trim().Replace('_', '-').ToLowerInvariant();

    public static string? LanguageOf(Contact contact) =>
        contact.Custom.TryGetValue("language", out var language) && !string.IsNullOrWhiteSpace(language) ? language : null;

    /// <param name="language">A language to render instead of the contact's own (a preview of another variant).</param>
    public static RenderedParts Render(EmailTemplate template, Recipient to, string unsubscribeUrl, string? language = null)
    {
        var variant = ChooseVariant(template, language ?? LanguageOf(to.Contact));
        var context = new TemplateContext(TemplateCheck.Options);
        foreach (var (name, value) in Model(to)) context.SetValue(name, value);
        context.SetValue("unsubscribe_url", unsubscribeUrl);
        // A header is one line, whatever the fields hold.
        var subject = string.Join(' ', Parse(variant.Subject).Render(context, NullEncoder.Default)
            .Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return new RenderedParts(variant.Language, subject,
            Parse(variant.Html).Render(context, Html),
            Parse(variant.Text).Render(context, NullEncoder.Default));
    }

    /// <summary>The values of <see cref="TemplateFields"/>; an absent value renders empty or takes its fallback.</summary>
    public static Dictionary<string, object?> Model(Recipient to)
    {
        var contact = to.Contact;
        var account = to.Account;
        var name = string.Join(' ', new[] { contact.FirstName, contact.LastName }.Where(n => !string.IsNullOrWhiteSpace(n)));
        var owner = account?.Owner;
        var model = new Dictionary<string, object?>(to.Values)
        {
            ["contact"] = new Dictionary<string, object?>
            {
                ["id"] = contact.Id, ["email"] = contact.Email, ["first_name"] = contact.FirstName, ["last_name"] = contact.LastName,
                ["name"] = name.Length > 0 ? name : null, ["title"] = contact.Title, ["country"] = contact.Country,
                ["language"] = LanguageOf(contact), ["lead_source"] = contact.LeadSource,
                ["status"] = contact.Status is { } status ? SnakeCase.Of(status.ToString()) : null,
                ["custom"] = contact.Custom.ToDictionary(c => c.Key, c => (object?)c.Value),
            },
            ["account"] = new Dictionary<string, object?>
            {
                ["id"] = account?.Id, ["name"] = account?.Name, ["domain"] = account?.Domain, ["industry"] = account?.Industry,
                ["employees"] = account?.Employees, ["country"] = account?.Country,
                ["status"] = account is null ? null : SnakeCase.Of(account.Status.ToString()),
                ["custom"] = account?.Custom.ToDictionary(c => c.Key, c => (object?)c.Value) ?? [],
            },
            // An account's owner is one text field: an e-mail address or a name.
            ["owner"] = new Dictionary<string, object?>
            {
                ["name"] = owner is null ? null : owner.Contains('@') ? owner.Split('@')[0] : owner,
                ["email"] = owner is not null && owner.Contains('@') ? owner : null,
            },
            ["program"] = new Dictionary<string, object?> { ["id"] = to.ProgramId, ["step_id"] = to.StepId },
        };
        return model;
    }

    /// <summary>Sources were checked when saved; parsed once per distinct source.</summary>
    private static IFluidTemplate Parse(string source)
    {
        if (Parsed.TryGetValue(source, out var template)) return template;
        if (Parsed.Count > 10_000) Parsed.Clear();
        return Parsed[source] = TemplateCheck.Parser.Parse(source);
    }
}
