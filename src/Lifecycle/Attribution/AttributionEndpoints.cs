using System.Globalization;
using Lifecycle.Server;
using Lifecycle.Storage;

namespace Lifecycle.Attribution;

/// <summary>GET /api/attribution: one model (or all side by side) over the stored data, per channel and campaign, as JSON or CSV.</summary>
public static class AttributionEndpoints
{
    public static void MapAttributionEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/attribution", async Task<IResult> (LifecycleDb db, string? model, string? conversion, string? from, string? to, double? half_life_days,
            int? lookback_days, string? view, string? format, CancellationToken cancel) =>
        {
            var check = new Validation();
            AttributionModel? chosen = null;
            var all = false;
            if (check.Required("model", model) is { } name)
            {
                if (AttributionModels.TryParse(name, out var parsed)) chosen = parsed;
                else if (name.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) all = true;
                else check.Add("model", $"'{name}' is not one of {AttributionModels.AllNames}, all");
            }
            var csv = format?.Trim().ToLowerInvariant() == "csv";
            if (!csv && format?.Trim().ToLowerInvariant() is not (null or "" or "json")) check.Add("format", $"'{format}' is not one of json, csv");
            ConversionKind? kind = null;
            if (check.Required("conversion", conversion) is { } text)
            {
                if (SnakeCase.TryParseEnum<ConversionKind>(text, out var parsed)) kind = parsed;
                else check.Add("conversion", $"'{text}' is not one of won_deal, opportunity, mql");
            }
            var start = Day(check, "from", from);
            var end = Day(check, "to", to);
            if (start is not null && end is not null && end <= start) check.Add("to", "must be after from");
            if (half_life_days is <= 0) check.Add("half_life_days", "must be a positive number of days");
            if (lookback_days is <= 0 or > 3650) check.Add("lookback_days", "must be a number of days from 1 to 3650");
            var accountBased = view?.Trim().ToLowerInvariant() == "account";
            if (!accountBased && view?.Trim().ToLowerInvariant() is not (null or "" or "contact")) check.Add("view", $"'{view}' is not one of contact, account");
            if (!check.Ok) return check.Problem();
            var query = new AttributionQuery(chosen ?? default, kind!.Value, start!.Value, end!.Value, TimeSpan.FromDays(half_life_days ?? 7),
                lookback_days ?? AttributionModels.DefaultLookbackDays, accountBased);
            var reports = await StoredAttribution.RunAllAsync(db, query, all ? Enum.GetValues<AttributionModel>() : [query.Model], cancel);
            if (csv) return TypedResults.Text(AttributionCsv.Of(reports), "text/csv; charset=utf-8");
            return all ? TypedResults.Ok(new { models = reports.Select(AttributionJson.Of) }) : TypedResults.Ok(AttributionJson.Of(reports[0]));
        }).WithTags("Attribution")
          .WithSummary("Credited conversions, revenue, cost and ROI per channel and campaign (model or all, conversion won_deal|opportunity|mql, from, to as YYYY-MM-DD, optional half_life_days, lookback_days (365), view contact|account, format json|csv)");
    }

    private static DateTimeOffset? Day(Validation check, string field, string? text)
    {
        if (check.Required(field, text) is not { } value) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        check.Add(field, $"'{value}' is not a date YYYY-MM-DD");
        return null;
    }
}
