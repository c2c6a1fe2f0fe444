using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace Lifecycle.Attribution;

/// <summary>
/// CSV of attribution results, shared by the API and the CLI. Long format, one row per model and channel (and per
/// model and campaign for stored-data reports), so one model or all side by side share a layout a spreadsheet pivots.
/// Numbers are invariant-culture; an absent ROI is an empty cell.
/// </summary>
public static class AttributionCsv
{
    private static readonly CsvConfiguration Settings = new(CultureInfo.InvariantCulture) { NewLine = "\n" };

    /// <summary>model,conversion,level,id,channel,conversions,revenue,cost,roi: level is channel or campaign.</summary>
    public static string Of(IEnumerable<AttributionReport> reports) => Write(csv =>
    {
        Header(csv, "model", "conversion", "level", "id", "channel", "conversions", "revenue", "cost", "roi");
        foreach (var report in reports)
        {
            var model = report.Query.Model.Name();
            var conversion = Storage.SnakeCase.Of(report.Query.Conversion.ToString());
            foreach (var c in report.Channels)
                Row(csv, model, conversion, "channel", c.Channel, c.Channel, Number(c.Conversions), Number(c.Revenue), Number(c.Cost), Number(c.Roi));
            foreach (var c in report.Campaigns)
                Row(csv, model, conversion, "campaign", c.CampaignId, c.Channel, Number(c.Conversions), Number(c.Revenue), Number(c.Cost), Number(c.Roi));
        }
    });

    /// <summary>model,channel,conversions,value: the path-file calculator's credits.</summary>
    public static string Of(IEnumerable<AttributionResult> results) => Write(csv =>
    {
        Header(csv, "model", "channel", "conversions", "value");
        foreach (var result in results)
            foreach (var c in result.Channels)
                Row(csv, result.Model.Name(), c.Channel, Number(c.Conversions), Number(c.Value));
    });

    private static string Write(Action<CsvWriter> body)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var csv = new CsvWriter(text, Settings)) body(csv);
        return text.ToString();
    }

    private static void Header(CsvWriter csv, params string[] names) => Row(csv, names);

    private static void Row(CsvWriter csv, params string?[] fields)
    {
        foreach (var field in fields) csv.WriteField(field);
        csv.NextRecord();
    }

    // "R" keeps a double exact when read back; a decimal drops trailing zeros, so 310.00 and 310 read the same.
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    private static string? Number(decimal? value) => value?.ToString("0.############################", CultureInfo.InvariantCulture);
}
