using Lifecycle.Server;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Reports;

/// <summary>Targets per metric and month, and their pacing (lifecycle.md §5).</summary>
public static class TargetEndpoints
{
    public sealed record TargetInput(string? Metric, string? Month, decimal? Value);
    public sealed record TargetsInput(List<TargetInput>? Targets);
    public sealed record TargetOutput(string Metric, string Month, decimal Value, DateTime UpdatedAt);

    public static void MapTargetEndpoints(this RouteGroupBuilder api)
    {
        var targets = api.MapGroup("/").WithTags("Reports");
        targets.MapPut("/targets", Put)
            .WithSummary("Sets targets: {\"targets\": [{metric, month (YYYY-MM), value}]}; a metric and month already targeted gets the new value");
        targets.MapGet("/targets", List).WithSummary("Targets, optionally of one month (YYYY-MM) or one metric, by month then metric");
        targets.MapDelete("/targets/{metric}/{month}", Delete).WithSummary("Removes the target of a metric and month");
        targets.MapGet("/reports/targets", Report)
            .WithSummary("Every targeted metric of a month (default the current one): actual so far, target, run-rate projection, attainment, status, quarter to date");
    }

    internal static async Task<IResult> Put(LifecycleDb db, TimeProvider clock, TargetsInput input, CancellationToken cancel)
    {
        var check = new Validation();
        if (input.Targets is not { Count: > 0 }) check.Add("targets", "required (a list of {metric, month, value})");
        var rows = new Dictionary<(string, DateOnly), decimal>();
        for (var i = 0; i < (input.Targets?.Count ?? 0); i++)
        {
            var field = $"targets[{i}]";
            var target = input.Targets![i];
            var id = check.Required($"{field}.metric", target.Metric);
            if (id is not null)
            {
                if (MetricCatalog.Find(id) is not { } metric) check.Add($"{field}.metric", $"'{id}' is not a metric id");
                else if (TargetKind.Of(metric) is null) check.Add($"{field}.metric", $"'{id}' is not one number (targets are set on counts, rates, money and days)");
            }
            var month = check.Month($"{field}.month", target.Month);
            if (target.Value is null) check.Add($"{field}.value", "required");
            check.NotNegative($"{field}.value", target.Value);
            if (id is not null && month is { } m && target.Value is { } v && !rows.TryAdd((id, m), v))
                check.Add($"{field}", $"'{id}' {target.Month} appears twice");
        }
        if (!check.Ok) return check.Problem();

        var now = clock.GetUtcNow().UtcDateTime;
        var ids = rows.Keys.Select(k => k.Item1).Distinct().ToList();
        var existing = await db.Set<MetricTarget>().Where(t => ids.Contains(t.MetricId)).ToListAsync(cancel);
        foreach (var ((id, month), value) in rows)
        {
            if (existing.FirstOrDefault(t => t.MetricId == id && t.Month == month) is { } row) (row.Value, row.UpdatedAt) = (value, now);
            else db.Add(new MetricTarget { MetricId = id, Month = month, Value = value, UpdatedAt = now });
        }
        await db.SaveChangesAsync(cancel);
        return TypedResults.Ok(rows.Select(r => new TargetOutput(r.Key.Item1, TargetReports.Month(r.Key.Item2), r.Value, now))
            .OrderBy(t => t.Month, StringComparer.Ordinal).ThenBy(t => t.Metric, StringComparer.Ordinal).ToList());
    }

    private static async Task<IResult> List(LifecycleDb db, string? month, string? metric, CancellationToken cancel)
    {
        var check = new Validation();
        var first = month is null ? (DateOnly?)null : check.Month("month", month);
        if (!check.Ok) return check.Problem();
        var query = db.Set<MetricTarget>().AsNoTracking();
        if (first is { } m) query = query.Where(t => t.Month == m);
        if (!string.IsNullOrWhiteSpace(metric)) query = query.Where(t => t.MetricId == metric.Trim());
        var rows = await query.ToListAsync(cancel);
        return TypedResults.Ok(rows.OrderBy(t => t.Month).ThenBy(t => t.MetricId, StringComparer.Ordinal)
            .Select(t => new TargetOutput(t.MetricId, TargetReports.Month(t.Month), t.Value, t.UpdatedAt)).ToList());
    }

    internal static async Task<IResult> Delete(LifecycleDb db, string metric, string month, CancellationToken cancel)
    {
        var check = new Validation();
        var first = check.Month("month", month);
        if (!check.Ok) return check.Problem();
        var removed = await db.Set<MetricTarget>().Where(t => t.MetricId == metric && t.Month == first!.Value).ExecuteDeleteAsync(cancel);
        return removed == 0 ? Validation.NotFound("target", $"{metric} {month}") : TypedResults.NoContent();
    }

    private static async Task<IResult> Report(LifecycleDb db, TimeProvider clock, ChannelMapping channels, IConfiguration configuration,
        string? month, string? format, CancellationToken cancel)
    {
        var check = new Validation();
        var settings = LifecycleReports.SettingsFrom(configuration);
        var first = month is null ? TargetReports.MonthOf(clock.GetUtcNow().UtcDateTime, settings.Zone) : check.Month("month", month);
        var xlsx = ReportEndpoints.Xlsx(format, check);
        if (!check.Ok) return check.Problem();
        var report = await new TargetReports(db, clock, channels, settings).ForMonthAsync(first!.Value, cancel);
        return xlsx ? ReportEndpoints.File(ReportXlsx.Targets(report), $"targets-{report.Month}") : TypedResults.Ok(report);
    }
}
