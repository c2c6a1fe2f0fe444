using System.Data;
using System.Text.Json;
using Dapper;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Email;

public enum MessageStatus { Queued, Sent, Bounced, Failed, Suppressed }

/// <summary>A PNG the HTML shows as <c>&lt;img src="cid:{ContentId}"&gt;</c>, sent as a part of the message.</summary>
public sealed record InlineImage(string ContentId, byte[] Png);

/// <summary>
/// The outbox: one rendered message to one contact, or a system notice to a plain address (no contact). The worker claims due rows, sends them, and records the
/// SMTP server's answer; <see cref="NextAttemptAt"/> is also the claim's lease (a dead worker's claim expires).
/// </summary>
public sealed class EmailMessage
{
    public required string Id { get; set; }
    /// <summary>The contact mailed; null for a notice to an address that is no contact (a form's owner, a sales
    /// owner), which is sent untracked and records no events.</summary>
    public string? ContactId { get; set; }
    /// <summary>The template rendered; for the team's report mail, which has none, what it is (target-warning.{metric}.{month}).</summary>
    public required string TemplateId { get; set; }
    public string? ProgramId { get; set; }
    public string? StepId { get; set; }
    /// <summary>The campaign the message belongs to (its events carry it, so a click is a touchpoint of that campaign).</summary>
    public string? CampaignId { get; set; }
    public required string ToAddress { get; set; }
    public required string Language { get; set; }
    public required string Subject { get; set; }
    public required string Html { get; set; }
    public required string Text { get; set; }
    /// <summary>The images the HTML references by cid: (the report mail's charts); null for every other message.</summary>
    public List<InlineImage>? InlineImages { get; set; }
    /// <summary>The links of the message in order; a click redirect carries an index into this list, never a URL.</summary>
    public List<string> Links { get; set; } = [];
    public MessageStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    /// <summary>Set by each claim; a worker records its result only while its claim still holds.</summary>
    public string? ClaimToken { get; set; }
    public string? SmtpAnswer { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? SentAt { get; set; }
}

internal sealed class EmailMessageConfiguration : IEntityTypeConfiguration<EmailMessage>
{
    private static readonly JsonSerializerOptions Json = new();

    public void Configure(EntityTypeBuilder<EmailMessage> e)
    {
        e.ToTable("email_messages");
        e.Property(m => m.Id).HasMaxLength(40);
        e.Property(m => m.Status).HasConversion<SnakeCaseEnumConverter<MessageStatus>>().HasMaxLength(20);
        e.Property(m => m.Links).HasConversion(
            v => JsonSerializer.Serialize(v, Json),
            v => JsonSerializer.Deserialize<List<string>>(v, Json) ?? new List<string>(),
            new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), v => v.Count, v => v.ToList()));
        // Images are written once, with the message, so their content ids tell a change.
        e.Property(m => m.InlineImages).HasConversion(
            v => v == null ? null : JsonSerializer.Serialize(v, Json),
            v => v == null ? null : InlineImagesHandler.FromJson(v),
            new ValueComparer<List<InlineImage>?>((a, b) => a == null ? b == null : b != null && a.Select(i => i.ContentId).SequenceEqual(b.Select(i => i.ContentId)),
                v => v == null ? 0 : v.Count, v => v == null ? null : v.ToList()));
        e.Property(m => m.ClaimToken).HasMaxLength(32).IsConcurrencyToken();
        e.HasIndex(m => new { m.Status, m.NextAttemptAt });
        e.HasIndex(m => m.ContactId);
        e.HasIndex(m => m.ToAddress);
    }
}

/// <summary>Reads the inline_images column (JSON, as EF stores it) where the delivery worker claims messages with Dapper.</summary>
internal sealed class InlineImagesHandler : SqlMapper.TypeHandler<List<InlineImage>?>
{
    public static List<InlineImage>? FromJson(string json) => JsonSerializer.Deserialize<List<InlineImage>>(json);

    public override List<InlineImage>? Parse(object value) => value is string json ? FromJson(json) : null;

    public override void SetValue(IDbDataParameter parameter, List<InlineImage>? value) =>
        parameter.Value = value is null ? DBNull.Value : JsonSerializer.Serialize(value);
}
