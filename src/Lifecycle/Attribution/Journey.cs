namespace Lifecycle.Attribution;

/// <summary>A marketing interaction of the journey's contacts (lifecycle.md §6): when, through which channel, for which campaign.</summary>
public readonly record struct Touchpoint(DateTimeOffset At, string Channel, string? CampaignId = null);

/// <summary>What is credited: a won deal (revenue), an opportunity (pipeline) or an MQL, at its instant.</summary>
public readonly record struct Conversion(DateTimeOffset At, double Value);

/// <summary>
/// The instants that pick the key touches of §6: the contact's first <c>lead</c> transition, the deal's
/// <c>created_at</c> and its <c>closed_at</c>. Each key touch is the latest touch at or before its instant.
/// </summary>
public sealed record KeyInstants(DateTimeOffset? LeadCreated = null, DateTimeOffset? OpportunityCreated = null, DateTimeOffset? CustomerClosed = null)
{
    public static readonly KeyInstants None = new();
}

/// <summary>
/// One contact's (or account's) touchpoints in time order, ending in a conversion or not (a null path, which
/// only the data-driven models use). The touchpoints are already cut to the lookback window by the caller.
/// </summary>
public sealed record Journey
{
    public Journey(IEnumerable<Touchpoint> touchpoints, Conversion? conversion = null, KeyInstants? keys = null)
    {
        // A stable sort keeps the caller's order among touches at the same instant.
        Touchpoints = touchpoints.OrderBy(t => t.At).ToArray();
        Conversion = conversion;
        Keys = keys ?? KeyInstants.None;
    }

    public IReadOnlyList<Touchpoint> Touchpoints { get; }
    public Conversion? Conversion { get; }
    public KeyInstants Keys { get; }
}

/// <summary>
/// A path as analysts exchange it (the ChannelAttribution format): channels in order, how many journeys along
/// it converted, their total value, and how many did not convert.
/// </summary>
public sealed record PathCount(IReadOnlyList<string> Channels, double Conversions, double Value, double Nulls);

/// <summary>One share of one conversion. Channel-level models (Markov, Shapley) credit channels, not campaigns.</summary>
public readonly record struct Credit(string Channel, string? CampaignId, double Share);

public enum AttributionModel { FirstTouch, LastTouch, Linear, UShaped, WShaped, FullPath, TimeDecay, Markov, Shapley, ShapleyRate }

public static class AttributionModels
{
    /// <summary>The channel of a conversion with no touchpoint, so credited totals reconcile with the deals report.</summary>
    public const string NoTouch = "(none)";

    public static readonly TimeSpan DefaultHalfLife = TimeSpan.FromDays(7);
    /// <summary>lifecycle.md §6: touches up to 365 days before a conversion count.</summary>
    public const int DefaultLookbackDays = 365;

    public static string Name(this AttributionModel model) => Storage.SnakeCase.Of(model.ToString());

    public static bool TryParse(string? name, out AttributionModel model) => Storage.SnakeCase.TryParseEnum(name, out model);

    public static string AllNames => string.Join(", ", Enum.GetValues<AttributionModel>().Select(Name));

    /// <summary>Models that credit channels as a whole (learned or per distinct channel), not single touches.</summary>
    public static bool IsChannelLevel(this AttributionModel model) =>
        model is AttributionModel.Markov or AttributionModel.Shapley or AttributionModel.ShapleyRate;

    /// <summary>Models that read touch instants or key touches, which a path file does not carry.</summary>
    public static bool NeedsInstants(this AttributionModel model) =>
        model is AttributionModel.UShaped or AttributionModel.WShaped or AttributionModel.FullPath or AttributionModel.TimeDecay;
}
