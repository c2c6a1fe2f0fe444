using System.Text.RegularExpressions;
using Lifecycle.Experiments;
using Lifecycle.Server;

namespace Lifecycle.Capture;

public sealed record FormFieldInput(string? Name, string? Label, string? Type, string? MapsTo, bool? Required, List<string>? Options);
public sealed record FormConsentInput(string? Purpose, string? Wording, bool? Required);
public sealed record FormPageInput(string? Headline, string? Text, string? ImageUrl);

/// <summary>A form as the API takes it (snake_case JSON).</summary>
public sealed record FormInput(
    string? Id, string? Slug, string? Name, string? CampaignId, List<FormFieldInput?>? Fields, FormConsentInput? Consent,
    bool? DoubleOptIn, string? ThankYouMessage, string? RedirectUrl, string? NotifyEmail, string? SubmitLabel, FormPageInput? Page,
    string? ConfirmationTemplateId = null, OfferExperimentInput? Experiment = null);

public sealed record OfferVariantInput(string? Name, double? Weight, string? Headline, string? Text, string? ImageUrl, string? SubmitLabel);
public sealed record OfferExperimentInput(List<OfferVariantInput?>? Variants, double? Alpha, DateTime? DecideAfter);

/// <summary>The names a form's fields may use and the targets they may fill.</summary>
public static partial class FormFields
{
    public const string Email = "email";
    /// <summary>Hidden fields every form carries: the visitor's UTM parameters, anonymous id and page.</summary>
    public static readonly string[] Utm = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
    public const string AnonymousId = "anonymous_id";
    public const string Page = "page";
    public const string ConsentBox = "consent";
    /// <summary>The honeypot: hidden from people, filled by bots.</summary>
    public const string Honeypot = "website";

    public static readonly string[] Types = ["text", "email", "tel", "textarea", "select"];
    public static readonly string[] ContactTargets = ["email", "first_name", "last_name", "title", "country"];
    public static readonly string[] AccountTargets = ["account.name", "account.domain", "account.industry"];
    public const string CustomPrefix = "custom.";

    public static IEnumerable<string> Reserved => Utm.Append(AnonymousId).Append(Page).Append(ConsentBox).Append(Honeypot);

    public static bool IsTarget(string target) =>
        ContactTargets.Contains(target) || AccountTargets.Contains(target) ||
        (target.StartsWith(CustomPrefix, StringComparison.Ordinal) && CustomKey().IsMatch(target[CustomPrefix.Length..]));

    [GeneratedRegex("^[a-z][a-z0-9_]{0,49}$")] public static partial Regex FieldName();
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,79}$")] public static partial Regex Slug();
    [GeneratedRegex("^[a-z][a-z0-9_]{0,59}$")] public static partial Regex Purpose();
    [GeneratedRegex("^[A-Za-z0-9_-]{1,60}$")] private static partial Regex CustomKey();
}

/// <summary>Checks a form definition and turns it into a <see cref="Form"/>; every problem names its field. Pure.</summary>
public static class FormDefinitions
{
    public static void Apply(Validation check, Form form, FormInput input)
    {
        form.Slug = check.Required("slug", input.Slug)?.ToLowerInvariant() ?? "";
        if (form.Slug.Length > 0 && !FormFields.Slug().IsMatch(form.Slug))
            check.Add("slug", $"'{input.Slug}' must be 1-80 lowercase letters, digits and dashes, starting with a letter or digit");
        form.Name = check.Required("name", input.Name) ?? "";
        form.CampaignId = Blank(input.CampaignId);
        form.Fields = Fields(check, input.Fields);
        form.Consent = Consent(check, input.Consent);
        form.DoubleOptIn = input.DoubleOptIn ?? false;
        if (form.DoubleOptIn && form.Consent is null) check.Add("double_opt_in", "needs a consent checkbox to confirm");
        form.ConfirmationTemplateId = Blank(input.ConfirmationTemplateId);
        if (form.ConfirmationTemplateId is not null && !form.DoubleOptIn) check.Add("confirmation_template_id", "only a double opt-in form sends a confirmation");
        form.ThankYouMessage = Blank(input.ThankYouMessage) ?? "Thank you.";
        form.RedirectUrl = Blank(input.RedirectUrl);
        if (form.RedirectUrl is not null && !IsWebUrl(form.RedirectUrl, allowHttp: true))
            check.Add("redirect_url", $"'{form.RedirectUrl}' is not an absolute http(s) URL");
        form.NotifyEmail = check.Email("notify_email", input.NotifyEmail);
        form.SubmitLabel = Blank(input.SubmitLabel) ?? "Submit";
        form.Headline = Blank(input.Page?.Headline);
        form.Text = Blank(input.Page?.Text);
        form.ImageUrl = Blank(input.Page?.ImageUrl);
        if (form.ImageUrl is not null && !IsWebUrl(form.ImageUrl, allowHttp: false))
            check.Add("page.image_url", $"'{form.ImageUrl}' is not an absolute https URL");
        var experiment = Experiment(check, input.Experiment);
        // A changed test is a new test: its earlier decision no longer applies.
        if (!Same(experiment, form.Experiment)) form.ExperimentDecision = null;
        form.Experiment = experiment;
    }

    public const int MaxVariants = 10;

