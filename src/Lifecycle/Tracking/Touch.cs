using System.Text.Json;
using System.Web;

namespace Lifecycle.Tracking;

/// <summary>
/// The marketing facts of one event: UTM parameters (from context.campaign, else the page URL's query),
/// referrer and an explicit properties.campaign_id. Read from the stored payload.
/// </summary>
public sealed record Touch(string? Medium, string? Source, string? Campaign, string? Referrer, string? PageHost, string? CampaignId)
{
    public bool HasMarketingData => Medium is not null || Source is not null || Campaign is not null || CampaignId is not null || Referrer is not null;

    public string Channel(ChannelMapping mapping) => mapping.Channel(Medium, Source, Referrer, PageHost);

    public static Touch FromPayload(string payload)
    {
        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        var context = Object(root, "context");
        var properties = Object(root, "properties");
        var campaign = context is { } c ? Object(c, "campaign") : null;
        var page = context is { } c2 ? Object(c2, "page") : null;

        var url = Text(page, "url") ?? Text(properties, "url");
        var referrer = Text(page, "referrer") ?? Text(properties, "referrer");
        string? FromUrl(string name)
        {
            if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri)) return null;
            var value = HttpUtility.ParseQueryString(uri.Query)[name];
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }
        var host = url is not null && Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host : null;
        return new Touch(
            Text(campaign, "medium") ?? FromUrl("utm_medium"),
            Text(campaign, "source") ?? FromUrl("utm_source"),
            Text(campaign, "name") ?? FromUrl("utm_campaign"),
            referrer,
            host,
            Text(properties, "campaign_id"));
    }

    private static JsonElement? Object(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    private static string? Text(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
}
