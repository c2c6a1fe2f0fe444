using Lifecycle.Experiments;
using MathNet.Numerics;

namespace Lifecycle.Tests.Experiments;

public class BayesianComparisonTests
{
    [Fact]
    public void One_trial_each_gives_the_hand_integrated_values()
    {
        // Control 0/1 → Beta(1, 2), density 2(1 − x); variant 1/1 → Beta(2, 1), density 2y.
        // P(variant > control) = ∫ 2y × F_C(y) dy with F_C(y) = 2y − y²: ∫ 4y² − 2y³ = 4/3 − 1/2 = 5/6.
        // Loss of choosing the variant E[(p_C − p_V)⁺] = ∫∫_{x>y} (x − y) 2(1 − x) 2y: the inner integral over x is
        // (1 − y)³/6, so ∫ 4y (1 − y)³ / 6 dy = (2/3) B(2, 4) = (2/3)(1/20) = 1/30.
        // Loss of keeping the control E[(p_V − p_C)⁺] = E[p_V − p_C] + 1/30 = (2/3 − 1/3) + 1/30 = 11/30.
        Arm control = new(0, 1), variant = new(1, 1);
        Assert.Equal(5 / 6.0, BayesianComparison.ChanceToBeatControl(control, variant), 9);
        Assert.Equal(1 / 30.0, BayesianComparison.ExpectedLoss(control, variant), 9);
        Assert.Equal(11 / 30.0, BayesianComparison.ExpectedLoss(variant, control), 9);
    }

    [Theory]
    [InlineData(200, 1000, 250, 1000)]
    [InlineData(30, 1000, 42, 1100)]
    [InlineData(4, 20, 9, 25)]
    [InlineData(1200, 50000, 1290, 50000)]
    [InlineData(1200, 50000, 3, 20)]
    [InlineData(3, 20, 1290, 50000)]
    [InlineData(0, 5000, 1, 3)]
    public void The_chance_to_beat_control_equals_Evan_Miller_s_closed_form_to_1e_6(int cc, int cn, int vc, int vn)
    {
        // E. Miller, "Formulas for Bayesian A/B Testing" (evanmiller.org/bayesian-ab-testing.html), for integer α_B:
        // P(p_B > p_A) = Σ_{i=0}^{α_B−1} B(α_A + i, β_A + β_B) / ((β_B + i) B(1 + i, β_B) B(α_A, β_A)).
        double aA = 1 + cc, bA = 1 + cn - cc, aB = 1 + vc, bB = 1 + vn - vc;
        var closed = 0.0;
        for (var i = 0; i < aB; i++)
            closed += Math.Exp(SpecialFunctions.BetaLn(aA + i, bA + bB) - Math.Log(bB + i) - SpecialFunctions.BetaLn(1 + i, bB) - SpecialFunctions.BetaLn(aA, bA));
        Assert.Equal(closed, BayesianComparison.ChanceToBeatControl(new Arm(cc, cn), new Arm(vc, vn)), 6);
    }

    [Theory]
    [InlineData(200, 1000, 250, 1000)]
    [InlineData(30, 1000, 42, 1100)]
    [InlineData(1200, 50000, 1290, 50000)]
    public void The_two_expected_losses_differ_by_the_difference_of_the_posterior_means(int cc, int cn, int vc, int vn)
    {
        // E[(C − V)⁺] − E[(V − C)⁺] = E[C − V] = μ_C − μ_V, an identity independent of the integration.
        Arm control = new(cc, cn), variant = new(vc, vn);
        var meanC = (1.0 + cc) / (2 + cn);
        var meanV = (1.0 + vc) / (2 + vn);
        Assert.Equal(meanC - meanV, BayesianComparison.ExpectedLoss(control, variant) - BayesianComparison.ExpectedLoss(variant, control), 7);
    }

    [Fact]
    public void Identical_arms_have_an_even_chance()
    {
        Assert.Equal(0.5, BayesianComparison.ChanceToBeatControl(new Arm(37, 400), new Arm(37, 400)), 9);
    }
}
