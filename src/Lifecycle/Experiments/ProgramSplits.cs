using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Programs;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Experiments;

/// <summary>What a test-first split decided for the rest of its audience, and why; one per program and step.</summary>
public sealed class SplitDecision
{
    public required string ProgramId { get; set; }
    public required string StepId { get; set; }
    /// <summary>The variant the rest takes (its name in the program).</summary>
    public required string Winner { get; set; }
    public required string Reason { get; set; }
    public DateTime DecidedAt { get; set; }
}

internal sealed class SplitDecisionConfiguration : IEntityTypeConfiguration<SplitDecision>
{
    public void Configure(EntityTypeBuilder<SplitDecision> e)
    {
        e.ToTable("split_decisions");
        e.HasKey(d => new { d.ProgramId, d.StepId });
        e.Property(d => d.ProgramId).HasMaxLength(200);
        e.Property(d => d.StepId).HasMaxLength(200);
        e.Property(d => d.Winner).HasMaxLength(200);
    }
}

/// <summary>Per variant of a split: contacts that took it, messages the program sent them after, how many of those
/// were opened and clicked, and contacts that reached the conversion status after the split.</summary>
public sealed record ArmCounts(string Variant, long Contacts, long Sent, long Opened, long Clicked, long Converted)
{
    public Arm ArmFor(string metric) => metric switch
    {
        "open" => new Arm(Opened, Sent),
        "click" => new Arm(Clicked, Sent),
        _ => new Arm(Converted, Contacts),
    };
}

public sealed record SplitReport(string ProgramId, string StepId, string Metric, string ConversionStatus, IReadOnlyList<ArmCounts> Arms,
    AbTestResult? Analysis, SplitDecision? Decision);

/// <summary>
/// A/B split steps of programs as experiments (lifecycle.md §7): which variant a contact takes (deterministic, by
/// <see cref="VariantAssignment"/> on the test id "program:step"), whether it is in the test sample, the counts
/// per variant from what was really sent and done, and the analysis with the first variant as the control.
/// </summary>
public static class ProgramSplits
{
    public static readonly string[] Metrics = ["open", "click", "conversion"];
    public const string DefaultMetric = "click";
    public const double DefaultAlpha = 0.05;

    public static string TestId(string programId, string stepId) => $"{programId}:{stepId}";

    public static int ArmOf(string programId, ProgramStep split, string contactId) =>
        VariantAssignment.Assign(TestId(programId, split.Id!), contactId, split.Variants!.Select(v => (double)v.Weight).ToList());

    public static bool InSample(string programId, ProgramStep split, string contactId) =>
        split.Sample is not { } fraction || VariantAssignment.InSample(TestId(programId, split.Id!), contactId, fraction);

    public static string VariantName(ProgramStep split, int index) => split.Variants![index].Name ?? $"variant {index}";

    public static async Task<SplitReport> ReportAsync(LifecycleDb db, string programId, ProgramStep split, CancellationToken cancel)
    {
        var metric = split.Metric ?? DefaultMetric;
        var status = split.Status is { } named && SnakeCase.TryParseEnum<ContactStatus>(named, out var parsed) ? parsed : ContactStatus.Mql;
        // A contact counts once, in the variant it took first (re-entries take the same one).
        var entries = (await db.Set<StepRun>().AsNoTracking()
                .Where(r => r.ProgramId == programId && r.StepId == split.Id && r.Outcome == StepOutcome.Completed && r.Detail != null)
                .Select(r => new { r.ContactId, r.Detail, r.EnteredAt }).ToListAsync(cancel))
            .GroupBy(r => r.ContactId).Select(g => g.OrderBy(r => r.EnteredAt).First())
            .ToDictionary(r => r.ContactId);
        var contactIds = entries.Keys.ToList();
        var messages = await db.Set<EmailMessage>().AsNoTracking()
            .Where(m => m.ProgramId == programId && m.ContactId != null && contactIds.Contains(m.ContactId) && m.SentAt != null)
            .Select(m => new { m.Id, m.ContactId, m.CreatedAt }).ToListAsync(cancel);
        var sent = messages.Where(m => m.CreatedAt >= entries[m.ContactId!].EnteredAt).ToList();
        // E-mail events are keyed "<message id>:opened" and "<message id>:clicked:<link>" (EmailFacts).
        var interactions = (await db.Events.AsNoTracking()
                .Where(e => (e.Name == EmailFacts.Opened || e.Name == EmailFacts.Clicked) && e.ContactId != null && contactIds.Contains(e.ContactId))
                .Select(e => new { e.Name, e.MessageId }).ToListAsync(cancel))
            .Select(e => (e.Name, Message: e.MessageId.Split(':')[0])).ToHashSet();
        var converted = (await db.Transitions.AsNoTracking().Where(t => t.ToStatus == status && contactIds.Contains(t.ContactId))
                .Select(t => new { t.ContactId, t.At }).ToListAsync(cancel))
            .Where(t => t.At >= entries[t.ContactId].EnteredAt).Select(t => t.ContactId).ToHashSet();

        var arms = split.Variants!.Select((_, i) =>
        {
            var name = VariantName(split, i);
            var members = entries.Values.Where(e => e.Detail == name).Select(e => e.ContactId).ToHashSet();
            var mine = sent.Where(m => members.Contains(m.ContactId!)).ToList();
            return new ArmCounts(name, members.Count, mine.Count,
                mine.Count(m => interactions.Contains((EmailFacts.Opened, m.Id))), mine.Count(m => interactions.Contains((EmailFacts.Clicked, m.Id))),
                members.Count(converted.Contains));
        }).ToList();
        var control = arms[0].ArmFor(metric);
        var analysis = control.Trials > 0 && arms.Skip(1).All(a => a.ArmFor(metric).Trials > 0)
            ? AbTest.Analyze(control, arms.Skip(1).Select(a => a.ArmFor(metric)).ToList(), split.Alpha ?? DefaultAlpha, arms.Skip(1).Select(a => a.Variant).ToList())
            : null;
        var decision = await db.Set<SplitDecision>().AsNoTracking().FirstOrDefaultAsync(d => d.ProgramId == programId && d.StepId == split.Id, cancel);
        return new SplitReport(programId, split.Id!, metric, SnakeCase.Of(status.ToString()), arms, analysis, decision);
    }

    /// <summary>
    /// The decision for the rest of a test-first split: the analysis's winner (its B, C, … mapped back to the
    /// program's variant names), or the control when no variant is significantly better or nothing can be compared yet.
    /// </summary>
    public static SplitDecision Decide(string programId, ProgramStep split, SplitReport report, DateTime now)
    {
        var control = VariantName(split, 0);
        if (report.Analysis is not { } analysis)
            return new SplitDecision
            {
                ProgramId = programId, StepId = split.Id!, Winner = control, DecidedAt = now,
                Reason = $"not every variant has {(report.Metric == "conversion" ? "contacts" : "sent messages")} to compare; the control ({control}) goes to the rest",
            };
        var winner = analysis.Decision.Winner == AbTest.Control ? control : analysis.Decision.Winner;
        return new SplitDecision { ProgramId = programId, StepId = split.Id!, Winner = winner, Reason = $"{report.Metric}: {analysis.Decision.Reason}", DecidedAt = now };
    }
}
