namespace Lifecycle.Attribution;

public sealed record ChannelCredit(string Channel, double Conversions, double Value);

public sealed record CampaignCredit(string CampaignId, string Channel, double Conversions, double Value);

/// <summary>
/// Credited conversions and value per channel (and per campaign for the touch-level models), most credited
/// first. <see cref="Conversions"/> and <see cref="Value"/> are the totals the credits add up to.
/// </summary>
public sealed record AttributionResult(
    AttributionModel Model, double Conversions, double Value,
    IReadOnlyList<ChannelCredit> Channels, IReadOnlyList<CampaignCredit> Campaigns);

/// <summary>
/// Runs one model over journeys. The data-driven models (Markov, rate-based Shapley) learn one share per
/// channel from all journeys, converting and null, and credit every converting journey with those shares (the
/// ChannelAttribution package's reading: channel credit = conversions × removal effect / Σ removal effects);
/// the others credit each conversion from its own touches. Credits of one conversion sum to 1. Pure.
/// </summary>
public sealed class Attributor
{
    private readonly AttributionModel _model;
    private readonly TimeSpan _halfLife;
    private readonly Credit[]? _learned;

    private Attributor(AttributionModel model, TimeSpan halfLife, Credit[]? learned)
    {
        _model = model;
        _halfLife = halfLife;
        _learned = learned;
    }

    public AttributionModel Model => _model;

    /// <summary>Prepares <paramref name="model"/>; Markov and rate-based Shapley learn from <paramref name="journeys"/>.</summary>
    public static Attributor Fit(AttributionModel model, IReadOnlyList<Journey> journeys, TimeSpan? halfLife = null)
    {
        var decay = halfLife ?? AttributionModels.DefaultHalfLife;
        if (decay <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(halfLife), "the half-life must be positive");
        var learned = Learn(model, () => journeys.Select(j => new PathCount(
            j.Touchpoints.Select(t => t.Channel).ToArray(), j.Conversion is null ? 0 : 1, j.Conversion?.Value ?? 0, j.Conversion is null ? 1 : 0)));
        return new Attributor(model, decay, learned);
    }

    /// <summary>The shares of one converting journey; a journey with no touchpoint credits <c>(none)</c>.</summary>
    public Credit[] CreditsOf(Journey journey)
    {
        var touches = journey.Touchpoints;
        if (touches.Count == 0) return [new Credit(AttributionModels.NoTouch, null, 1)];
        if (_learned is not null) return _learned;
        if (_model == AttributionModel.Shapley)
            return ShapleyModel.CountShares(touches.Select(t => t.Channel)).Select(s => new Credit(s.Channel, null, s.Share)).ToArray();
        var shares = TouchShares.For(_model, journey, _halfLife);
        var credits = new Credit[touches.Count];
        for (var i = 0; i < credits.Length; i++) credits[i] = new Credit(touches[i].Channel, touches[i].CampaignId, shares[i]);
        return credits;
    }

    /// <summary>Credits every converting journey of <paramref name="journeys"/>; null journeys add nothing.</summary>
    public AttributionResult Run(IEnumerable<Journey> journeys)
    {
        var totals = new CreditTotals();
        foreach (var journey in journeys)
        {
            if (journey.Conversion is not { } conversion) continue;
            foreach (var credit in CreditsOf(journey)) totals.Add(credit, 1, conversion.Value);
            totals.Count(1, conversion.Value);
        }
        return totals.Result(_model);
    }

    /// <summary>
    /// Runs a model on aggregated paths (the ChannelAttribution file format). Models that need touch instants or
    /// key touches (time decay, U, W, full path) cannot: a path carries neither.
    /// </summary>
    public static AttributionResult RunOnPaths(AttributionModel model, IReadOnlyList<PathCount> paths)
    {
        if (model.NeedsInstants())
            throw new ArgumentException($"{model.Name()} needs touch instants and key touches (lead, opportunity and deal close), which a path file does not carry; on a path file use first_touch, last_touch, linear, markov, shapley or shapley_rate");
        var learned = Learn(model, () => paths);
        var totals = new CreditTotals();
        foreach (var path in paths)
        {
            if (path.Conversions == 0 && path.Value == 0) continue;
            totals.Count(path.Conversions, path.Value);
            var channels = path.Channels;
            if (channels.Count == 0) { totals.Add(new Credit(AttributionModels.NoTouch, null, 1), path.Conversions, path.Value); continue; }
            if (learned is not null) { foreach (var credit in learned) totals.Add(credit, path.Conversions, path.Value); continue; }
            switch (model)
            {
                case AttributionModel.FirstTouch: totals.Add(new Credit(channels[0], null, 1), path.Conversions, path.Value); break;
                case AttributionModel.LastTouch: totals.Add(new Credit(channels[^1], null, 1), path.Conversions, path.Value); break;
                case AttributionModel.Linear:
                    foreach (var channel in channels) totals.Add(new Credit(channel, null, 1.0 / channels.Count), path.Conversions, path.Value);
                    break;
                case AttributionModel.Shapley:
                    foreach (var (channel, share) in ShapleyModel.CountShares(channels)) totals.Add(new Credit(channel, null, share), path.Conversions, path.Value);
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(model), model, "not a path model");
            }
        }
        return totals.Result(model);
    }

    private static Credit[]? Learn(AttributionModel model, Func<IEnumerable<PathCount>> paths) => model switch
    {
        AttributionModel.Markov => ToCredits(MarkovModel.Fit(paths()).Weights()),
        AttributionModel.ShapleyRate => ToCredits(ShapleyModel.RateWeights(paths())),
        _ => null,
    };

    private static Credit[] ToCredits(IReadOnlyDictionary<string, double> weights) =>
        weights.Where(w => w.Value != 0).Select(w => new Credit(w.Key, null, w.Value)).ToArray();

    private sealed class CreditTotals
    {
        private readonly Dictionary<string, (double Conversions, double Value)> _channels = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Campaign, string Channel), (double Conversions, double Value)> _campaigns = new();
        private double _conversions, _value;

        public void Count(double conversions, double value) { _conversions += conversions; _value += value; }

        public void Add(Credit credit, double conversions, double value)
        {
            ref var channel = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_channels, credit.Channel, out _);
            channel.Conversions += credit.Share * conversions;
            channel.Value += credit.Share * value;
            if (credit.CampaignId is null) return;
            ref var campaign = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_campaigns, (credit.CampaignId, credit.Channel), out _);
            campaign.Conversions += credit.Share * conversions;
            campaign.Value += credit.Share * value;
        }

        public AttributionResult Result(AttributionModel model) => new(model, _conversions, _value,
            _channels.Select(c => new ChannelCredit(c.Key, c.Value.Conversions, c.Value.Value))
                .OrderByDescending(c => c.Conversions).ThenBy(c => c.Channel, StringComparer.Ordinal).ToList(),
            _campaigns.Select(c => new CampaignCredit(c.Key.Campaign, c.Key.Channel, c.Value.Conversions, c.Value.Value))
                .OrderByDescending(c => c.Conversions).ThenBy(c => c.CampaignId, StringComparer.Ordinal).ToList());
    }
}
