using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Programs;

/// <summary>A saved program: its definition as JSON (checked by <see cref="ProgramCheck"/>) and its status.</summary>
public sealed class StoredProgram
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public ProgramStatus Status { get; set; }
    public required string Definition { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public ProgramDefinition Parse() => ProgramDefinition.FromJson(Definition) with { Status = Status };
}

public enum EnrolmentState { Active, Completed, Goal, Dropped }

/// <summary>
/// A contact's way through a program. At most one is active per contact and program (a partial unique index).
/// The worker takes it up at <see cref="DueAt"/>: <see cref="CurrentStepId"/> is entered next, or, when
/// <see cref="Waiting"/>, is the wait step whose time has come.
/// </summary>
public sealed class Enrolment
{
    public long Id { get; set; }
    public required string ProgramId { get; set; }
    public required string ContactId { get; set; }
    public EnrolmentState State { get; set; }
    public required string CurrentStepId { get; set; }
    /// <summary>How many steps it has entered; the number of the latest step run (a step entered twice in a loop has two).</summary>
    public int Visit { get; set; }
    public bool Waiting { get; set; }
    public DateTime DueAt { get; set; }
    /// <summary>What enrolled it: api, segment, event, missed_action, date or recycled.</summary>
    public required string Trigger { get; set; }
    public DateTime EnteredAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public string? EndReason { get; set; }
    public string? LastError { get; set; }
}

public enum StepOutcome { Completed, Goal, Dropped }

/// <summary>One entry of an enrolment into a step; unique per (enrolment, step, visit), so a step runs once.</summary>
public sealed class StepRun
{
    public long Id { get; set; }
    public long EnrolmentId { get; set; }
    public required string ProgramId { get; set; }
    public required string StepId { get; set; }
    public int Visit { get; set; }
    public required string ContactId { get; set; }
    public DateTime EnteredAt { get; set; }
    public DateTime? EndedAt { get; set; }
    /// <summary>Null while the contact is still in the step (a wait).</summary>
    public StepOutcome? Outcome { get; set; }
    /// <summary>The arm taken, the message queued, or why the step was dropped.</summary>
    public string? Detail { get; set; }
}

/// <summary>How far a trigger has read (events by arrival, transitions, missed-action deadlines, date days).</summary>
public sealed class ProgramCursor
{
    public required string Name { get; set; }
    public DateTime At { get; set; }
    public required string Key { get; set; }
}

internal sealed class ProgramConfiguration : IEntityTypeConfiguration<StoredProgram>
{
    public void Configure(EntityTypeBuilder<StoredProgram> e)
    {
        e.ToTable("programs");
        e.Property(p => p.Id).HasMaxLength(200);
        e.Property(p => p.Status).HasConversion<SnakeCaseEnumConverter<ProgramStatus>>().HasMaxLength(20);
    }
}

internal sealed class EnrolmentConfiguration : IEntityTypeConfiguration<Enrolment>
{
    public void Configure(EntityTypeBuilder<Enrolment> e)
    {
        e.ToTable("program_enrolments");
        e.Property(x => x.ProgramId).HasMaxLength(200);
        e.Property(x => x.ContactId).HasMaxLength(200);
        e.Property(x => x.CurrentStepId).HasMaxLength(200);
        e.Property(x => x.Trigger).HasMaxLength(40);
        e.Property(x => x.State).HasConversion<SnakeCaseEnumConverter<EnrolmentState>>().HasMaxLength(20);
        // One active enrolment per contact and program, enforced by the database whatever the number of workers.
        e.HasIndex(x => new { x.ProgramId, x.ContactId }).IsUnique().HasFilter("state = 'active'");
        e.HasIndex(x => new { x.State, x.DueAt });
        e.HasIndex(x => new { x.ContactId, x.ProgramId });
    }
}

internal sealed class StepRunConfiguration : IEntityTypeConfiguration<StepRun>
{
    public void Configure(EntityTypeBuilder<StepRun> e)
    {
        e.ToTable("program_step_runs");
        e.Property(x => x.ProgramId).HasMaxLength(200);
        e.Property(x => x.StepId).HasMaxLength(200);
        e.Property(x => x.ContactId).HasMaxLength(200);
        e.Property(x => x.Outcome).HasConversion<SnakeCaseEnumConverter<StepOutcome>>().HasMaxLength(20);
        e.HasIndex(x => new { x.EnrolmentId, x.StepId, x.Visit }).IsUnique();
        e.HasIndex(x => new { x.ProgramId, x.EnteredAt });
    }
}

internal sealed class ProgramCursorConfiguration : IEntityTypeConfiguration<ProgramCursor>
{
    public void Configure(EntityTypeBuilder<ProgramCursor> e)
    {
        e.ToTable("program_cursors");
        e.HasKey(c => c.Name);
        e.Property(c => c.Name).HasMaxLength(300);
        e.Property(c => c.Key).HasMaxLength(200);
    }
}
