using System.Globalization;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Reports;

/// <summary>Quarter-to-date pacing of an additive metric: the quarter's actual so far against its target to date.</summary>
public sealed record QuarterPacing(string Quarter, double? ActualToDate, double? TargetToDate, double? Attainment, PacingStatus? Status);

/// <summary>One targeted metric of a month: its value so far, the target, the run-rate projection and the status.</summary>
public sealed record TargetRow(string Metric, string Month, double? Actual, double Target, double? Projection, double? Attainment,
    PacingStatus? Status, int DaysElapsed, int DaysInMonth, bool LowerIsBetter, QuarterPacing? Quarter);

public sealed record TargetReport(string Month, string TimeZone, string AsOf, IReadOnlyList<TargetRow> Metrics);

/// <summary>
/// GET /api/reports/targets: every metric with a target in the month, computed by the catalog (one definition per
/// metric id) over the month's completed days in the workspace zone, as known now.
/// </summary>
public sealed class TargetReports(LifecycleDb db, TimeProvider clock, ChannelMapping channels, ReportSettings settings)
{
    public async Task<TargetReport> ForMonthAsync(DateOnly month, CancellationToken cancel = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = TimeZoneInfo.ConvertTimeFromUtc(now, settings.Zone);
        var todayDay = DateOnly.FromDateTime(today);
        var quarterStart = new DateOnly(month.Year, (month.Month - 1) / 3 * 3 + 1, 1);
        var quarterMonths = Enumerable.Range(0, 3).Select(i => quarterStart.AddMonths(i)).ToList();
        var targets = await db.Set<MetricTarget>().AsNoTracking()
            .Where(t => t.Month >= quarterStart && t.Month <= quarterMonths[2]).ToListAsync(cancel);
        var ofMonth = targets.Where(t => t.Month == month).OrderBy(t => t.MetricId, StringComparer.Ordinal).ToList();
        var rows = new List<TargetRow>();
        var asOf = Day(todayDay);
        if (ofMonth.Count == 0) return new TargetReport(Month(month), settings.Zone.Id, asOf, rows);

        // Whole days completed in the workspace zone, cut at each month's end; one load serves the month and the quarter to date.
        DateOnly Cutoff(DateOnly first) => todayDay < first ? first : todayDay < first.AddMonths(1) ? todayDay : first.AddMonths(1);
        var monthCutoff = Cutoff(month);
        MetricScope? toDate = null;
        if (monthCutoff > quarterStart)
        {
            var span = new ReportPeriod(quarterStart, monthCutoff, settings.Zone);
            var needs = MetricDefinition.NeedsOf(ofMonth.Select(t => MetricCatalog.Find(t.MetricId)).OfType<MetricDefinition>());
            toDate = new MetricScope(await ReportFacts.LoadAsync(db, span, now, channels, cancel, needs: needs), span, settings);
        }
        var daysInMonth = month.AddMonths(1).DayNumber - month.DayNumber;
        var elapsed = monthCutoff.DayNumber - month.DayNumber;

        foreach (var target in ofMonth)
        {
            if (MetricCatalog.Find(target.MetricId) is not { } metric || TargetKind.Of(metric) is not { } kind) continue;
            double? actual = elapsed > 0 ? Number(metric.Compute!(toDate!.In(new ReportPeriod(month, monthCutoff, settings.Zone)))) : null;
            var projection = TargetPacing.Projection(actual, kind, elapsed, daysInMonth);
            var pacing = TargetPacing.Against(projection, (double)target.Value, kind);
            QuarterPacing? quarter = null;
            if (kind.Additive)
            {
                var begun = quarterMonths.Where(m => m <= month).Select(m => (
                    Target: targets.FirstOrDefault(t => t.MetricId == target.MetricId && t.Month == m) is { } t ? (double?)(double)t.Value : null,
                    DaysElapsed: Cutoff(m).DayNumber - m.DayNumber, DaysInMonth: m.AddMonths(1).DayNumber - m.DayNumber));
                var targetToDate = TargetPacing.QuarterTargetToDate(begun);
                double? actualToDate = toDate is not null ? Number(metric.Compute!(toDate)) : null;
                // On the quarter's first day nothing is due yet: no pacing.
                var q = targetToDate is null or 0 ? new Pacing(null, null, null) : TargetPacing.QuarterToDate(actualToDate, targetToDate, kind);
                quarter = new QuarterPacing($"{month.Year}-Q{(month.Month - 1) / 3 + 1}", actualToDate, targetToDate, q.Attainment, q.Status);
            }
            rows.Add(new TargetRow(target.MetricId, Month(month), actual, (double)target.Value, pacing.Projection, pacing.Attainment, pacing.Status,
                elapsed, daysInMonth, kind.LowerIsBetter, quarter));
        }
        return new TargetReport(Month(month), settings.Zone.Id, asOf, rows);
    }

    /// <summary>The month that holds the instant, in the workspace zone (its first day).</summary>
    public static DateOnly MonthOf(DateTime utc, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        return new DateOnly(local.Year, local.Month, 1);
    }

    private static double? Number(object? value) => value switch
    {
        null => null,
        int i => i,
        long l => l,
        double d => d,
        decimal m => (double)m,
        _ => null,
    };

    public static string Month(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
