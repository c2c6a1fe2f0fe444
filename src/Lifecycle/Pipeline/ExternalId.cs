using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Pipeline;

/// <summary>Links a CRM's record id to ours, so inbound sync upserts the same contact or deal every time.</summary>
public sealed class ExternalId
{
    public const string ContactKind = "contact";
    public const string DealKind = "deal";

    public required string Kind { get; set; }
    public required string Value { get; set; }
    public required string EntityId { get; set; }
}

internal sealed class ExternalIdConfiguration : IEntityTypeConfiguration<ExternalId>
{
    public void Configure(EntityTypeBuilder<ExternalId> link)
    {
        link.ToTable("external_ids");
        link.HasKey(l => new { l.Kind, l.Value });
        link.Property(l => l.Kind).HasMaxLength(20);
        link.Property(l => l.Value).HasMaxLength(200);
        link.Property(l => l.EntityId).HasMaxLength(200);
        link.HasIndex(l => new { l.Kind, l.EntityId }).IsUnique();
    }
}
