using System.Globalization;

namespace Lifecycle.Experiments;

/// <summary>One variant against the control. Intervals are at the confidence 1 − α (95% at the default α = 0.05).</summary>
public sealed record VariantResult(
    string Name, Arm Arm, double Difference, Interval DifferenceInterval, double? Lift, Interval? LiftInterval,
    double Z, double PValue, double AdjustedPValue, bool Significant, double ChanceToBeatControl, double ExpectedLoss);

/// <summary>Who gets the rest of the audience after a test sample, and why.</summary>
public sealed record AbDecision(string Winner, string Reason);

public sealed record AbTestResult(double Alpha, Arm Control, IReadOnlyList<VariantResult> Variants, AbDecision Decision);

/// <summary>
/// Each variant against the control (lifecycle.md §7), with Holm's correction across the variants, and the
/// sample-first decision: a variant goes to the rest only when it beats the control significantly. Pure.
/// </summary>
public static class AbTest
{
    public const string Control = "control";

    /// <summary>Variants are named B, C, D, … in the order given (or by <paramref name="names"/>); the control is A.</summary>
    public static AbTestResult Analyze(Arm control, IReadOnlyList<Arm> variants, double alpha = 0.05, IReadOnlyList<string>? names = null)
    {
        if (names is not null && names.Count != variants.Count) throw new ArgumentException("one name per variant", nameof(names));
        if (variants.Count == 0) throw new ArgumentException("at least one variant is needed", nameof(variants));
        if (alpha is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be in (0, 1)");
        var tests = variants.Select(v => ProportionStatistics.ZTest(control, v)).ToArray();
        var adjusted = ProportionStatistics.Holm(tests.Select(t => t.PValue).ToArray());
        var results = variants.Select((variant, i) =>
        {
            var lift = control.Rate == 0 ? (double?)null : variant.Rate / control.Rate - 1;
            return new VariantResult(names?[i] ?? VariantName(i), variant, variant.Rate - control.Rate,
                ProportionStatistics.DifferenceInterval(control, variant, 1 - alpha), lift,
                ProportionStatistics.LiftInterval(control, variant, 1 - alpha),
                tests[i].Z, tests[i].PValue, adjusted[i], adjusted[i] <= alpha,
                BayesianComparison.ChanceToBeatControl(control, variant), BayesianComparison.ExpectedLoss(control, variant));
        }).ToList();
        return new AbTestResult(alpha, control, results, Decide(control, results, alpha));
    }

    public static string VariantName(int index) => ((char)('B' + index)).ToString();

    /// <summary>
    /// The best significantly better variant wins (highest rate among those whose Holm-adjusted p ≤ α and whose
    /// rate is above the control's); otherwise the control, with the reason.
    /// </summary>
    public static AbDecision Decide(Arm control, IReadOnlyList<VariantResult> variants, double alpha)
    {
        var comparisons = variants.Count == 1 ? "1 comparison" : $"{variants.Count} comparisons";
        var winner = variants.Where(v => v.Significant && v.Difference > 0).OrderByDescending(v => v.Arm.Rate).FirstOrDefault();
        if (winner is not null)
            return new AbDecision(winner.Name, $"{winner.Name} converts at {Percent(winner.Arm.Rate)} against the control's {Percent(control.Rate)}, " +
                $"significant at α = {Number(alpha)} (p = {Number(winner.AdjustedPValue)} after Holm's correction for {comparisons})");
        var worse = variants.Where(v => v.Significant).Select(v => v.Name).ToList();
        if (worse.Count > 0)
            return new AbDecision(Control, $"{string.Join(", ", worse)} significantly worse than the control at α = {Number(alpha)} and no variant significantly better; the control goes to the rest");
        var closest = variants.OrderBy(v => v.AdjustedPValue).First();
        return new AbDecision(Control, $"no variant differs significantly from the control at α = {Number(alpha)} " +
            $"(smallest p after Holm's correction for {comparisons}: {Number(closest.AdjustedPValue)}, {closest.Name}); the control goes to the rest");
    }

    private static string Percent(double rate) => (rate * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
