using Lifecycle.Experiments;

namespace Lifecycle.Tests.Experiments;

public class ProportionStatisticsTests
{
    private static readonly Arm Control = new(200, 1000), Variant = new(250, 1000);

    [Fact]
    public void Z_test_uses_the_pooled_standard_error_and_a_two_sided_p_value_without_continuity_correction()
    {
        // By hand: p̄ = 450/2000 = 0.225; SE = √(0.225 × 0.775 × (1/1000 + 1/1000)) = √0.00034875 = 0.0186748;
        // z = 0.05 / 0.0186748 = 2.67740. Check: Pearson's X² of the table [[250, 750], [200, 800]] (what R's
        // prop.test(c(250, 200), c(1000, 1000), correct = FALSE) reports) is 2 × 25² × (1/225 + 1/775) = 7.16846 = z².
        // p = 2 × (1 − Φ(2.6774)) = 2 × 0.00371 = 0.00742 (normal table: Φ(2.68) = 0.99632).
        var (z, p) = ProportionStatistics.ZTest(Control, Variant);
        Assert.Equal(2.67740, z, 4);
        Assert.Equal(7.16846, z * z, 4);
        Assert.Equal(0.00742, p, 4);
        // Swapping the arms flips the sign only.
        Assert.Equal(-z, ProportionStatistics.ZTest(Variant, Control).Z, 12);
    }

    [Fact]
    public void Identical_arms_at_0_or_100_percent_cannot_differ()
    {
        Assert.Equal((0.0, 1.0), ProportionStatistics.ZTest(new Arm(0, 50), new Arm(0, 80)));
        Assert.Equal((0.0, 1.0), ProportionStatistics.ZTest(new Arm(50, 50), new Arm(80, 80)));
    }

    [Fact]
    public void The_difference_interval_uses_the_unpooled_Wald_standard_error()
    {
        // SE = √(0.2 × 0.8 / 1000 + 0.25 × 0.75 / 1000) = √0.0003475 = 0.0186414; × 1.959964 = 0.0365365.
        // 0.05 ± 0.0365365 = [0.0134635, 0.0865365].
        var interval = ProportionStatistics.DifferenceInterval(Control, Variant, 0.95);
        Assert.Equal(0.0134635, interval.Low, 6);
        Assert.Equal(0.0865365, interval.High, 6);
    }

    [Fact]
    public void The_lift_interval_comes_from_the_delta_method()
    {
        // Lift 0.25/0.2 − 1 = 0.25. Var ≈ p₂q₂/(n₂p₁²) + p₂²p₁q₁/(n₁p₁⁴) = 0.1875/40 + 0.0625 × 0.16/1.6 = 0.0046875 + 0.00625
        // = 0.0109375; SE = 0.1045825; × 1.959964 = 0.2049780 → [0.045022, 0.454978].
        var interval = ProportionStatistics.LiftInterval(Control, Variant, 0.95)!.Value;
        Assert.Equal(0.045022, interval.Low, 5);
        Assert.Equal(0.454978, interval.High, 5);
        Assert.Null(ProportionStatistics.LiftInterval(new Arm(0, 100), Variant, 0.95));
    }

    [Fact]
    public void Holm_adjusts_step_down_like_R_p_adjust()
    {
        // Sorted 0.01, 0.03, 0.04 × 3, 2, 1 = 0.03, 0.06, 0.04 → non-decreasing: 0.03, 0.06, 0.06.
        // R: p.adjust(c(0.01, 0.04, 0.03), "holm") = 0.03 0.06 0.06.
        Assert.Equal([0.03, 0.06, 0.06], ProportionStatistics.Holm([0.01, 0.04, 0.03]).Select(p => Math.Round(p, 12)));
        // Capped at 1: 0.6 × 2 = 1.2 → 1.
        Assert.Equal([1.0, 1.0], ProportionStatistics.Holm([0.6, 0.7]));
    }

    [Fact]
    public void Sample_size_matches_R_power_prop_test()
    {
        // R's documented example: power.prop.test(p1 = .50, p2 = .75, power = .90)  ## => n = 76.7
        // By hand: p̄ = 0.625; 1.959964 × √(2 × 0.625 × 0.375) = 1.341900; 1.281552 × √(0.25 + 0.1875) = 0.847669;
        // (2.189569)² / 0.25² = 76.707.
        Assert.Equal(76.707, ProportionStatistics.SampleSizePerVariant(0.5, 0.25, 0.05, 0.9), 3);
        // Baseline 10%, +2 points, α 0.05, power 0.8: p̄ = 0.11; 1.959964 × √0.1958 = 0.867270;
        // 0.841621 × √(0.09 + 0.1056) = 0.372220; (1.239490)² / 0.0004 = 3840.8 → 3,841 per variant.
        Assert.Equal(3840.8, ProportionStatistics.SampleSizePerVariant(0.10, 0.02, 0.05, 0.8), 1);
    }

    [Theory]
    [InlineData("12/10", "exceed")]
    [InlineData("3/0", "at least 1")]
    [InlineData("-1/10", "negative")]
    [InlineData("1.5/10", "whole numbers")]
    [InlineData("10", "whole numbers")]
    public void Arms_are_parsed_as_conversions_over_n_with_a_reason_when_bad(string text, string reason)
    {
        Assert.Null(Arm.TryParse(text, out var why));
        Assert.Contains(reason, why);
        Assert.Equal(new Arm(3, 10), Arm.TryParse(" 3 / 10 ", out _));
    }
}
