using Lifecycle.Server;

namespace Lifecycle.Capture;

/// <summary>A submission that passed the checks: the values by target (email, first_name, account.name, custom.x).</summary>
public sealed record Submission(
    string Email, IReadOnlyDictionary<string, string> Values, bool ConsentGiven, string? AnonymousId,
    IReadOnlyDictionary<string, string> Utm, string? Page);

/// <summary>
/// Checks what a visitor posted against the form: required fields, the e-mail, select options, lengths and a
/// required consent. Pure; errors are keyed by the form's field names so the page and the API show them in place.
/// </summary>
public static class SubmissionCheck
{
    public const int MaxValueLength = 500;
    public const int MaxTextareaLength = 5000;

    /// <summary>True when the honeypot is filled: a bot, answered as if it succeeded and never stored.</summary>
    public static bool IsBot(IReadOnlyDictionary<string, string?> posted) =>
        !string.IsNullOrEmpty(posted.GetValueOrDefault(FormFields.Honeypot));

    public static Submission? Read(Form form, IReadOnlyDictionary<string, string?> posted, Validation check)
    {
        var values = new Dictionary<string, string>();
        string? email = null;
        foreach (var field in form.Fields)
        {
            var value = posted.GetValueOrDefault(field.Name)?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                if (field.Required) check.Add(field.Name, $"{field.Label} is required");
                continue;
            }
            var limit = field.Type == "textarea" ? MaxTextareaLength : MaxValueLength;
            if (value.Length > limit) { check.Add(field.Name, $"{field.Label} is longer than {limit} characters"); continue; }
            if (value.AsSpan().ContainsAnyInRange('\u0000', '\u0008') || value.AsSpan().ContainsAnyInRange('\u000e', '\u001f'))
            {
                check.Add(field.Name, $"{field.Label} contains control characters");
                continue;
            }
            if (field.Type == "select" && field.Options?.Contains(value) != true)
            {
                check.Add(field.Name, $"'{value}' is not one of the choices");
                continue;
            }
            if (field.MapsTo == FormFields.Email)
            {
                email = check.Email(field.Name, value);
                continue;
            }
            values[field.MapsTo] = value;
        }

        var consentGiven = form.Consent is not null && posted.GetValueOrDefault(FormFields.ConsentBox) is "on" or "true" or "yes" or "1";
        if (form.Consent is { Required: true } && !consentGiven) check.Add(FormFields.ConsentBox, "your consent is required to send this form");

        var utm = FormFields.Utm
            .Select(name => (name, value: Short(posted.GetValueOrDefault(name))))
            .Where(p => p.value is not null)
            .ToDictionary(p => p.name, p => p.value!);
        var page = Short(posted.GetValueOrDefault(FormFields.Page)) is { } p && FormDefinitions.IsWebUrl(p, allowHttp: true) ? WithoutQuery(p) : null;
        var anonymousId = Short(posted.GetValueOrDefault(FormFields.AnonymousId)) is { Length: <= 200 } a ? a : null;

        return check.Ok && email is not null ? new Submission(email, values, consentGiven, anonymousId, utm, page) : null;
    }

    /// <summary>The page without its query and fragment: pages are grouped by where they are, and a query may hold personal data.</summary>
    public static string WithoutQuery(string url) => new Uri(url).GetLeftPart(UriPartial.Path);

    private static string? Short(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim() is var v && v.Length <= MaxValueLength && !v.Any(char.IsControl) ? v : null;
}
