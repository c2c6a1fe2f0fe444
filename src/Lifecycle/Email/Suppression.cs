using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Email;

public enum SuppressionReason { Unsubscribed, HardBounce, Complaint }

/// <summary>An address that is never mailed again, and why.</summary>
public sealed class Suppression
{
    public required string Email { get; set; }
    public SuppressionReason Reason { get; set; }
    public DateTime At { get; set; }
    /// <summary>Where it came from: the SMTP answer, the ESP and its reason, or the message unsubscribed from.</summary>
    public string? Detail { get; set; }
    public string? MessageId { get; set; }
}

internal sealed class SuppressionConfiguration : IEntityTypeConfiguration<Suppression>
{
    public void Configure(EntityTypeBuilder<Suppression> e)
    {
        e.ToTable("suppressions");
        e.HasKey(s => s.Email);
        e.Property(s => s.Email).HasMaxLength(320);
        e.Property(s => s.Reason).HasConversion<SnakeCaseEnumConverter<SuppressionReason>>().HasMaxLength(20);
    }
}
