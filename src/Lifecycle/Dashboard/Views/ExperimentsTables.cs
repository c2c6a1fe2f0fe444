using Lifecycle.Dashboard.Tables;
using Lifecycle.Experiments;

namespace Lifecycle.Dashboard.Views;

/// <summary>One variant's verdict in plain words: who beats whom, with what probability (the Bayesian chance to beat the control).</summary>
public sealed record Verdict(string Winner, string Loser, double Probability);

public sealed record ExperimentsModel(string? Control, IReadOnlyList<string> Variants, IReadOnlyList<string> Errors, AbTestResult? Result,
    IReadOnlyList<Verdict> Verdicts, DataTable Table);

/// <summary>
/// The experiments page: the A/B statistics of Experiments/ (the same as `lifecycle stats ab`) for a control and up to
/// four variants typed as conversions/n. No experiment results are stored yet, so the page is a calculator.
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
        var verdicts = result.Variants.Select(v => v.ChanceToBeatControl >= 0.5
            ? new Verdict(v.Name, "A", v.ChanceToBeatControl) : new Verdict("A", v.Name, 1 - v.ChanceToBeatControl)).ToList();
        var rows = new List<Cell[]> { new Cell[] { new("A"), new(result.Control.Conversions), new(result.Control.Trials), new(result.Control.Rate), new(null), new(null), new(null), new(null), new(null), new(null), new(null) } };
        rows.AddRange(result.Variants.Select(v => new Cell[]
        {
            new(v.Name), new(v.Arm.Conversions), new(v.Arm.Trials), new(v.Arm.Rate), new(v.Lift), new(v.DifferenceInterval.Low), new(v.DifferenceInterval.High),
            new(v.PValue), new(v.AdjustedPValue), new(v.ChanceToBeatControl), new(v.ExpectedLoss),
        }));
        return new ExperimentsModel(control, variants, errors, result, verdicts, new DataTable("variants", "Variants", columns, rows));
    }

    public static Task<IReadOnlyList<DataTable>> TablesAsync(DashboardData data, IQueryCollection query) =>
        Task.FromResult<IReadOnlyList<DataTable>>([Load(query).Table]);
}
