namespace Lifecycle.Tracking;

/// <summary>
/// One rule of the channel mapping: it matches when every list it sets contains the visit's value (utm_medium,
/// utm_source, or the referrer's host, matched as a suffix so "google.co.jp" matches "google."-style entries by
/// <see cref="ChannelMapping.HostMatches"/>). The first matching rule names the channel.
/// </summary>
public sealed record ChannelRule(string Channel, string[]? Medium = null, string[]? Source = null, string[]? Referrer = null);

/// <summary>
/// Maps a visit's UTM parameters and referrer onto a marketing channel (lifecycle.md §3, attract.visits_by_channel).
/// The default rules follow the common web-analytics grouping; a workspace replaces them in configuration
/// (Lifecycle:Channels, an ordered list of rules). Pure; documented in docs/channels.md.
/// </summary>
public sealed class ChannelMapping(IReadOnlyList<ChannelRule> rules)
{
    public const string Direct = "direct", Referral = "referral", Other = "other";

    private static readonly string[] SearchEngines = ["google", "bing", "yahoo", "naver", "daum", "baidu", "duckduckgo", "yandex", "ecosia", "search.brave"];
    private static readonly string[] SocialNetworks = ["facebook", "fb", "instagram", "linkedin", "lnkd.in", "twitter", "x.com", "t.co", "youtube", "tiktok", "kakao", "line.me", "reddit", "threads"];

    public static readonly IReadOnlyList<ChannelRule> DefaultRules =
    [
        new("paid_social", Medium: ["cpc", "ppc", "paid", "paidsocial", "paid_social", "paid-social", "social_paid", "sponsored"], Source: SocialNetworks),
        new("paid_search", Medium: ["cpc", "ppc", "paidsearch", "paid_search", "paid-search", "sem"]),
        new("paid_social", Medium: ["paidsocial", "paid_social", "paid-social", "social_paid"]),
        new("display", Medium: ["display", "banner", "cpm", "programmatic"]),
        new("email", Medium: ["email", "e-mail", "e_mail", "newsletter", "mail"]),
        new("events", Medium: ["event", "events", "tradeshow", "trade_show", "conference", "booth", "offline"]),
        new("webinar", Medium: ["webinar", "webinars"]),
        new("partners", Medium: ["partner", "partners", "affiliate", "affiliates", "reseller"]),
        new("content", Medium: ["content", "syndication", "ebook"]),
        new("organic_search", Medium: ["organic", "seo"]),
        new("organic_social", Medium: ["social", "social-network", "social_network", "sm", "social-media", "social_media"]),
        new(Referral, Medium: ["referral", "referrer", "link"]),
        new("organic_search", Referrer: SearchEngines),
        new("organic_social", Referrer: SocialNetworks),
    ];

    public static ChannelMapping Default { get; } = new(DefaultRules);

    public IReadOnlyList<ChannelRule> Rules => rules;

    /// <summary>
    /// The channel of a visit. No UTM and no external referrer is direct; an external referrer no rule names is
    /// referral; UTM parameters no rule names are "other" (so a new medium is visible, not hidden in direct).
    /// </summary>
    public string Channel(string? utmMedium, string? utmSource, string? referrer, string? pageHost = null)
    {
        var medium = Normalize(utmMedium);
        var source = Normalize(utmSource);
        var referrerHost = HostOf(referrer);
        if (referrerHost is not null && pageHost is not null && SameSite(referrerHost, Normalize(pageHost)!)) referrerHost = null;

        foreach (var rule in rules)
        {
            if (rule.Medium is not null && (medium is null || !rule.Medium.Contains(medium, StringComparer.Ordinal))) continue;
            if (rule.Source is not null && (source is null || !rule.Source.Any(s => HostMatches(source, s)))) continue;
            if (rule.Referrer is not null && (referrerHost is null || medium is not null || !rule.Referrer.Any(r => HostMatches(referrerHost, r)))) continue;
            return rule.Channel;
        }
        if (medium is not null || source is not null) return Other;
        return referrerHost is null ? Direct : Referral;
    }

    /// <summary>"google" matches google.com, www.google.co.jp and a utm_source of "google"; "t.co" only t.co.</summary>
    public static bool HostMatches(string value, string entry)
    {
        if (value == entry) return true;
        var labels = value.Split('.');
        if (entry.Contains('.')) return value.EndsWith("." + entry, StringComparison.Ordinal);
        return labels.Contains(entry, StringComparer.Ordinal);
    }

    private static bool SameSite(string referrerHost, string pageHost) =>
        referrerHost == pageHost || referrerHost.EndsWith("." + pageHost, StringComparison.Ordinal) || pageHost.EndsWith("." + referrerHost, StringComparison.Ordinal);

    private static string? HostOf(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        return Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && uri.Host.Length > 0
            ? Normalize(uri.Host)!.TrimStart('.') is var host && host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host
            : null;
    }

    private static string? Normalize(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToLowerInvariant();
}
