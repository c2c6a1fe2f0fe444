using System.Text.Json;
using Lifecycle.Tests.Support;

namespace Lifecycle.Tests.Attribution;

public class AttributionCommandTests
{
    private static string PathFile(string body)
    {
        var file = Path.Combine(Path.GetTempPath(), $"paths-{Guid.NewGuid():N}.csv");
        File.WriteAllText(file, "path;total_conversions;total_conversion_value;total_null\n" + body);
        return file;
    }

    [Fact]
    public async Task Markov_on_a_path_file_prints_each_channel_s_credited_conversions_and_value_as_JSON()
    {
        // The analyzecore example (see DataDrivenModelTests): C1 0.2, C2 0.4, C3 0.4 of 1 conversion worth 1000.
        var file = PathFile("C1 > C2 > C3;1;1000;0\nC1;0;0;1\nC2 > C3;0;0;1\n");
        var result = await CliProcess.RunAsync("attribution", "--paths", file, "--model", "markov", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("markov", json.RootElement.GetProperty("model").GetString());
        var channels = json.RootElement.GetProperty("channels").EnumerateArray()
            .ToDictionary(c => c.GetProperty("channel").GetString()!, c => (c.GetProperty("conversions").GetDouble(), c.GetProperty("value").GetDouble()));
        Assert.Equal(0.2, channels["C1"].Item1, 9);
        Assert.Equal(400, channels["C2"].Item2, 6);
        Assert.Equal(0.4, channels["C3"].Item1, 9);
    }

    [Fact]
    public async Task Without_json_it_prints_a_table_with_the_total()
    {
        var file = PathFile("a > b;2;10;0\nb;1;4;3\n");
        var result = await CliProcess.RunAsync("attribution", "--paths", file, "--model", "last_touch");
        // last_touch by hand: b gets all 3 conversions and 14 of value.
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"b\s*│\s*3\.00\s*│\s*100\.0 %\s*│\s*14\.00", result.Stdout);
        Assert.Contains("total", result.Stdout);
    }

    [Theory]
    [InlineData("u_shaped", "lead")]
    [InlineData("time_decay", "instants")]
    public async Task Models_that_need_instants_or_key_touches_refuse_a_path_file_with_exit_code_1(string model, string reason)
    {
        var result = await CliProcess.RunAsync("attribution", "--paths", PathFile("a;1;1;0\n"), "--model", model);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--model", result.Stderr);
        Assert.Contains(reason, result.Stderr);
    }

    [Fact]
    public async Task A_bad_line_or_an_unknown_model_is_bad_input_naming_where()
    {
        var file = PathFile("a;1;1;0\nb;one;1;0\n");
        var bad = await CliProcess.RunAsync("attribution", "--paths", file, "--model", "linear");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"{Path.GetFileName(file)}:3: total_conversions: 'one' is not a number", bad.Stderr);

        var unknown = await CliProcess.RunAsync("attribution", "--paths", file, "--model", "magic");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("--model: 'magic' is not one of", unknown.Stderr);
    }

    [Fact]
    public async Task Model_all_puts_the_models_a_path_file_can_feed_side_by_side()
    {
        // a > b: 2 conversions; b: 1. By hand: first_touch a 2, b 1; last_touch b 3; linear a 1, b 2; shapley a 1, b 2.
        var file = PathFile("a > b;2;10;0\nb;1;4;3\n");
        var result = await CliProcess.RunAsync("attribution", "--paths", file, "--model", "all", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var models = json.RootElement.GetProperty("models").EnumerateArray().ToDictionary(
            m => m.GetProperty("model").GetString()!,
            m => m.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("channel").GetString()!, c => c.GetProperty("conversions").GetDouble()));
        Assert.Equal(["first_touch", "last_touch", "linear", "markov", "shapley", "shapley_rate"], models.Keys);
        Assert.Equal(2, models["first_touch"]["a"]);
        Assert.Equal(3, models["last_touch"]["b"]);
        Assert.False(models["last_touch"].ContainsKey("a"));
        Assert.Equal(1, models["linear"]["a"], 12);
        Assert.Equal(2, models["shapley"]["b"], 12);

        var table = await CliProcess.RunAsync("attribution", "--paths", file, "--model", "all");
        Assert.Contains("credited conversions by model", table.Stdout);
    }
}
