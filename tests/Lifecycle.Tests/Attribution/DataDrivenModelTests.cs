using Lifecycle.Attribution;

namespace Lifecycle.Tests.Attribution;

/// <summary>Markov removal effects and Shapley values against published worked examples and hand derivations.</summary>
public class DataDrivenModelTests
{
    private static PathCount Path(string path, double conversions, double value = 0, double nulls = 0) =>
        new(path.Split('>', StringSplitOptions.TrimEntries), conversions, value, nulls);

    private static ChannelCredit Channel(AttributionResult result, string name) => result.Channels.Single(c => c.Channel == name);

    [Fact]
    public void Markov_matches_the_analyzecore_worked_example()
    {
        // S. Bryl, "Marketing Multi-Channel Attribution model with R (part 1: Markov chain concept)",
        // analyzecore.com/2016/08/03/attribution-model-r-part-1/ (also the expected values of the tests of the npm
        // package markovattribution): paths C1 > C2 > C3 (1 conversion, value 1000), C1 (null), C2 > C3 (null).
        // P(conversion) = 1/3; without C1 it is 1/6; removal effects C1 0.5, C2 1, C3 1; shares 0.2, 0.4, 0.4.
        PathCount[] paths = [Path("C1 > C2 > C3", 1, 1000), Path("C1", 0, nulls: 1), Path("C2 > C3", 0, nulls: 1)];
        var model = MarkovModel.Fit(paths);
        Assert.Equal(1 / 3.0, model.ConversionProbability(), 12);
        Assert.Equal(1 / 6.0, model.ConversionProbability(model.IndexOf("C1")), 12);
        var effects = model.RemovalEffects();
        Assert.Equal(0.5, effects[model.IndexOf("C1")], 12);
        Assert.Equal(1, effects[model.IndexOf("C2")], 12);
        Assert.Equal(1, effects[model.IndexOf("C3")], 12);

        var result = Attributor.RunOnPaths(AttributionModel.Markov, paths);
        Assert.Equal(0.2, Channel(result, "C1").Conversions, 12);
        Assert.Equal(0.4, Channel(result, "C2").Conversions, 12);
        Assert.Equal(400, Channel(result, "C3").Value, 9);
    }

    [Fact]
    public void Markov_matches_the_removal_effect_example_of_serhiipuzyrov_com()
    {
        // S. Puzyrov, "Markov Chain Attribution – Simple Explanation Of Removal Effect" (2019): google ads (2
        // conversions), mailing (1), google ads > mailing (1), google ads (0 conversions, 1 null). Its transition
        // table: start → ga 0.8, start → mailing 0.2; ga → conv 0.5, ga → mailing 0.25, ga → null 0.25; mailing → conv 1.
        // By hand: P = 0.8 × (0.5 + 0.25 × 1) + 0.2 × 1 = 0.8. Without ga: 0.2 → removal effect 1 − 0.2/0.8 = 0.75.
        // Without mailing: 0.8 × 0.5 = 0.4 → 0.5. Shares 0.75/1.25 = 0.6 and 0.4 of 4 conversions: 2.4 and 1.6.
        PathCount[] paths = [Path("google ads", 2), Path("mailing", 1), Path("google ads > mailing", 1), Path("google ads", 0, nulls: 1)];
        var model = MarkovModel.Fit(paths);
        Assert.Equal(0.8, model.ConversionProbability(), 12);
        var result = Attributor.RunOnPaths(AttributionModel.Markov, paths);
        Assert.Equal(2.4, Channel(result, "google ads").Conversions, 12);
        Assert.Equal(1.6, Channel(result, "mailing").Conversions, 12);
    }

    [Fact]
    public void Markov_solves_chains_with_cycles_exactly()
    {
        // Paths a > b > a (1 conversion) and b (1 null). Transitions: start → a 1/2, start → b 1/2; a → b 1/2,
        // a → conv 1/2; b → a 1/2, b → null 1/2. Absorption: x_a = 1/2 + x_b/2, x_b = x_a/2 → x_a = 2/3, x_b = 1/3,
        // P = (2/3 + 1/3)/2 = 1/2. Without a: x_b = 0, P = 0, effect 1. Without b: x_a = 1/2, P = 1/4, effect 1/2.
        // Shares 2/3 and 1/3 (a simulation would only approach them).
        PathCount[] paths = [Path("a > b > a", 1), Path("b", 0, nulls: 1)];
        Assert.Equal(0.5, MarkovModel.Fit(paths).ConversionProbability(), 12);
        var result = Attributor.RunOnPaths(AttributionModel.Markov, paths);
        Assert.Equal(2 / 3.0, Channel(result, "a").Conversions, 12);
        Assert.Equal(1 / 3.0, Channel(result, "b").Conversions, 12);
    }

