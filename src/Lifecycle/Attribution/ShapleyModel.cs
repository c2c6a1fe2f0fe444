namespace Lifecycle.Attribution;

/// <summary>
/// Shapley values of the channel game of lifecycle.md §6. Pure.
/// <para>Count game: v(S) = conversions whose journeys use only channels in S. That is a sum of unanimity games
/// (one per conversion, on its set of distinct channels T), and the Shapley value of a unanimity game gives 1/|T|
/// to each member of T (Shapley 1953, linearity), so each conversion is split equally over its distinct
/// channels: exact, and linear in the touches whatever the number of channels.</para>
/// <para>Rate game: v(S) = conversion rate of the journeys whose channels are all in S (null journeys included),
/// v(∅) = 0. It needs all 2^n coalitions, so it is offered for up to <see cref="MaxRateChannels"/> channels.</para>
/// </summary>
public static class ShapleyModel
{
    public const int MaxRateChannels = 15;

    /// <summary>The distinct channels of a path, each with share 1/k.</summary>
    public static IEnumerable<(string Channel, double Share)> CountShares(IEnumerable<string> channels)
    {
        var distinct = channels.Distinct(StringComparer.Ordinal).ToArray();
        return distinct.Select(channel => (channel, 1.0 / distinct.Length));
    }

    /// <summary>
    /// Each channel's Shapley value in the rate game, divided by v(all channels) so the shares sum to 1.
    /// A channel whose journeys convert worse than the others can get a negative share.
    /// </summary>
    public static IReadOnlyDictionary<string, double> RateWeights(IEnumerable<PathCount> paths)
    {
        var rows = paths.Where(p => p.Channels.Count > 0).ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var path in rows)
            foreach (var channel in path.Channels)
                index.TryAdd(channel, index.Count);
        var n = index.Count;
        if (n > MaxRateChannels)
            throw new ArgumentException($"the rate-based Shapley value needs all 2^n channel coalitions and is offered for up to {MaxRateChannels} channels; these journeys have {n}");
        var size = 1 << n;
        // Conversions and nulls of the journeys whose channel set is exactly the mask, then summed over subsets.
        var conversions = new double[size];
        var nulls = new double[size];
        foreach (var path in rows)
        {
            var mask = 0;
            foreach (var channel in path.Channels) mask |= 1 << index[channel];
            conversions[mask] += path.Conversions;
            nulls[mask] += path.Nulls;
        }
        for (var bit = 0; bit < n; bit++)
            for (var mask = 0; mask < size; mask++)
                if ((mask & (1 << bit)) != 0)
                {
                    conversions[mask] += conversions[mask ^ (1 << bit)];
                    nulls[mask] += nulls[mask ^ (1 << bit)];
                }
        var worth = new double[size];
        for (var mask = 1; mask < size; mask++)
        {
            var journeys = conversions[mask] + nulls[mask];
            worth[mask] = journeys > 0 ? conversions[mask] / journeys : 0;
        }
        // |S|! (n − |S| − 1)! / n! for each coalition size |S| not containing the channel.
        var coefficient = new double[Math.Max(n, 1)];
        for (var s = 0; s < n; s++) coefficient[s] = 1.0 / (n * Binomial(n - 1, s));
        var values = new double[n];
        for (var mask = 0; mask < size; mask++)
        {
            var s = System.Numerics.BitOperations.PopCount((uint)mask);
            for (var c = 0; c < n; c++)
                if ((mask & (1 << c)) == 0) values[c] += coefficient[s] * (worth[mask | (1 << c)] - worth[mask]);
        }
        var grand = n == 0 ? 0 : worth[size - 1];
        return index.ToDictionary(e => e.Key, e => grand != 0 ? values[e.Value] / grand : 0, StringComparer.Ordinal);
    }

    private static double Binomial(int n, int k)
    {
        var result = 1.0;
        for (var i = 1; i <= k; i++) result = result * (n - k + i) / i;
        return result;
    }
}
