using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Scoring;

public enum ScoreKind { Fit, Engagement }

/// <summary>
/// One change of a contact's score under one model version: the rule that caused it, when, and (for engagement)
/// the event. Append-only. The score at instant t is the sum of the changes up to t, engagement points decayed
/// by their own half-life (kept on the row, so a row explains itself without its model).
/// </summary>
public sealed class ScoreChange
{
    /// <summary>
    /// Rule ids of points a program step awarded (program:{program}:{step}). No model computes them, so a rescore
    /// keeps them, and a new version reads them from the versions they were written under.
    /// </summary>
    public const string ProgramRulePrefix = "program:";

    /// <summary>In scoring_rule_sources: every program rule's rows of the source version count (<see cref="ScoreRows"/>).</summary>
    public const string AllProgramRules = "program:*";

    public long Id { get; set; }
    public required string ContactId { get; set; }
    public DateTime At { get; set; }
    public int ModelVersion { get; set; }
    public required string RuleId { get; set; }
    public ScoreKind Kind { get; set; }
    public int Points { get; set; }
    public double? HalfLifeDays { get; set; }
    public string? MessageId { get; set; }
}

/// <summary>A stored model version. The latest activated version is the one scoring runs on.</summary>
public sealed class ScoringModelVersion
{
    public int Version { get; set; }
    public required string Definition { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>Set when everyone has been scored under this version (a rescore), from then on it is current.</summary>
    public DateTime? ActivatedAt { get; set; }
}

/// <summary>
/// A rule a model version kept unchanged from an earlier version: the score changes that rule wrote under
/// <see cref="SourceVersion"/> count under <see cref="Version"/> too, so a rescore does not rewrite them. A version
/// lists every earlier version its kept rule's changes come from (a rule kept over several versions has one row each).
/// </summary>
public sealed class ScoringRuleSource
{
    public int Version { get; set; }
    public required string RuleId { get; set; }
    public int SourceVersion { get; set; }
}

/// <summary>How far the scoring worker has read the events table: the last (received_at, message_id) scored.</summary>
public sealed class ScoringCursor
{
    public required string Name { get; set; }
    public DateTime ReceivedAt { get; set; }
    public required string MessageId { get; set; }
}

internal sealed class ScoreChangeConfiguration : IEntityTypeConfiguration<ScoreChange>
{
    public void Configure(EntityTypeBuilder<ScoreChange> change)
    {
        change.ToTable("score_changes");
        change.Property(c => c.ContactId).HasMaxLength(200);
        change.Property(c => c.RuleId).HasMaxLength(64);
        change.Property(c => c.MessageId).HasMaxLength(200);
        change.Property(c => c.Kind).HasConversion(k => Storage.SnakeCase.Of(k.ToString()), v => Enum.Parse<ScoreKind>(v, true)).HasMaxLength(16);
        // No index on message_id: nothing reads score changes by event, and a rescore writes millions of rows.
        change.HasIndex(c => new { c.ContactId, c.ModelVersion, c.At });
        change.HasIndex(c => new { c.ModelVersion, c.At });
    }
}

internal sealed class ScoringModelVersionConfiguration : IEntityTypeConfiguration<ScoringModelVersion>
{
    public void Configure(EntityTypeBuilder<ScoringModelVersion> model)
    {
        model.ToTable("scoring_models");
        model.HasKey(m => m.Version);
        model.Property(m => m.Version).ValueGeneratedNever();
    }
}

internal sealed class ScoringRuleSourceConfiguration : IEntityTypeConfiguration<ScoringRuleSource>
{
    public void Configure(EntityTypeBuilder<ScoringRuleSource> source)
    {
        source.ToTable("scoring_rule_sources");
        source.HasKey(s => new { s.Version, s.RuleId, s.SourceVersion });
        source.Property(s => s.RuleId).HasMaxLength(64);
    }
}

internal sealed class ScoringCursorConfiguration : IEntityTypeConfiguration<ScoringCursor>
{
    public void Configure(EntityTypeBuilder<ScoringCursor> cursor)
    {
        cursor.ToTable("scoring_cursors");
        cursor.HasKey(c => c.Name);
        cursor.Property(c => c.Name).HasMaxLength(64);
        cursor.Property(c => c.MessageId).HasMaxLength(200);
    }
}
