namespace Lifecycle.Attribution;

/// <summary>The snake_case JSON shape of a stored-data attribution report, shared by the API and the CLI.</summary>
public static class AttributionJson
{
    public static object Of(AttributionReport report) => new
    {
        model = report.Query.Model.Name(),
        conversion = Storage.SnakeCase.Of(report.Query.Conversion.ToString()),
        from = report.Query.From,
        to = report.Query.To,
        conversions = report.Conversions,
        revenue = report.Revenue,
        channels = report.Channels.Select(c => new { channel = c.Channel, conversions = c.Conversions, revenue = c.Revenue, cost = c.Cost, roi = c.Roi }),
        campaigns = report.Campaigns.Select(c => new { campaign_id = c.CampaignId, channel = c.Channel, conversions = c.Conversions, revenue = c.Revenue, cost = c.Cost, roi = c.Roi }),
    };
}
