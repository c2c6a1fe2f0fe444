using System.Diagnostics;
using Lifecycle.Attribution;

namespace Lifecycle.Bench;

/// <summary>
/// Every attribution model over 100,000 converting journeys (1 to 19 touches, 10 on average, 12 channels, 200
/// campaigns, key instants) plus 100,000 null journeys for the data-driven models; then Markov on a path file.
/// Prints the median of <c>runs</c> timings per model (fit + credit every conversion).
/// </summary>
internal static class AttributionBench
{
    public static int Run(string? pathFile, int runs)
    {
        var journeys = Journeys(seed: 9, conversions: 100_000, nulls: 100_000);
        Console.WriteLine($"{journeys.Count(j => j.Conversion is not null):N0} conversions, {journeys.Count(j => j.Conversion is null):N0} null journeys, " +
                          $"{journeys.Sum(j => j.Touchpoints.Count):N0} touchpoints ({journeys.Where(j => j.Conversion is not null).Average(j => j.Touchpoints.Count):0.00} per conversion)");
        var total = 0.0;
        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            var median = Median(runs, () => Attributor.Fit(model, journeys).Run(journeys));
            total += median;
            Console.WriteLine($"{model.Name(),-14} {median * 1000,8:N0} ms");
        }
        Console.WriteLine($"{"all models",-14} {total * 1000,8:N0} ms");
        if (pathFile is null) return 0;
        var read = Median(runs, () => { using var reader = File.OpenText(pathFile); return PathFile.Read(reader); });
        using var file = File.OpenText(pathFile);
        var paths = PathFile.Read(file);
        var markov = Median(runs, () => Attributor.RunOnPaths(AttributionModel.Markov, paths));
        Console.WriteLine($"{Path.GetFileName(pathFile)}: {paths.Count:N0} rows, read {read * 1000:N0} ms, markov {markov * 1000:N0} ms");
        return 0;
    }

    private static double Median<T>(int runs, Func<T> work)
    {
        GC.KeepAlive(work()); // warm-up (JIT)
        var seconds = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            GC.KeepAlive(work());
            seconds.Add(watch.Elapsed.TotalSeconds);
        }
        seconds.Sort();
        return seconds[seconds.Count / 2];
    }

    private static List<Journey> Journeys(int seed, int conversions, int nulls)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var channels = Enumerable.Range(0, 12).Select(i => $"channel-{i}").ToArray();
        var journeys = new List<Journey>(conversions + nulls);
        for (var j = 0; j < conversions + nulls; j++)
        {
            var count = random.Next(1, 20);
            var touches = new Touchpoint[count];
            for (var t = 0; t < count; t++)
            {
                var campaign = random.Next(200);
                touches[t] = new Touchpoint(start.AddHours(random.Next(24 * 300)), channels[campaign % channels.Length], $"campaign-{campaign}");
            }
            var converted = j < conversions;
            var keys = new KeyInstants(start.AddDays(random.Next(300)), start.AddDays(random.Next(300)), start.AddDays(300));
            journeys.Add(new Journey(touches, converted ? new Conversion(start.AddDays(301), random.Next(1_000, 50_000)) : null, keys));
        }
        return journeys;
    }
}
