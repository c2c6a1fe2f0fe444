using System.Text.Json;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Email;

/// <summary>One language's version of a template: Liquid source for the subject and both body parts.</summary>
public sealed record TemplateVariant(string Language, string Subject, string Html, string Text);

/// <summary>An e-mail template with its language variants; checked by <see cref="TemplateCheck"/> when saved.</summary>
public sealed class EmailTemplate
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The variant a contact gets when none matches its language.</summary>
    public required string DefaultLanguage { get; set; }
    public List<TemplateVariant> Variants { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class EmailTemplateConfiguration : IEntityTypeConfiguration<EmailTemplate>
{
    private static readonly JsonSerializerOptions Json = new();

    public void Configure(EntityTypeBuilder<EmailTemplate> e)
    {
        e.ToTable("email_templates");
        e.Property(t => t.Id).HasMaxLength(200);
        e.Property(t => t.DefaultLanguage).HasMaxLength(35);
        // The variants are only ever read and written together with their template: one JSON column.
        e.Property(t => t.Variants).HasConversion(
            v => JsonSerializer.Serialize(v, Json),
            v => JsonSerializer.Deserialize<List<TemplateVariant>>(v, Json) ?? new List<TemplateVariant>(),
            new ValueComparer<List<TemplateVariant>>((a, b) => a!.SequenceEqual(b!), v => v.Count, v => v.ToList()));
    }
}