    [Fact]
    public void Markov_collapses_repeated_consecutive_channels()
    {
        PathCount[] repeated = [Path("C1 > C1 > C2 > C3 > C3", 1, 1000), Path("C1 > C1", 0, nulls: 1), Path("C2 > C2 > C3", 0, nulls: 1)];
        var result = Attributor.RunOnPaths(AttributionModel.Markov, repeated);
        // The same chain as the analyzecore example: 0.2, 0.4, 0.4.
        Assert.Equal(0.2, Channel(result, "C1").Conversions, 12);
        Assert.Equal(0.4, Channel(result, "C3").Conversions, 12);
    }

    [Fact]
    public void Shapley_splits_each_conversion_over_the_distinct_channels_of_its_journey()
    {
        // Journeys a > b (1 conversion), a (1), a > b > a > c (1, value 30). By hand: a 1/2 + 1 + 1/3 = 11/6,
        // b 1/2 + 1/3 = 5/6, c 1/3; value of the third journey: 10 to each of a, b, c.
        PathCount[] paths = [Path("a > b", 1), Path("a", 1), Path("a > b > a > c", 1, 30)];
        var result = Attributor.RunOnPaths(AttributionModel.Shapley, paths);
        Assert.Equal(11 / 6.0, Channel(result, "a").Conversions, 12);
        Assert.Equal(5 / 6.0, Channel(result, "b").Conversions, 12);
        Assert.Equal(1 / 3.0, Channel(result, "c").Conversions, 12);
        Assert.Equal(10, Channel(result, "c").Value, 12);
    }

    [Fact]
    public void The_closed_form_equals_the_Shapley_value_computed_from_its_definition()
    {
        // The definition, independently: φ_i = Σ over coalitions S without i of |S|!(n−|S|−1)!/n! × (v(S∪{i}) − v(S)),
        // with v(S) = conversions whose distinct channels are all in S.
        PathCount[] paths =
        [
            Path("a > b", 3), Path("c", 2), Path("b > c > d", 1), Path("a > d > a", 4), Path("d", 0, nulls: 5), Path("a > b > c > d", 2),
        ];
        string[] channels = ["a", "b", "c", "d"];
        double Worth(int mask) => paths.Where(p => p.Channels.All(c => (mask & (1 << Array.IndexOf(channels, c))) != 0)).Sum(p => p.Conversions);
        double Factorial(int k) => k <= 1 ? 1 : k * Factorial(k - 1);
        var result = Attributor.RunOnPaths(AttributionModel.Shapley, paths);
        for (var i = 0; i < channels.Length; i++)
        {
            var phi = 0.0;
            for (var mask = 0; mask < 16; mask++)
            {
                if ((mask & (1 << i)) != 0) continue;
                var size = System.Numerics.BitOperations.PopCount((uint)mask);
                phi += Factorial(size) * Factorial(channels.Length - size - 1) / Factorial(channels.Length) * (Worth(mask | (1 << i)) - Worth(mask));
            }
            Assert.Equal(phi, Channel(result, channels[i]).Conversions, 12);
        }
    }

    [Fact]
    public void Rate_based_Shapley_credits_by_the_conversion_rate_game()
    {
        // Journeys: {a} 1 conversion + 1 null; {b} 2 nulls; {a, b} 5 conversions + 1 null.
        // v(a) = 1/2, v(b) = 0/2 = 0, v(ab) = (1 + 0 + 5)/(2 + 2 + 6) = 0.6.
        // φ_a = ½(v(a) − 0) + ½(v(ab) − v(b)) = 0.25 + 0.3 = 0.55; φ_b = ½(0 − 0) + ½(0.6 − 0.5) = 0.05 (sum 0.6 = v(ab)).
        // Shares 0.55/0.6 = 11/12 and 1/12 of the 6 conversions: 5.5 and 0.5.
        PathCount[] paths = [Path("a", 1, nulls: 1), Path("b", 0, nulls: 2), Path("a > b", 5, nulls: 1)];
        var result = Attributor.RunOnPaths(AttributionModel.ShapleyRate, paths);
        Assert.Equal(5.5, Channel(result, "a").Conversions, 12);
        Assert.Equal(0.5, Channel(result, "b").Conversions, 12);
    }

    [Fact]
    public void Rate_based_Shapley_refuses_more_channels_than_it_can_enumerate()
    {
        var paths = Enumerable.Range(0, ShapleyModel.MaxRateChannels + 1).Select(i => Path($"ch{i}", 1)).ToList();
        var error = Assert.Throws<ArgumentException>(() => Attributor.RunOnPaths(AttributionModel.ShapleyRate, paths));
        Assert.Contains("16", error.Message);
    }
}
