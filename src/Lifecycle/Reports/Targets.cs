using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Reports;

/// <summary>A target (lifecycle.md §5): a metric id, a month (its first day) and a value.</summary>
public sealed class MetricTarget
{
    public required string MetricId { get; set; }
    public DateOnly Month { get; set; }
    public decimal Value { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// The warning sent when a targeted metric went off track (at risk or behind) in a month: one row per metric and
/// month, so it is sent once even across restarts and several server processes. EmailedAt is null until the
/// warning e-mail was queued in the outbox (which sends and retries it); a check that could not queue it tries again.
/// </summary>
public sealed class TargetWarning
{
    public required string MetricId { get; set; }
    public DateOnly Month { get; set; }
    public PacingStatus Status { get; set; }
    public decimal? Actual { get; set; }
    public decimal? Projection { get; set; }
    public decimal Target { get; set; }
    public DateTime WarnedAt { get; set; }
    public DateTime? EmailedAt { get; set; }
    public int EmailAttempts { get; set; }
    public string? EmailAnswer { get; set; }
}

/// <summary>The marker that the monthly report of a month was built and queued in the outbox (once per month across
/// restarts and processes: it commits with the queued messages).</summary>
public sealed class MonthlyReportRun
{
    public DateOnly Month { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? SentAt { get; set; }
    public int Attempts { get; set; }
    public string? Answer { get; set; }
}

internal sealed class TargetConfiguration :
    IEntityTypeConfiguration<MetricTarget>, IEntityTypeConfiguration<TargetWarning>, IEntityTypeConfiguration<MonthlyReportRun>
{
    public void Configure(EntityTypeBuilder<MetricTarget> target)
    {
        target.ToTable("metric_targets");
        target.HasKey(t => new { t.MetricId, t.Month });
        target.Property(t => t.MetricId).HasMaxLength(100);
    }

    public void Configure(EntityTypeBuilder<TargetWarning> warning)
    {
        warning.ToTable("target_warnings");
        warning.HasKey(w => new { w.MetricId, w.Month });
        warning.Property(w => w.MetricId).HasMaxLength(100);
        warning.Property(w => w.Status).HasConversion<Storage.SnakeCaseEnumConverter<PacingStatus>>().HasMaxLength(20);
        warning.Property(w => w.EmailAnswer).HasMaxLength(1000);
    }

    public void Configure(EntityTypeBuilder<MonthlyReportRun> run)
    {
        run.ToTable("monthly_report_runs");
        run.HasKey(r => r.Month);
        run.Property(r => r.Answer).HasMaxLength(1000);
    }
}
