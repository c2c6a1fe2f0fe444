using Lifecycle.Attribution;

namespace Lifecycle.Tests.Attribution;

/// <summary>lifecycle.md §6: the credits of one conversion sum to exactly 1, for every model and any journey.</summary>
public class CreditsSumToOneTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Random journeys: 0 to 14 touches over 8 channels (repeats included), random key instants (some
    /// missing, some before every touch), a third of them null paths.</summary>
    private static List<Journey> RandomJourneys(int seed, int count)
    {
        var random = new Random(seed);
        DateTimeOffset? MaybeDay(double max) => random.Next(4) == 0 ? null : Start.AddDays(random.NextDouble() * max - 5);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var touches = Enumerable.Range(0, random.Next(15))
                .Select(_ => new Touchpoint(Start.AddDays(random.NextDouble() * 100), $"ch{random.Next(8)}", $"k{random.Next(20)}"))
                .ToList();
            var converted = random.Next(3) > 0;
            return new Journey(touches, converted ? new Conversion(Start.AddDays(100 + random.NextDouble() * 10), random.Next(1, 5000)) : null,
                new KeyInstants(MaybeDay(110), MaybeDay(110), MaybeDay(110)));
        }).ToList();
    }

    public static TheoryData<AttributionModel> Models() => new(Enum.GetValues<AttributionModel>());

    [Theory, MemberData(nameof(Models))]
    public void Every_conversion_s_credits_sum_to_1(AttributionModel model)
    {
        for (var seed = 1; seed <= 20; seed++)
        {
            var journeys = RandomJourneys(seed, 300);
            var attributor = Attributor.Fit(model, journeys, TimeSpan.FromDays(1 + seed));
            foreach (var journey in journeys.Where(j => j.Conversion is not null))
            {
                var credits = attributor.CreditsOf(journey);
                Assert.Equal(1, credits.Sum(c => c.Share), 12);
                if (model != AttributionModel.ShapleyRate) Assert.All(credits, c => Assert.True(c.Share >= 0, $"{model}: negative share {c.Share}"));
                if (journey.Touchpoints.Count == 0) Assert.Equal(AttributionModels.NoTouch, Assert.Single(credits).Channel);
            }
            // The channel totals reconcile with the conversions and their value.
            var result = attributor.Run(journeys);
            var converting = journeys.Where(j => j.Conversion is not null).ToList();
            Assert.Equal(converting.Count, result.Conversions);
            Assert.Equal(converting.Count, result.Channels.Sum(c => c.Conversions), 9);
            Assert.Equal(converting.Sum(j => j.Conversion!.Value.Value), result.Channels.Sum(c => c.Value), 6);
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void On_the_ChannelAttribution_data_set_the_credits_add_up_to_its_published_totals(AttributionModel model)
    {
        // Data/README.md: 19,785 conversions worth 74,802.97158721073, 68,602 null paths, 12 channels.
        using var reader = File.OpenText(SharedData.ChannelAttributionCsv);
        var paths = PathFile.Read(reader);
        Assert.Equal(10_000, paths.Count);
        Assert.Equal(68_602, paths.Sum(p => p.Nulls));
        Assert.Equal(12, paths.SelectMany(p => p.Channels).Distinct().Count());
        if (model.NeedsInstants())
        {
            Assert.Throws<ArgumentException>(() => Attributor.RunOnPaths(model, paths));
            return;
        }
        var result = Attributor.RunOnPaths(model, paths);
        Assert.Equal(19_785, result.Conversions);
        Assert.Equal(19_785, result.Channels.Sum(c => c.Conversions), 6);
        Assert.Equal(74_802.97158721073, result.Channels.Sum(c => c.Value), 6);
    }
}

internal static class SharedData
{
    /// <summary>The ChannelAttribution example data set, kept in the repository beside these tests (Data/README.md).</summary>
    public static string ChannelAttributionCsv
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Lifecycle.slnx"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("the repository root (Lifecycle.slnx) is not above " + AppContext.BaseDirectory),
                "tests", "Lifecycle.Tests", "Attribution", "Data", "channelattribution_Data.csv");
        }
    }
}
