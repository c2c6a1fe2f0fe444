using MathNet.Numerics.Distributions;

namespace Lifecycle.Experiments;

/// <summary>Conversions out of trials (recipients, visitors) of one variant.</summary>
public readonly record struct Arm(long Conversions, long Trials)
{
    public double Rate => (double)Conversions / Trials;

    /// <summary>Reads <c>conversions/n</c>; null with the reason when it is not two whole numbers with 0 ≤ conversions ≤ n, n ≥ 1.</summary>
    public static Arm? TryParse(string text, out string? reason)
    {
        reason = null;
        var parts = text.Split('/');
        if (parts.Length != 2 || !long.TryParse(parts[0].Trim(), out var conversions) || !long.TryParse(parts[1].Trim(), out var trials))
            reason = $"'{text}' is not <conversions>/<n> with whole numbers";
        else if (trials < 1) reason = $"'{text}': n must be at least 1";
        else if (conversions < 0) reason = $"'{text}': conversions must not be negative";
        else if (conversions > trials) reason = $"'{text}': conversions ({conversions}) exceed n ({trials})";
        else return new Arm(conversions, trials);
        return null;
    }
}

public readonly record struct Interval(double Low, double High);

/// <summary>The frequentist statistics of lifecycle.md §7. Pure.</summary>
public static class ProportionStatistics
{
    /// <summary>
    /// Two-proportion z-test of variant against control: z = (p₂ − p₁) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)) with the
    /// pooled rate p̄, two-sided p-value, no continuity correction (z² is R's prop.test(correct = FALSE)
    /// statistic). When both arms are all conversions or all misses the rates cannot differ: z = 0, p = 1.
    /// </summary>
    public static (double Z, double PValue) ZTest(Arm control, Arm variant)
    {
        var pooled = (double)(control.Conversions + variant.Conversions) / (control.Trials + variant.Trials);
        var se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / control.Trials + 1.0 / variant.Trials));
        if (se == 0) return (0, 1);
        var z = (variant.Rate - control.Rate) / se;
        return (z, 2 * Normal.CDF(0, 1, -Math.Abs(z)));
    }

    /// <summary>Wald interval of p₂ − p₁ with the unpooled standard error √(p₁q₁/n₁ + p₂q₂/n₂).</summary>
    public static Interval DifferenceInterval(Arm control, Arm variant, double confidence)
    {
        var (p1, p2) = (control.Rate, variant.Rate);
        var se = Math.Sqrt(p1 * (1 - p1) / control.Trials + p2 * (1 - p2) / variant.Trials);
        var half = Quantile(confidence) * se;
        return new Interval(p2 - p1 - half, p2 - p1 + half);
    }

    /// <summary>
    /// Interval of the relative lift p₂/p₁ − 1 by the delta method:
    /// Var(p₂/p₁) ≈ p₂q₂/(n₂p₁²) + p₂²p₁q₁/(n₁p₁⁴). Null when the control rate is 0 (no lift is defined).
    /// </summary>
    public static Interval? LiftInterval(Arm control, Arm variant, double confidence)
    {
        var (p1, p2) = (control.Rate, variant.Rate);
        if (p1 == 0) return null;
        var se = Math.Sqrt(p2 * (1 - p2) / (variant.Trials * p1 * p1) + p2 * p2 * p1 * (1 - p1) / (control.Trials * Math.Pow(p1, 4)));
        var lift = p2 / p1 - 1;
        var half = Quantile(confidence) * se;
        return new Interval(lift - half, lift + half);
    }

    /// <summary>
    /// Holm's step-down adjustment: sorted ascending, p₍ᵢ₎ × (m − i + 1), made non-decreasing and capped at 1.
    /// A hypothesis is rejected at level α when its adjusted p-value is ≤ α (as R's p.adjust(method = "holm")).
    /// </summary>
    public static double[] Holm(IReadOnlyList<double> pValues)
    {
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ToArray();
        var adjusted = new double[m];
        var running = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            running = Math.Max(running, Math.Min(1, (m - rank) * pValues[order[rank]]));
            adjusted[order[rank]] = running;
        }
        return adjusted;
    }

    /// <summary>
    /// Sample size per variant to detect <paramref name="baseline"/> → baseline + <paramref name="mde"/> with a
    /// two-sided test at <paramref name="alpha"/> and the given power: the normal approximation that R's
    /// power.prop.test solves (strict = FALSE), n = (z₁₋α/₂·√(2p̄q̄) + z_power·√(p₁q₁ + p₂q₂))² / (p₂ − p₁)².
    /// </summary>
    public static double SampleSizePerVariant(double baseline, double mde, double alpha, double power)
    {
        var (p1, p2) = (baseline, baseline + mde);
        var mean = (p1 + p2) / 2;
        var root = Normal.InvCDF(0, 1, 1 - alpha / 2) * Math.Sqrt(2 * mean * (1 - mean))
                   + Normal.InvCDF(0, 1, power) * Math.Sqrt(p1 * (1 - p1) + p2 * (1 - p2));
        return root * root / (mde * mde);
    }

    private static double Quantile(double confidence) => Normal.InvCDF(0, 1, 1 - (1 - confidence) / 2);
}
