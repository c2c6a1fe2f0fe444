using Lifecycle.Dashboard.Tables;
using Lifecycle.Experiments;
using Lifecycle.Programs;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Dashboard.Views;

/// <summary>One variant's verdict in plain words: who beats whom, with what probability (the Bayesian chance to beat the control).</summary>
public sealed record Verdict(string Winner, string Loser, double Probability);

/// <summary>A program's stored A/B split: its report (Experiments/ProgramSplits) and who beats whom in plain words.</summary>
public sealed record SplitView(string ProgramName, SplitReport Report, IReadOnlyList<Verdict> Verdicts);

public sealed record StoredSplitsModel(IReadOnlyList<SplitView> Splits, DataTable Variants, DataTable Decisions);

public sealed record ExperimentsModel(string? Control, IReadOnlyList<string> Variants, IReadOnlyList<string> Errors, AbTestResult? Result,
    IReadOnlyList<Verdict> Verdicts, DataTable Table);

/// <summary>
/// The experiments page: the A/B statistics of Experiments/ (the same as `lifecycle stats ab`) for a control and up to
/// four variants typed as conversions/n, and every A/B split step of the programs with its counts, statistics and decision.
/// </summary>
public static class ExperimentsTables
{
    public const string Page = "experiments";
    public const int MaxVariants = 4;

    public static ExperimentsModel Load(IQueryCollection query)
    {
        string? control = query["control"];
        var variants = query["variant"].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!).Take(MaxVariants).ToList();
        var errors = new List<string>();
        var columns = new Column[]
        {
            new("variant", "Variant"), new("conversions", "Conversions", ColumnKind.Count), new("n", "Trials", ColumnKind.Count), new("rate", "Rate", ColumnKind.Rate),
            new("lift", "Lift", ColumnKind.Rate), new("difference_low", "Difference, low", ColumnKind.Rate), new("difference_high", "Difference, high", ColumnKind.Rate),
            new("p_value", "p", ColumnKind.Number), new("adjusted_p_value", "p after Holm", ColumnKind.Number),
            new("chance_to_beat_control", "Chance to beat A", ColumnKind.Rate), new("expected_loss", "Expected loss", ColumnKind.Rate),
        };
        var empty = new ExperimentsModel(control, variants, errors, null, [], new DataTable("variants", "Variants", columns, []));
        if (string.IsNullOrWhiteSpace(control)) return empty;
        var controlArm = Arm.TryParse(control, out var reason);
        if (reason is not null) errors.Add($"A: {reason}");
        var arms = variants.Select((v, i) => (Name: AbTest.VariantName(i), Arm: Arm.TryParse(v, out var why), Why: why)).ToList();
        errors.AddRange(arms.Where(a => a.Why is not null).Select(a => $"{a.Name}: {a.Why}"));
        if (variants.Count == 0) errors.Add("B: a variant is needed");
        if (errors.Count > 0) return empty;

