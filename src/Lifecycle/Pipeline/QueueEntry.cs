using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Pipeline;

/// <summary>
/// A contact's place in the sales queue: who owns it, by which assignment rule, when its SLA falls due, and
/// when the breach was notified. One row per contact, reset each time it becomes an MQL again; ClosedAt is set
/// when it leaves mql (accepted, rejected, or moved on otherwise).
/// </summary>
public sealed class QueueEntry
{
    public required string ContactId { get; set; }
    public long? OwnerId { get; set; }
    public required string AssignedBy { get; set; }
    public DateTime EnteredAt { get; set; }
    public DateTime DueAt { get; set; }
    public DateTime? BreachedAt { get; set; }
    public DateTime? ClosedAt { get; set; }
}

/// <summary>The queue's settings (one row, id 1): SLA length, the time zone it counts in (null: the workspace's), and the rotation's position.</summary>
public sealed class PipelineSettings
{
    public const int DefaultSlaBusinessDays = 2;

    public int Id { get; set; } = 1;
    public int SlaBusinessDays { get; set; } = DefaultSlaBusinessDays;
    public string? TimeZone { get; set; }
    public long? LastRoundRobinUserId { get; set; }
}

/// <summary>A sales territory: the owner of new MQLs from one country (ISO code, upper case).</summary>
public sealed class Territory
{
    public required string Country { get; set; }
    public long OwnerId { get; set; }
}

internal sealed class QueueConfiguration : IEntityTypeConfiguration<QueueEntry>, IEntityTypeConfiguration<PipelineSettings>, IEntityTypeConfiguration<Territory>
{
    public void Configure(EntityTypeBuilder<QueueEntry> entry)
    {
        entry.ToTable("sales_queue");
        entry.HasKey(e => e.ContactId);
        entry.Property(e => e.ContactId).HasMaxLength(200);
        entry.Property(e => e.AssignedBy).HasMaxLength(40);
        entry.HasIndex(e => new { e.OwnerId, e.DueAt });
        entry.HasIndex(e => e.DueAt);
    }

    public void Configure(EntityTypeBuilder<PipelineSettings> settings)
    {
        settings.ToTable("pipeline_settings");
        settings.Property(s => s.Id).ValueGeneratedNever();
        settings.Property(s => s.TimeZone).HasMaxLength(100);
    }

    public void Configure(EntityTypeBuilder<Territory> territory)
    {
        territory.ToTable("territories");
        territory.HasKey(t => t.Country);
        territory.Property(t => t.Country).HasMaxLength(10);
    }
}
