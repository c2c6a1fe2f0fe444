using System.Text.Json;
using Lifecycle.Experiments;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Capture;

/// <summary>
/// A capture form and its hosted landing page. Every form also carries the built-in hidden fields
/// (<see cref="FormFields.Hidden"/>: UTM parameters, the anonymous id, the page) and a honeypot.
/// After a submission the visitor sees <see cref="ThankYouMessage"/>, or goes to <see cref="RedirectUrl"/> and
/// nowhere else.
/// </summary>
public sealed class Form
{
    public required string Id { get; set; }
    public required string Slug { get; set; }
    public required string Name { get; set; }
    public string? CampaignId { get; set; }
    public List<FormField> Fields { get; set; } = [];
    /// <summary>The consent checkbox, when the form has one.</summary>
    public FormConsent? Consent { get; set; }
    /// <summary>Consent counts only once the contact confirms through the signed link sent to them.</summary>
    public bool DoubleOptIn { get; set; }
    public string ThankYouMessage { get; set; } = "Thank you.";
    public string? RedirectUrl { get; set; }
    /// <summary>Who is e-mailed each submission (form_notifications records each notice).</summary>
    public string? NotifyEmail { get; set; }
    /// <summary>The e-mail template of the double opt-in request (it gets <c>confirm_url</c>); null for the built-in one.</summary>
    public string? ConfirmationTemplateId { get; set; }
    public string SubmitLabel { get; set; } = "Submit";
    public string? Headline { get; set; }
    public string? Text { get; set; }
    public string? ImageUrl { get; set; }
    /// <summary>An A/B test of the offer (headline, text, image, button), when one runs.</summary>
    public OfferExperiment? Experiment { get; set; }
    /// <summary>Set once the experiment's time is up: every later visitor sees the winner.</summary>
    public OfferDecision? ExperimentDecision { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>This form as a visitor shown <paramref name="variant"/> sees it (a copy; the stored form is untouched).</summary>
    public Form Presenting(OfferVariant? variant)
    {
        if (variant is null) return this;
        var shown = (Form)MemberwiseClone();
        shown.Headline = variant.Headline ?? Headline;
        shown.Text = variant.Text ?? Text;
        shown.ImageUrl = variant.ImageUrl ?? ImageUrl;
        shown.SubmitLabel = variant.SubmitLabel ?? SubmitLabel;
        return shown;
    }
}

/// <summary>A visible field: what the visitor sees, and the contact or account field it fills.</summary>
public sealed record FormField(string Name, string Label, string Type, string MapsTo, bool Required, List<string>? Options = null);

/// <summary>The consent checkbox: the purpose it grants (e.g. marketing_email) and the exact wording shown.</summary>
public sealed record FormConsent(string Purpose, string Wording, bool Required);

internal sealed class FormConfiguration : IEntityTypeConfiguration<Form>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<Form> e)
    {
        e.ToTable("forms");
        e.Property(f => f.Id).HasMaxLength(200);
        e.Property(f => f.Slug).HasMaxLength(80);
        e.HasIndex(f => f.Slug).IsUnique();
        e.Property(f => f.Fields).HasConversion(
            v => JsonSerializer.Serialize(v, Json),
            v => JsonSerializer.Deserialize<List<FormField>>(v, Json) ?? new List<FormField>(),
            new ValueComparer<List<FormField>>(
                (a, b) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json),
                v => JsonSerializer.Serialize(v, Json).GetHashCode(),
                v => JsonSerializer.Deserialize<List<FormField>>(JsonSerializer.Serialize(v, Json), Json)!)).IsRequired();
        e.Property(f => f.Consent).HasConversion(
            v => v == null ? null : JsonSerializer.Serialize(v, Json),
            v => v == null ? null : JsonSerializer.Deserialize<FormConsent>(v, Json));
        e.Property(f => f.Experiment).HasConversion(
            v => v == null ? null : JsonSerializer.Serialize(v, Json),
            v => v == null ? null : JsonSerializer.Deserialize<OfferExperiment>(v, Json));
        e.Property(f => f.ExperimentDecision).HasConversion(
            v => v == null ? null : JsonSerializer.Serialize(v, Json),
            v => v == null ? null : JsonSerializer.Deserialize<OfferDecision>(v, Json));
    }
}
