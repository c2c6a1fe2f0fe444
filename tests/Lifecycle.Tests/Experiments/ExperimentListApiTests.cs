using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Tests.Dashboard;
using Lifecycle.Tests.Support;

namespace Lifecycle.Tests.Experiments;

public class ExperimentListApiTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task The_list_has_every_ab_split_of_every_program_with_its_counts_statistics_and_decision(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        Assert.Empty((await server.Client.GetFromJsonAsync<JsonElement>("/api/experiments")).GetProperty("items").EnumerateArray());
        await ProgramSeed.SeedAsync(server);

        var items = (await server.Client.GetFromJsonAsync<JsonElement>("/api/experiments")).GetProperty("items").EnumerateArray().ToList();
        var split = Assert.Single(items); // "drip" has no ab_split step
        Assert.Equal(("offer:ab", "conversion", "A"), (split.GetProperty("test_id").GetString(), split.GetProperty("metric").GetString(), split.GetProperty("control").GetString()));
        var variants = split.GetProperty("variants").EnumerateArray().Select(v => (v.GetProperty("variant").GetString(), v.GetProperty("contacts").GetInt64(), v.GetProperty("converted").GetInt64())).ToArray();
        Assert.Equal([("A", 10L, 2L), ("B", 10L, 6L)], variants);

        // A 2/10 against B 6/10: lift = 0.6 / 0.2 − 1 = 2; pooled p = 8/20 = 0.4, se = sqrt(0.4 × 0.6 × (1/10 + 1/10)) = 0.21909,
        // z = 0.4 / 0.21909 = 1.8257, two-sided p = 2 × (1 − Φ(1.8257)) = 2 × 0.03395 = 0.0679 > 0.05.
        var b = Assert.Single(split.GetProperty("analysis").GetProperty("variants").EnumerateArray());
        Assert.Equal(2.0, b.GetProperty("lift").GetDouble(), 9);
        Assert.Equal(1.8257, b.GetProperty("z").GetDouble(), 3);
        Assert.Equal(0.0679, b.GetProperty("p_value").GetDouble(), 3);
        Assert.False(b.GetProperty("significant").GetBoolean());
        Assert.Equal("B", split.GetProperty("decision").GetProperty("winner").GetString());

        // The list says what the one-split endpoint says.
        var one = await server.Client.GetFromJsonAsync<JsonElement>("/api/experiments/offer/ab");
        Assert.Equal(one.GetRawText(), split.GetRawText());
    }
}