        var result = AbTest.Analyze(controlArm!.Value, arms.Select(a => a.Arm!.Value).ToList());
        var verdicts = Verdicts(result, "A");
        var rows = new List<Cell[]> { new Cell[] { new("A"), new(result.Control.Conversions), new(result.Control.Trials), new(result.Control.Rate), new(null), new(null), new(null), new(null), new(null), new(null), new(null) } };
        rows.AddRange(result.Variants.Select(v => new Cell[]
        {
            new(v.Name), new(v.Arm.Conversions), new(v.Arm.Trials), new(v.Arm.Rate), new(v.Lift), new(v.DifferenceInterval.Low), new(v.DifferenceInterval.High),
            new(v.PValue), new(v.AdjustedPValue), new(v.ChanceToBeatControl), new(v.ExpectedLoss),
        }));
        return new ExperimentsModel(control, variants, errors, result, verdicts, new DataTable("variants", "Variants", columns, rows));
    }

    public static async Task<StoredSplitsModel> LoadSplitsAsync(DashboardData data)
    {
        var names = await data.Db.Set<StoredProgram>().AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.Name);
        var splits = (await ExperimentEndpoints.ListSplitsAsync(data.Db, default))
            .Select(r => new SplitView(names.GetValueOrDefault(r.ProgramId, r.ProgramId), r, r.Analysis is { } a ? Verdicts(a, r.Arms[0].Variant) : [])).ToList();
        var rows = splits.SelectMany(s => s.Report.Arms.Select((arm, i) =>
        {
            var stats = i > 0 ? s.Report.Analysis?.Variants[i - 1] : null;
            var measured = arm.ArmFor(s.Report.Metric);
            return new Cell[]
            {
                new(s.ProgramName, ProgramsTables.Href(s.Report.ProgramId)), new(s.Report.StepId), new(s.Report.Metric), new(arm.Variant), new(arm.Contacts),
                new(arm.Sent), new(arm.Opened), new(arm.Clicked), new(arm.Converted), new(measured.Trials > 0 ? measured.Rate : null),
                new(stats?.Lift), new(stats?.LiftInterval?.Low), new(stats?.LiftInterval?.High), new(stats?.PValue), new(stats?.ChanceToBeatControl),
            };
        })).ToList();
        return new StoredSplitsModel(splits,
            new DataTable("splits", "A/B splits in programs",
                [new("program", "Program"), new("step", "Step"), new("metric", "Metric"), new("variant", "Variant"), new("contacts", "Contacts", ColumnKind.Count),
                 new("sent", "Sent", ColumnKind.Count), new("opened", "Opened", ColumnKind.Count), new("clicked", "Clicked", ColumnKind.Count),
                 new("converted", "Converted", ColumnKind.Count), new("rate", "Rate", ColumnKind.Rate), new("lift", "Lift", ColumnKind.Rate),
                 new("lift_low", "Lift, low", ColumnKind.Rate), new("lift_high", "Lift, high", ColumnKind.Rate), new("p_value", "p", ColumnKind.Number),
                 new("chance_to_beat_control", "Chance to beat the control", ColumnKind.Rate)], rows),
            new DataTable("decisions", "Decisions",
                [new("program", "Program"), new("step", "Step"), new("winner", "Winner"), new("reason", "Reason"), new("decided_at", "Decided", ColumnKind.Time)],
                splits.Where(s => s.Report.Decision is not null).Select(s => new Cell[]
                {
                    new(s.ProgramName, ProgramsTables.Href(s.Report.ProgramId)), new(s.Report.StepId), new(s.Report.Decision!.Winner), new(s.Report.Decision.Reason),
                    new(s.Report.Decision.DecidedAt),
                }).ToList()));
    }

    /// <summary>Every form's offer test: per variant visitors, submitters and the statistics, with the decision once made.</summary>
    public static async Task<DataTable> LoadOffersAsync(DashboardData data)
    {
        var rows = (await OfferTests.ListAsync(data.Db, default)).SelectMany(report => report.Arms.Select((arm, i) =>
        {
            var stats = i > 0 ? report.Analysis?.Variants[i - 1] : null;
            return new Cell[]
            {
                new(report.FormId), new(arm.Variant), new(arm.Visitors), new(arm.Submitted), new(arm.Visitors > 0 ? arm.Arm.Rate : null),
                new(stats?.Lift), new(stats?.LiftInterval?.Low), new(stats?.LiftInterval?.High), new(stats?.PValue), new(stats?.ChanceToBeatControl),
                new(i == 0 ? report.Decision?.Winner : null), new(i == 0 ? report.Decision?.Reason : null),
            };
        })).ToList();
        return new DataTable("offers", "Offer tests on forms",
            [new("form", "Form"), new("variant", "Variant"), new("visitors", "Visitors", ColumnKind.Count), new("submitted", "Submitted", ColumnKind.Count),
             new("rate", "Rate", ColumnKind.Rate), new("lift", "Lift", ColumnKind.Rate), new("lift_low", "Lift, low", ColumnKind.Rate),
             new("lift_high", "Lift, high", ColumnKind.Rate), new("p_value", "p", ColumnKind.Number),
             new("chance_to_beat_control", "Chance to beat the control", ColumnKind.Rate), new("winner", "Winner"), new("reason", "Reason")], rows);
    }

    public static async Task<IReadOnlyList<DataTable>> TablesAsync(DashboardData data, IQueryCollection query)
    {
        var stored = await LoadSplitsAsync(data);
        return [Load(query).Table, stored.Variants, stored.Decisions, await LoadOffersAsync(data)];
    }

    /// <summary>Each variant against the control in plain words, from the Bayesian chance to beat it.</summary>
    private static List<Verdict> Verdicts(AbTestResult result, string control) =>
        result.Variants.Select(v => v.ChanceToBeatControl >= 0.5
            ? new Verdict(v.Name, control, v.ChanceToBeatControl) : new Verdict(control, v.Name, 1 - v.ChanceToBeatControl)).ToList();
}
