using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Lifecycle.Experiments;

/// <summary>
/// Beta-binomial comparison with a Beta(1, 1) prior (lifecycle.md §7): each arm's rate has the posterior
/// Beta(1 + conversions, 1 + misses). Both quantities are one-dimensional integrals over the variant's rate y,
/// computed by adaptive Gauss–Kronrod quadrature to an absolute error far below 1e-6:
/// P(variant > control) = ∫ f_V(y) F_C(y) dy, and the expected loss of choosing the variant
/// E[max(p_C − p_V, 0)] = ∫ f_V(y) [μ_C (1 − I_y(α_C + 1, β_C)) − y (1 − I_y(α_C, β_C))] dy
/// (using x·f_C(x) = μ_C·f of Beta(α_C + 1, β_C)). Pure.
/// </summary>
public static class BayesianComparison
{
    public static double ChanceToBeatControl(Arm control, Arm variant)
    {
        var (ac, bc) = Posterior(control);
        return Integrate(variant, y => SpecialFunctions.BetaRegularized(ac, bc, y));
    }

    /// <summary>The conversion rate given up, on average, by choosing the variant over the control.</summary>
    public static double ExpectedLoss(Arm control, Arm variant)
    {
        var (ac, bc) = Posterior(control);
        var mean = ac / (ac + bc);
        return Math.Max(0, Integrate(variant, y =>
            mean * (1 - SpecialFunctions.BetaRegularized(ac + 1, bc, y)) - y * (1 - SpecialFunctions.BetaRegularized(ac, bc, y))));
    }

    private static (double Alpha, double Beta) Posterior(Arm arm) => (1 + arm.Conversions, 1 + arm.Trials - arm.Conversions);

    /// <summary>∫₀¹ f_V(y)·g(y) dy for 0 ≤ g ≤ 1, over the variant posterior's effective support (±40 sd).</summary>
    private static double Integrate(Arm variant, Func<double, double> g)
    {
        var (a, b) = Posterior(variant);
        var mean = a / (a + b);
        var sd = Math.Sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
        var low = Math.Max(0, mean - 40 * sd);
        var high = Math.Min(1, mean + 40 * sd);
        // Pieces keep each panel's integrand smooth enough for the adaptive rule when the posterior is narrow.
        const int pieces = 16;
        var total = 0.0;
        for (var i = 0; i < pieces; i++)
        {
            var from = low + (high - low) * i / pieces;
            var to = low + (high - low) * (i + 1) / pieces;
            total += MathNet.Numerics.Integrate.GaussKronrod(y => Math.Exp(Beta.PDFLn(a, b, y)) * g(y), from, to, 1e-12, 20, 21);
        }
        return Math.Clamp(total, 0, 1);
    }
}
