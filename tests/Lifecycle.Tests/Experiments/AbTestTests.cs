using Lifecycle.Experiments;

namespace Lifecycle.Tests.Experiments;

public class AbTestTests
{
    private static VariantResult Result(string name, double rate, double difference, double adjustedP, bool significant) =>
        new(name, new Arm((long)(rate * 1000), 1000), difference, default, null, null, 0, adjustedP, adjustedP, significant, 0.5, 0);

    private static readonly Arm Control = new(200, 1000);

    [Fact]
    public void A_significantly_better_variant_goes_to_the_rest_with_the_reason()
    {
        // 250/1000 against 200/1000: p = 0.0074 (ProportionStatisticsTests), below 0.05.
        var result = AbTest.Analyze(Control, [new Arm(250, 1000)], 0.05);
        Assert.Equal("B", result.Decision.Winner);
        Assert.Contains("significant at α = 0.05", result.Decision.Reason);
        Assert.True(result.Variants[0].Significant);
    }

    [Fact]
    public void Holm_s_correction_can_keep_the_control_where_one_test_alone_would_not()
    {
        // 240/1000 alone: p̄ = 0.22, SE = √(0.22 × 0.78 × 0.002) = 0.018526, z = 0.04 / 0.018526 = 2.159, p = 0.031 < 0.05.
        // With a second variant (205/1000, p ≈ 0.78) Holm multiplies the smallest p by 2: 0.062 > 0.05.
        var alone = AbTest.Analyze(Control, [new Arm(240, 1000)]);
        Assert.Equal("B", alone.Decision.Winner);
        var two = AbTest.Analyze(Control, [new Arm(240, 1000), new Arm(205, 1000)]);
        Assert.Equal(2 * two.Variants[0].PValue, two.Variants[0].AdjustedPValue, 12);
        Assert.Equal(AbTest.Control, two.Decision.Winner);
        Assert.Contains("no variant differs significantly", two.Decision.Reason);
        Assert.Contains("B", two.Decision.Reason);
    }

    [Fact]
    public void The_best_of_several_significant_variants_wins()
    {
        var decision = AbTest.Decide(Control, [Result("B", 0.26, 0.06, 0.01, true), Result("C", 0.28, 0.08, 0.001, true), Result("D", 0.30, 0.10, 0.2, false)], 0.05);
        Assert.Equal("C", decision.Winner);
    }

    [Fact]
    public void A_significantly_worse_variant_keeps_the_control_and_says_so()
    {
        var decision = AbTest.Decide(Control, [Result("B", 0.15, -0.05, 0.001, true)], 0.05);
        Assert.Equal(AbTest.Control, decision.Winner);
        Assert.Contains("B significantly worse", decision.Reason);
    }

    [Fact]
    public void Assignment_is_a_stable_hash_of_test_and_contact()
    {
        // SHA-256("newsletter-2026-03\ncontact-42\nvariant") begins 58584f033e37c7be (coreutils sha256sum);
        // its first 53 bits / 2^53 = 0x58584f033e37c7be >> 11 / 2^53 = 0.3450974829595159.
        Assert.Equal(0.3450974829595159, VariantAssignment.Bucket("newsletter-2026-03", "contact-42"), 15);
        // 0.345 of an even split into two falls in the first half; into three, in the second third.
        Assert.Equal(0, VariantAssignment.Assign("newsletter-2026-03", "contact-42", [1, 1]));
        Assert.Equal(1, VariantAssignment.Assign("newsletter-2026-03", "contact-42", [1, 1, 1]));
        Assert.NotEqual(VariantAssignment.Bucket("newsletter-2026-03", "contact-42"), VariantAssignment.Bucket("newsletter-2026-04", "contact-42"));
    }

    [Fact]
    public void Assignment_splits_an_audience_evenly_and_the_sample_independently()
    {
        // 10,000 contacts in two arms: each count is Binomial(10000, 1/2), sd 50; allow 5 sd.
        var arms = new int[2];
        var sampled = 0;
        var sampledInFirst = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var arm = VariantAssignment.Assign("t", $"contact-{i}", [1, 1]);
            arms[arm]++;
            if (!VariantAssignment.InSample("t", $"contact-{i}", 0.2)) continue;
            sampled++;
            if (arm == 0) sampledInFirst++;
        }
        Assert.InRange(arms[0], 4750, 5250);
        // The 20% sample (sd 40) holds both arms about evenly (sd of the split ≈ 22).
        Assert.InRange(sampled, 1800, 2200);
        Assert.InRange(sampledInFirst, sampled / 2 - 115, sampled / 2 + 115);
    }
}
