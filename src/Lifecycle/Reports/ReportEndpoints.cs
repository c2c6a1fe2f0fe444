using Lifecycle.Server;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Reports;

/// <summary>Reports and metrics by id (lifecycle.md §3, interchange.md "Out").</summary>
public static class ReportEndpoints
{
    public static void MapReportEndpoints(this RouteGroupBuilder api)
    {
        var reports = api.MapGroup("/").WithTags("Reports");
        reports.MapGet("/reports/lifecycle", Lifecycle)
            .WithSummary("Every available metric of lifecycle.md §3 for [from, to) (days YYYY-MM-DD in the workspace time zone), keyed by metric id; format=xlsx for a workbook");
        reports.MapGet("/metrics", Metrics)
            .WithSummary("Rows (metric, period, dimension, value) by month; ids comma-separated (default all), by = campaign|channel|source|segment|owner; format=xlsx for a workbook");
        reports.MapGet("/reports/funnel", FunnelReport)
            .WithSummary("The funnel of lifecycle.md §4: mode = cohort|period, from, to, window (days, cohort mode), by = campaign|channel|source|segment|owner, view = contact|account; format=xlsx for a workbook");
        reports.MapGet("/metrics/{id}/rows", Rows)
            .WithSummary("Drill-down: the transitions, deals, accounts, cost lines, answers, visits or messages behind a metric for [from, to); limit and offset");
        reports.MapGet("/metrics/catalog", Catalog).WithSummary("Every metric id: description, unit, breakdowns, and whether it is available yet");
        api.MapTargetEndpoints();
        reports.MapGet("/reports/forecast", ForecastReport)
            .WithSummary("Expected new customers and bookings in the next months (1–24, default 3) from the open funnel; lookback (1–60 months, default 12) of history");
    }

    private sealed record CatalogEntry(string Id, string Description, string Unit, string[] Breakdowns, bool Available, bool DrillDown);

    private static Ok<CatalogEntry[]> Catalog() => TypedResults.Ok(MetricCatalog.Metrics
        .Select(m => new CatalogEntry(m.Id, m.Description, m.Unit, m.Breakdowns.Select(b => b.ToString().ToLowerInvariant()).ToArray(), m.Available,
            MetricRows.For(m.Id) is not null)).ToArray());

    private static async Task<IResult> Rows(LifecycleDb db, TimeProvider clock, ChannelMapping channels, IConfiguration configuration,
        string id, string? from, string? to, [AsParameters] Paging paging, CancellationToken cancel)
    {
        if (MetricCatalog.Find(id) is null) return Validation.NotFound("metric", id);
        if (MetricRows.For(id) is not { } rows) return Validation.Unprocessable($"'{id}' has no drill-down rows yet");
        var check = new Validation();
        var settings = LifecycleReports.SettingsFrom(configuration);
        var period = ReportPeriod.Parse(from, to, settings.Zone, check.Add);
        if (period is null) return check.Problem();
        var facts = await ReportFacts.LoadAsync(db, period, clock.GetUtcNow().UtcDateTime, channels, cancel, needs: MetricCatalog.Find(id)!.Needs, drillDown: true);
        var all = rows(new MetricScope(facts, period, settings)).ToList();
        return TypedResults.Ok(new Page<object>(all.Skip(paging.Skip).Take(paging.Take).ToList(), paging.Take, paging.Skip, all.Count));
    }

    private static async Task<IResult> Lifecycle(LifecycleDb db, TimeProvider clock, ChannelMapping channels, IConfiguration configuration,
        string? from, string? to, string? format, CancellationToken cancel)
    {
        var check = new Validation();
        var settings = LifecycleReports.SettingsFrom(configuration);
        var period = ReportPeriod.Parse(from, to, settings.Zone, check.Add);
        var xlsx = Xlsx(format, check);
        if (!check.Ok || period is null) return check.Problem();
        var report = await new LifecycleReports(db, clock, channels, settings).LifecycleAsync(period, cancel);
        return xlsx ? File(ReportXlsx.Lifecycle(report), $"lifecycle-{from}-{to}") : TypedResults.Ok(report);
    }

    private static async Task<IResult> FunnelReport(LifecycleDb db, TimeProvider clock, IConfiguration configuration,
        string? mode, string? from, string? to, string? window, string? by, string? view, string? format, CancellationToken cancel)
    {
        var check = new Validation();
        var settings = LifecycleReports.SettingsFrom(configuration);
        var period = ReportPeriod.Parse(from, to, settings.Zone, check.Add);
        var options = Funnel.ParseOptions(mode, view, window, by, check.Add);
        var xlsx = Xlsx(format, check);
        if (!check.Ok || period is null) return check.Problem();
        var now = clock.GetUtcNow().UtcDateTime;
        var report = await Funnel.ReportAsync(db, period, options.Mode, options.View, options.Window, options.By, now, cancel);
        return xlsx ? File(ReportXlsx.Funnel(report), $"funnel-{report.Mode}-{from}-{to}") : TypedResults.Ok(report);
    }

    private static async Task<IResult> ForecastReport(LifecycleDb db, TimeProvider clock, string? months, string? lookback, string? format, CancellationToken cancel)
    {
        var check = new Validation();
        int Months(string field, string? text, int fallback, int max)
        {
            if (text is null) return fallback;
            if (int.TryParse(text, out var value) && value >= 1 && value <= max) return value;
            check.Add(field, $"'{text}' is not a whole number of months from 1 to {max}");
            return fallback;
        }
        var horizon = Months("months", months, 3, 24);
        var history = Months("lookback", lookback, 12, 60);
        var xlsx = Xlsx(format, check);
        if (!check.Ok) return check.Problem();
        var report = await Forecast.LoadAsync(db, clock.GetUtcNow().UtcDateTime, horizon, history, cancel);
        return xlsx ? File(ReportXlsx.Forecast(report), $"forecast-{horizon}-months") : TypedResults.Ok(report);
    }

    /// <summary>format = json (default) or xlsx; anything else is a field error.</summary>
    internal static bool Xlsx(string? format, Validation check)
    {
        switch (format?.Trim().ToLowerInvariant())
        {
            case null or "" or "json": return false;
            case "xlsx": return true;
            default: check.Add("format", $"'{format}' is not one of json, xlsx"); return false;
        }
    }

    internal static IResult File(byte[] workbook, string name) => TypedResults.File(workbook, ReportXlsx.ContentType, name + ".xlsx");

    private static async Task<IResult> Metrics(LifecycleDb db, TimeProvider clock, ChannelMapping channels, IConfiguration configuration,
        string? ids, string? from, string? to, string? by, string? format, CancellationToken cancel)
    {
        var check = new Validation();
        var settings = LifecycleReports.SettingsFrom(configuration);
        var period = ReportPeriod.Parse(from, to, settings.Zone, check.Add);
        var (metrics, dimension) = LifecycleReports.ParseSelection(ids, by, check.Add);
        var xlsx = Xlsx(format, check);
        if (!check.Ok || period is null) return check.Problem();
        var rows = await new LifecycleReports(db, clock, channels, settings).RowsAsync(period, metrics, dimension, cancel);
        return xlsx ? File(ReportXlsx.Rows(rows, from!, to!, settings.Zone.Id), $"metrics-{from}-{to}") : TypedResults.Ok(rows);
    }
}
