using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Lifecycle.Experiments;

/// <summary>
/// Beta-binomial comparison with a Beta(1, 1) prior (lifecycle.md §7): each arm's rate has the posterior
/// Beta(1 + conversions, 1 + misses). Both quantities are one-dimensional integrals over the variant's rate y,
/// computed by composite Gauss–Legendre quadrature to far below the 1e-6 asked:
/// P(variant > control) = ∫ f_V(y) F_C(y) dy, and the expected loss of choosing the variant
/// E[max(p_C − p_V, 0)] = ∫ f_V(y) [μ_C (1 − I_y(α_C + 1, β_C)) − y (1 − I_y(α_C, β_C))] dy
/// (using x·f_C(x) = μ_C·f of Beta(α_C + 1, β_C)). Pure.
/// </summary>
public static class BayesianComparison
{
    public static double ChanceToBeatControl(Arm control, Arm variant)
    {
        var (ac, bc) = Posterior(control);
        return Math.Clamp(Integrate(variant, control, y => SpecialFunctions.BetaRegularized(ac, bc, y)), 0, 1);
    }

    /// <summary>The conversion rate given up, on average, by choosing the variant over the control.</summary>
    public static double ExpectedLoss(Arm control, Arm variant)
    {
        var (ac, bc) = Posterior(control);
        var mean = ac / (ac + bc);
        return Math.Max(0, Integrate(variant, control, y =>
            mean * (1 - SpecialFunctions.BetaRegularized(ac + 1, bc, y)) - y * (1 - SpecialFunctions.BetaRegularized(ac, bc, y))));
    }

    private static (double Alpha, double Beta) Posterior(Arm arm) => (1 + arm.Conversions, 1 + arm.Trials - arm.Conversions);

    /// <summary>
    /// ∫₀¹ f_V(y)·g(y) dy for a smooth g that changes over the control posterior's width. Composite 32-point
    /// Gauss–Legendre over the variant posterior's effective support (±40 sd, where the mass left outside is far
    /// below 1e-12), with panels half a standard deviation wide of either posterior where each has its mass:
    /// every panel sees a nearly polynomial integrand, so the rule is exact to rounding. A fixed rule, not an
    /// adaptive one, because the loss integrand carries rounding noise that an adaptive error estimate chases.
    /// </summary>
    private static double Integrate(Arm variant, Arm control, Func<double, double> g)
    {
        var (low, high, step) = Support(variant);
        var breaks = new SortedSet<double> { low, high };
        AddBreaks(breaks, low, high, low, high, step);
        var (cLow, cHigh, cStep) = Support(control);
        AddBreaks(breaks, low, high, cLow, cHigh, cStep);
        var (a, b) = Posterior(variant);
        var total = 0.0;
        var previous = double.NaN;
        foreach (var point in breaks)
        {
            if (!double.IsNaN(previous))
                total += MathNet.Numerics.Integrate.GaussLegendre(y => Math.Exp(Beta.PDFLn(a, b, y)) * g(y), previous, point, 32);
            previous = point;
        }
        return total;
    }

    private static (double Low, double High, double Step) Support(Arm arm)
    {
        var (a, b) = Posterior(arm);
        var mean = a / (a + b);
        var sd = Math.Sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
        return (Math.Max(0, mean - 40 * sd), Math.Min(1, mean + 40 * sd), sd / 2);
    }

    private static void AddBreaks(SortedSet<double> breaks, double low, double high, double from, double to, double step)
    {
        for (var x = from; x < to; x += step)
            if (x > low && x < high) breaks.Add(x);
    }
}
