using MathNet.Numerics.LinearAlgebra;

namespace Lifecycle.Attribution;

/// <summary>
/// First-order Markov chain over channels (lifecycle.md §6): states start, each channel, and the absorbing
/// states conversion and null. Transition probabilities are the observed transitions of all paths, converting
/// and null, each counted as often as the path occurred, after collapsing repeated consecutive channels. The
/// conversion probability is the chain's absorption probability into conversion from start, solved exactly
/// from (I − Q)·x = r; the removal effect of channel c is 1 − P(conversion without c) / P(conversion), where
/// "without c" sends every visit of c to null. Pure.
/// </summary>
public sealed class MarkovModel
{
    private readonly string[] _channels;
    private readonly Dictionary<string, int> _index;
    // State 0 is start, state i + 1 is channel i.
    private readonly double[,] _transitions;
    private readonly double[] _toConversion;
    private readonly double[] _toNull;

    private MarkovModel(string[] channels, Dictionary<string, int> index, double[,] transitions, double[] toConversion, double[] toNull)
    {
        _channels = channels;
        _index = index;
        _transitions = transitions;
        _toConversion = toConversion;
        _toNull = toNull;
    }

    public IReadOnlyList<string> Channels => _channels;

    public static MarkovModel Fit(IEnumerable<PathCount> paths)
    {
        var rows = paths.Where(p => p.Channels.Count > 0 && p.Conversions + p.Nulls > 0).ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var path in rows)
            foreach (var channel in path.Channels)
                index.TryAdd(channel, index.Count);
        var states = index.Count + 1;
        var transitions = new double[states, states];
        var toConversion = new double[states];
        var toNull = new double[states];
        foreach (var path in rows)
        {
            var times = path.Conversions + path.Nulls;
            var from = 0;
            foreach (var channel in path.Channels)
            {
                var to = index[channel] + 1;
                if (to == from) continue; // repeated consecutive channels collapse
                transitions[from, to] += times;
                from = to;
            }
            toConversion[from] += path.Conversions;
            toNull[from] += path.Nulls;
        }
        var channels = new string[index.Count];
        foreach (var (channel, i) in index) channels[i] = channel;
        return new MarkovModel(channels, index, transitions, toConversion, toNull);
    }

    /// <summary>P(conversion) from start, with <paramref name="removed"/> (a channel index, or −1) sent to null.</summary>
    public double ConversionProbability(int removed = -1)
    {
        var states = _channels.Length + 1;
        var kept = Enumerable.Range(0, states).Where(s => removed < 0 || s != removed + 1).ToArray();
        var a = Matrix<double>.Build.Dense(kept.Length, kept.Length);
        var r = Vector<double>.Build.Dense(kept.Length);
        for (var row = 0; row < kept.Length; row++)
        {
            var s = kept[row];
            var total = _toConversion[s] + _toNull[s];
            for (var t = 0; t < states; t++) total += _transitions[s, t];
            a[row, row] = 1;
            if (total == 0) continue; // a state never left: it converts with probability 0
            for (var column = 0; column < kept.Length; column++) a[row, column] -= _transitions[s, kept[column]] / total;
            r[row] = _toConversion[s] / total;
        }
        return a.Solve(r)[0];
    }

    /// <summary>The removal effect of each channel, in the order of <see cref="Channels"/>.</summary>
    public double[] RemovalEffects()
    {
        var baseline = ConversionProbability();
        var effects = new double[_channels.Length];
        if (baseline <= 0) return effects;
        for (var c = 0; c < effects.Length; c++) effects[c] = 1 - ConversionProbability(c) / baseline;
        return effects;
    }

    /// <summary>Each channel's share of every conversion: its removal effect over the sum of them.</summary>
    public IReadOnlyDictionary<string, double> Weights()
    {
        var effects = RemovalEffects();
        var sum = effects.Sum();
        return _channels.Select((channel, i) => (channel, share: sum > 0 ? effects[i] / sum : 0))
            .ToDictionary(x => x.channel, x => x.share, StringComparer.Ordinal);
    }

    public int IndexOf(string channel) => _index.TryGetValue(channel, out var i) ? i : -1;
}
