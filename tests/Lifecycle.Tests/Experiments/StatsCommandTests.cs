using System.Text.Json;
using Lifecycle.Tests.Support;

namespace Lifecycle.Tests.Experiments;

public class StatsCommandTests
{
    [Fact]
    public async Task Stats_ab_prints_the_test_statistics_and_the_decision_as_JSON()
    {
        var result = await CliProcess.RunAsync("stats", "ab", "--control", "200/1000", "--variant", "250/1000", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var b = json.RootElement.GetProperty("variants")[0];
        // Values derived by hand in ProportionStatisticsTests.
        Assert.Equal(2.67740, b.GetProperty("z").GetDouble(), 4);
        Assert.Equal(0.00742, b.GetProperty("p_value").GetDouble(), 4);
        Assert.Equal(0.0134635, b.GetProperty("difference_ci")[0].GetDouble(), 6);
        Assert.Equal(0.454978, b.GetProperty("lift_ci")[1].GetDouble(), 5);
        Assert.Equal("B", json.RootElement.GetProperty("decision").GetProperty("winner").GetString());
    }

    [Fact]
    public async Task Stats_ab_prints_a_readable_table_with_the_decision()
    {
        var result = await CliProcess.RunAsync("stats", "ab", "--control", "200/1000", "--variant", "205/1000", "--variant", "240/1000");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("p-value (Holm)", result.Stdout);
        Assert.Contains("decision: control: no variant differs significantly", result.Stdout);
    }

    [Fact]
    public async Task Stats_sample_size_matches_R_power_prop_test()
    {
        // power.prop.test(p1 = .50, p2 = .75, power = .90) => n = 76.7, so 77 per variant.
        var result = await CliProcess.RunAsync("stats", "sample-size", "--baseline", "0.5", "--mde", "0.25", "--power", "0.9", "--json");
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(77, json.RootElement.GetProperty("per_variant").GetInt64());
        Assert.Equal(76.707, json.RootElement.GetProperty("n").GetDouble(), 3);
    }

    [Theory]
    [InlineData(new[] { "ab", "--control", "12/10", "--variant", "1/2" }, "--control: '12/10': conversions (12) exceed n (10)")]
    [InlineData(new[] { "ab", "--control", "1/10", "--variant", "x" }, "--variant: 'x' is not <conversions>/<n>")]
    [InlineData(new[] { "ab", "--control", "1/10", "--variant", "2/10", "--alpha", "1.5" }, "--alpha: 1.5 is not in (0, 1)")]
    [InlineData(new[] { "sample-size", "--baseline", "1.5", "--mde", "0.1" }, "--baseline: 1.5 is not a rate in (0, 1)")]
    [InlineData(new[] { "sample-size", "--baseline", "0.9", "--mde", "0.2" }, "--mde: 0.2 must be non-zero and keep baseline + mde = 1.1 in (0, 1)")]
    public async Task Bad_input_exits_1_naming_the_option_and_the_reason(string[] args, string message)
    {
        var result = await CliProcess.RunAsync(["stats", .. args]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }
}
