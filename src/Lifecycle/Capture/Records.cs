using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Capture;

/// <summary>An owner's notice of a submission; <see cref="SentAt"/> is when its e-mail was queued in the outbox (null
/// when e-mail is not configured or the address is suppressed).</summary>
public sealed class FormNotification
{
    public long Id { get; set; }
    public required string FormId { get; set; }
    public required string ContactId { get; set; }
    public required string Recipient { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? SentAt { get; set; }
}

public enum PrivacyRequestKind { Export, Erase }

/// <summary>The log of privacy requests: who asked for what about which contact, and when it was done.</summary>
public sealed class PrivacyRequest
{
    public long Id { get; set; }
    public required string ContactId { get; set; }
    public PrivacyRequestKind Kind { get; set; }
    public required string Actor { get; set; }
    public DateTime At { get; set; }
}

internal sealed class FormNotificationConfiguration : IEntityTypeConfiguration<FormNotification>
{
    public void Configure(EntityTypeBuilder<FormNotification> e)
    {
        e.ToTable("form_notifications");
        e.HasIndex(n => n.SentAt);
        e.HasIndex(n => n.ContactId);
    }
}

internal sealed class PrivacyRequestConfiguration : IEntityTypeConfiguration<PrivacyRequest>
{
    public void Configure(EntityTypeBuilder<PrivacyRequest> e)
    {
        e.ToTable("privacy_requests");
        e.Property(p => p.Kind).HasConversion(v => v.ToString().ToLowerInvariant(), v => Enum.Parse<PrivacyRequestKind>(v, true));
        e.HasIndex(p => p.ContactId);
    }
}
