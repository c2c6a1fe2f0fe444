using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Segments;

/// <summary>A saved filter. Membership is dynamic: the definition runs against the data whenever it is asked.</summary>
public sealed class Segment
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string Definition { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class SegmentConfiguration : IEntityTypeConfiguration<Segment>
{
    public void Configure(EntityTypeBuilder<Segment> segment)
    {
        segment.ToTable("segments");
        segment.Property(s => s.Name).HasMaxLength(200);
        segment.HasIndex(s => s.Name).IsUnique();
    }
}
