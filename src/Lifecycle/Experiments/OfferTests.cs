using Lifecycle.Capture;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Experiments;

/// <summary>One version of an offer: what it changes on the form's landing page and embed (null keeps the form's own).</summary>
public sealed record OfferVariant(string Name, double Weight, string? Headline, string? Text, string? ImageUrl, string? SubmitLabel);

/// <summary>
/// An A/B test of a form's offer (lifecycle.md §7). Every visitor until <see cref="DecideAfter"/> is in the test;
/// from then on every visitor sees the decided variant. The first variant is the control.
/// </summary>
public sealed record OfferExperiment(IReadOnlyList<OfferVariant> Variants, double Alpha, DateTime? DecideAfter);

/// <summary>What a test-first offer decided for every later visitor, and why.</summary>
public sealed record OfferDecision(string Winner, string Reason, DateTime DecidedAt);

/// <summary>Per variant: distinct visitors who saw it (viewed or submitted) and how many of them submitted.</summary>
public sealed record OfferArm(string Variant, long Visitors, long Submitted)
{
    public Arm Arm => new(Submitted, Visitors);
}

public sealed record OfferReport(string FormId, IReadOnlyList<OfferArm> Arms, AbTestResult? Analysis, OfferDecision? Decision);

/// <summary>
/// Offers as experiments: which variant a visitor sees (deterministic, by <see cref="VariantAssignment"/> on the
/// test id "form:&lt;form id&gt;" and the visitor's anonymous id, so the same person sees the same page on every
/// visit and the submission is counted where the view was), the counts per variant from the `Form Viewed` and
/// `Form Submitted` events, and the decision once the test ends.
/// </summary>
public static class OfferTests
{
    public const string Metric = "submission";

    public static string TestId(string formId) => $"form:{formId}";

    /// <summary>The variant this visitor sees, or null for a form without an experiment.</summary>
    public static OfferVariant? VariantFor(Form form, string anonymousId)
    {
        if (form.Experiment is not { } experiment) return null;
        if (form.ExperimentDecision is { } decided && experiment.Variants.FirstOrDefault(v => v.Name == decided.Winner) is { } winner) return winner;
        return experiment.Variants[VariantAssignment.Assign(TestId(form.Id), anonymousId, experiment.Variants.Select(v => v.Weight).ToList())];
    }

    /// <summary>
    /// Counts per variant from (variant, anonymous id, submitted?) facts: a visitor counts once per variant, as a
    /// submitter when any of their events there is a submission. Facts of variants no longer defined are ignored.
    /// </summary>
    public static IReadOnlyList<OfferArm> Count(OfferExperiment experiment, IEnumerable<(string Variant, string Visitor, bool Submitted)> facts)
    {
        var visitors = facts.GroupBy(f => (f.Variant, f.Visitor)).Select(g => (g.Key.Variant, Submitted: g.Any(f => f.Submitted))).ToList();
        return experiment.Variants.Select(v => new OfferArm(v.Name,
            visitors.Count(x => x.Variant == v.Name), visitors.Count(x => x.Variant == v.Name && x.Submitted))).ToList();
    }

    public static AbTestResult? Analyze(OfferExperiment experiment, IReadOnlyList<OfferArm> arms) =>
        arms.All(a => a.Visitors > 0)
            ? AbTest.Analyze(arms[0].Arm, arms.Skip(1).Select(a => a.Arm).ToList(), experiment.Alpha, arms.Skip(1).Select(a => a.Variant).ToList())
            : null;

    /// <summary>The winner for every later visitor: a variant only when it beats the control significantly, else the control.</summary>
    public static OfferDecision Decide(OfferExperiment experiment, AbTestResult? analysis, DateTime now)
    {
        var control = experiment.Variants[0].Name;
        if (analysis is null) return new OfferDecision(control, $"not every variant has visitors to compare; the control ({control}) stays", now);
        var winner = analysis.Decision.Winner == AbTest.Control ? control : analysis.Decision.Winner;
        return new OfferDecision(winner, $"{Metric}: {analysis.Decision.Reason}", now);
    }

    public static async Task<OfferReport> ReportAsync(LifecycleDb db, Form form, CancellationToken cancel)
    {
        var experiment = form.Experiment ?? throw new ArgumentException($"form '{form.Id}' has no experiment", nameof(form));
        var facts = (await FormConversion.LoadAsync(db, form.Id, null, null, cancel))
            .Where(e => e is { AnonymousId: not null, Variant: not null })
            .Select(e => (e.Variant!, e.AnonymousId!, e.Name == Submissions.FormSubmitted)).ToList();
        var arms = Count(experiment, facts);
        return new OfferReport(form.Id, arms, Analyze(experiment, arms), form.ExperimentDecision);
    }

    /// <summary>The report of every form that runs an offer test, by form id.</summary>
    public static async Task<List<OfferReport>> ListAsync(LifecycleDb db, CancellationToken cancel)
    {
        var reports = new List<OfferReport>();
        foreach (var form in await db.Set<Form>().AsNoTracking().Where(f => f.Experiment != null).OrderBy(f => f.Id).ToListAsync(cancel))
            reports.Add(await ReportAsync(db, form, cancel));
        return reports;
    }

    /// <summary>
    /// Once the test's time is up, decides once and stores the decision (the first request to get here wins; a
    /// concurrent one finds it taken and reads it back). Returns the form as visitors should now see it.
    /// </summary>
    public static async Task<Form> DecideWhenDueAsync(LifecycleDb db, Form form, DateTime now, CancellationToken cancel)
    {
        if (form.Experiment is not { DecideAfter: { } due } experiment || form.ExperimentDecision is not null || now < due) return form;
        var report = await ReportAsync(db, form, cancel);
        var decision = Decide(experiment, report.Analysis, now);
        await db.Set<Form>().Where(f => f.Id == form.Id && f.ExperimentDecision == null)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.ExperimentDecision, decision), cancel);
        return await db.Set<Form>().AsNoTracking().FirstAsync(f => f.Id == form.Id, cancel);
    }
}