    private static OfferExperiment? Experiment(Validation check, OfferExperimentInput? input)
    {
        if (input is null) return null;
        var variants = new List<OfferVariant>();
        if (input.Variants is not { Count: >= 2 and <= MaxVariants })
            check.Add("experiment.variants", $"2 to {MaxVariants} variants are needed; the first is the control");
        for (var i = 0; i < (input.Variants?.Count ?? 0); i++)
        {
            var at = $"experiment.variants[{i}]";
            if (input.Variants![i] is not { } v) { check.Add(at, "must be an object"); continue; }
            var name = check.Required($"{at}.name", v.Name);
            if (name is { Length: > 60 }) check.Add($"{at}.name", "must be at most 60 characters");
            else if (name is not null && variants.Any(x => x.Name == name)) check.Add($"{at}.name", $"'{name}' names another variant");
            var weight = v.Weight ?? 1;
            if (!(weight > 0) || !double.IsFinite(weight)) check.Add($"{at}.weight", "must be a positive number");
            var image = Blank(v.ImageUrl);
            if (image is not null && !IsWebUrl(image, allowHttp: false)) check.Add($"{at}.image_url", $"'{image}' is not an absolute https URL");
            if (name is not null)
                variants.Add(new OfferVariant(name, weight, Blank(v.Headline), Blank(v.Text), image, Blank(v.SubmitLabel)));
        }
        var alpha = input.Alpha ?? 0.05;
        if (alpha is <= 0 or >= 0.5) check.Add("experiment.alpha", "must be between 0 and 0.5 (0.05 for 95% confidence)");
        var decideAfter = input.DecideAfter is { } d ? DateTime.SpecifyKind(d.ToUniversalTime(), DateTimeKind.Utc) : (DateTime?)null;
        return new OfferExperiment(variants, alpha, decideAfter);
    }

    private static bool Same(OfferExperiment? a, OfferExperiment? b) =>
        a is null ? b is null : b is not null && a.Alpha == b.Alpha && a.DecideAfter == b.DecideAfter && a.Variants.SequenceEqual(b.Variants);

    private static List<FormField> Fields(Validation check, List<FormFieldInput?>? inputs)
    {
        var fields = new List<FormField>();
        if (inputs is not { Count: > 0 })
        {
            check.Add("fields", "at least one field (the e-mail) is required");
            return fields;
        }
        for (var i = 0; i < inputs.Count; i++)
        {
            var at = $"fields[{i}]";
            if (inputs[i] is not { } input) { check.Add(at, "must be an object"); continue; }
            var name = check.Required($"{at}.name", input.Name);
            if (name is not null && !FormFields.FieldName().IsMatch(name))
                check.Add($"{at}.name", $"'{name}' must be lowercase letters, digits and underscores, starting with a letter");
            else if (name is not null && FormFields.Reserved.Contains(name))
                check.Add($"{at}.name", $"'{name}' is reserved for a built-in hidden field");
            else if (name is not null && fields.Any(f => f.Name == name))
                check.Add($"{at}.name", $"'{name}' is used by another field");
            var label = check.Required($"{at}.label", input.Label);
            var type = Blank(input.Type) ?? "text";
            if (!FormFields.Types.Contains(type)) check.Add($"{at}.type", $"'{type}' is not one of {string.Join(", ", FormFields.Types)}");
            var options = input.Options?.Select(o => o?.Trim()).OfType<string>().Where(o => o.Length > 0).ToList();
            if (type == "select" && options is not { Count: > 0 }) check.Add($"{at}.options", "a select needs at least one option");
            var target = check.Required($"{at}.maps_to", input.MapsTo);
            if (target is not null && !FormFields.IsTarget(target))
                check.Add($"{at}.maps_to", $"'{target}' is not one of {string.Join(", ", FormFields.ContactTargets.Concat(FormFields.AccountTargets))} or custom.<key>");
            else if (target is not null && fields.Any(f => f.MapsTo == target))
                check.Add($"{at}.maps_to", $"'{target}' is filled by another field");
            var required = input.Required ?? false;
            if (target == FormFields.Email)
            {
                if (type != "email") check.Add($"{at}.type", "the field mapped to email must have type email");
                required = true;
            }
            if (name is not null && label is not null && target is not null)
                fields.Add(new FormField(name, label, type, target, required, type == "select" ? options : null));
        }
        if (!inputs.Any(f => f?.MapsTo?.Trim() == FormFields.Email)) check.Add("fields", "one field must map to email");
        return fields;
    }

    private static FormConsent? Consent(Validation check, FormConsentInput? input)
    {
        if (input is null) return null;
        var purpose = Blank(input.Purpose) ?? Consents.MarketingEmail;
        if (!FormFields.Purpose().IsMatch(purpose)) check.Add("consent.purpose", $"'{purpose}' must be a snake_case name such as marketing_email");
        var wording = check.Required("consent.wording", input.Wording);
        return wording is null ? null : new FormConsent(purpose, wording, input.Required ?? false);
    }

    /// <summary>An absolute http(s) URL with a host, so a redirect can never leave for a script or data URL.</summary>
    public static bool IsWebUrl(string value, bool allowHttp) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Host.Length > 0 &&
        (uri.Scheme == Uri.UriSchemeHttps || (allowHttp && uri.Scheme == Uri.UriSchemeHttp));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
