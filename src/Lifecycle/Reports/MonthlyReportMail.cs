using System.Globalization;
using System.Net;
using System.Text;
using Lifecycle.Email;

namespace Lifecycle.Reports;

public sealed record MonthlyReportContent(string Subject, string Html, string Text, List<InlineImage> Images);

/// <summary>
/// The bodies of the team's report mail, pure: the monthly report (key metrics against the month before, the
/// month's targets, the period funnel and a 12-month trend) and the early warning. Every chart is a PNG sent inline
/// (<see cref="ReportCharts"/>) next to a table of its numbers, and its alt text states them too, so a client that
/// blocks images still shows every number.
/// </summary>
public static class MonthlyReportMail
{
    /// <summary>The key metrics of the monthly mail, in order; each is a catalog id, so the mail says what the API says.</summary>
    public static readonly string[] KeyMetrics =
    [
        "capture.inquiries", "nurture.new_leads", "nurture.mqls", "nurture.lead_to_mql_rate", "convert.sqls", "convert.win_rate",
        "convert.new_customers", "convert.average_deal_size", "cost.total", "nurture.cost_per_mql", "convert.cost_per_customer",
        "expand.churn_rate", "expand.net_revenue_retention",
    ];

    /// <summary>The stages of the period funnel (entries in the month) and the metric that counts each.</summary>
    public static readonly (string Stage, string Metric)[] FunnelStages =
    [
        ("inquiry", "capture.inquiries"), ("lead", "nurture.new_leads"), ("mql", "nurture.mqls"), ("sal", "convert.sals"),
        ("sql", "convert.sqls"), ("opportunity", "convert.opportunities"), ("customer", "convert.customer_contacts"),
    ];

    /// <summary>The metrics of the 12-month trend chart and their legend names.</summary>
    public static readonly (string Metric, string Name)[] TrendMetrics =
        [("nurture.new_leads", "new leads"), ("nurture.mqls", "MQLs"), ("convert.sqls", "SQLs"), ("convert.new_customers", "new customers")];

    /// <param name="trend">The <see cref="TrendMetrics"/> of the 12 months ending with this one (rows of <see cref="LifecycleReports.RowsAsync"/>).</param>
    public static MonthlyReportContent Build(DateOnly month, string zone, LifecycleReport current, LifecycleReport previous, TargetReport targets,
        IReadOnlyList<MetricRow> trend)
    {
        var images = new List<InlineImage>();
        var name = month.ToString("MMMM yyyy", CultureInfo.InvariantCulture);
        var html = new StringBuilder();
        var text = new StringBuilder();
        html.Append("<html><body style=\"font-family:sans-serif\">")
            .Append($"<h1>Lifecycle report: {E(name)}</h1><p>{E(current.From)} to {E(current.To)} (exclusive), time zone {E(zone)}.</p>");
        text.Append($"Lifecycle report: {name}\n{current.From} to {current.To} (exclusive), time zone {zone}\n\n");

        html.Append("<h2>Key metrics</h2><table id=\"key-metrics\" border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\">")
            .Append("<tr><th>metric</th><th>this month</th><th>month before</th><th>change</th></tr>");
        text.Append("Key metrics (this month / month before / change)\n");
        foreach (var id in KeyMetrics)
        {
            var unit = MetricCatalog.Find(id)!.Unit;
            var now = Value(current, id);
            var before = Value(previous, id);
            var change = now is { } a && before is { } b && b != 0 ? (a - b) / b : (double?)null;
            html.Append($"<tr><td>{E(id)}</td><td align=\"right\">{Show(now, unit)}</td><td align=\"right\">{Show(before, unit)}</td><td align=\"right\">{Percent(change, signed: true)}</td></tr>");
            text.Append($"{id}: {Show(now, unit)} / {Show(before, unit)} / {Percent(change, signed: true)}\n");
        }
        html.Append("</table>");

        html.Append("<h2>Targets</h2>");
        text.Append("\nTargets\n");
        if (targets.Metrics.Count == 0)
        {
            html.Append("<p>No targets were set for this month.</p>");
            text.Append("No targets were set for this month.\n");
        }
        else
        {
            html.Append("<table id=\"targets\" border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr><th>metric</th><th>actual</th><th>target</th><th>attainment</th><th>status</th></tr>");
            foreach (var row in targets.Metrics)
            {
                var unit = MetricCatalog.Find(row.Metric)!.Unit;
                var status = Status(row.Status);
                html.Append($"<tr><td>{E(row.Metric)}</td><td align=\"right\">{Show(row.Actual, unit)}</td><td align=\"right\">{Show(row.Target, unit)}</td>")
                    .Append($"<td align=\"right\">{Percent(row.Attainment)}</td><td style=\"color:{Colour(row.Status)}\">{status}</td></tr>");
                text.Append($"{row.Metric}: {Show(row.Actual, unit)} of {Show(row.Target, unit)} ({Percent(row.Attainment)}) {status}\n");
            }
            html.Append("</table>");
            html.Append(TargetsChart(images, month, name, targets));
        }

        html.Append("<h2>Funnel (entries in the month)</h2><table id=\"funnel\" border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\">");
        text.Append("\nFunnel (entries in the month)\n");
        var counts = FunnelStages.Select(s => (s.Stage, Count: Value(current, s.Metric) ?? 0)).ToList();
        foreach (var (stage, count) in counts)
        {
            html.Append($"<tr><td>{E(stage)}</td><td align=\"right\">{Count(count)}</td></tr>");
            text.Append($"{stage}: {Count(count)}\n");
        }
        html.Append("</table>")
            .Append(Image(images, "funnel", month, $"Funnel of {name} (entries in the month): {string.Join(", ", counts.Select(c => $"{c.Stage} {Count(c.Count)}"))}",
                ReportCharts.Bars($"Funnel, {name}", counts)));

        AppendTrend(html, text, images, month, trend);
        html.Append("</body></html>");
        return new MonthlyReportContent($"Lifecycle report {TargetReports.Month(month)}", html.ToString(), text.ToString(), images);
    }

    /// <summary>Attainment, not raw values: the metrics have different units, and 100 % is each one's target.</summary>
    private static string TargetsChart(List<InlineImage> images, DateOnly month, string name, TargetReport targets)
    {
        var attained = targets.Metrics.Select(r => (r.Metric, Percent: 100 * (r.Attainment ?? 0))).ToList();
        var alt = $"Targets of {name}, actual as a percentage of target: " + string.Join(", ", targets.Metrics.Select(r =>
        {
            var unit = MetricCatalog.Find(r.Metric)!.Unit;
            return $"{r.Metric} {Show(r.Actual, unit)} of {Show(r.Target, unit)} ({Percent(r.Attainment)})";
        }));
        return Image(images, "targets", month, alt, ReportCharts.Bars("Actual as % of target", attained, reference: 100));
    }

    /// <summary>The <see cref="TrendMetrics"/> over the 12 months ending with this one: a table, its text lines and a line chart.</summary>
    private static void AppendTrend(StringBuilder html, StringBuilder text, List<InlineImage> images, DateOnly month, IReadOnlyList<MetricRow> trend)
    {
        var months = Enumerable.Range(0, 12).Select(i => month.AddMonths(i - 11)).ToList();
        var values = trend.Where(r => r.Dimension is null).ToDictionary(r => (r.Metric, r.Period), r => Number(r.Value) ?? 0);
        var series = TrendMetrics.Select(t => (t.Name, Values: (IReadOnlyList<double>)months
            .Select(m => values.GetValueOrDefault((t.Metric, TargetReports.Month(m)))).ToList())).ToList();
        html.Append("<h2>12-month trend</h2><table id=\"trend\" border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr><th>month</th>")
            .Append(string.Concat(series.Select(s => $"<th>{E(s.Name)}</th>"))).Append("</tr>");
        text.Append($"\n12-month trend (month: {string.Join(" / ", series.Select(s => s.Name))})\n");
        for (var i = 0; i < months.Count; i++)
        {
            html.Append($"<tr><td>{TargetReports.Month(months[i])}</td>").Append(string.Concat(series.Select(s => $"<td align=\"right\">{Count(s.Values[i])}</td>"))).Append("</tr>");
            text.Append($"{TargetReports.Month(months[i])}: {string.Join(" / ", series.Select(s => Count(s.Values[i])))}\n");
        }
        var alt = $"Trend from {TargetReports.Month(months[0])} to {TargetReports.Month(month)}: "
            + string.Join("; ", series.Select(s => $"{s.Name} {string.Join(", ", s.Values.Select(Count))}"));
        html.Append("</table>").Append(Image(images, "trend", month, alt,
            ReportCharts.Lines("12-month trend", months.Select(m => m.ToString("MMM yy", CultureInfo.InvariantCulture)).ToList(), series)));
    }

    /// <summary>Adds the chart as an inline image and returns its img element, whose alt text states the chart's numbers.</summary>
    private static string Image(List<InlineImage> images, string chart, DateOnly month, string alt, byte[] png)
    {
        var contentId = $"{chart}.{TargetReports.Month(month)}@lifecycle.report";
        images.Add(new InlineImage(contentId, png));
        return $"<p><img id=\"{chart}-chart\" src=\"cid:{contentId}\" width=\"{ReportCharts.Width}\" height=\"{ReportCharts.Height}\" alt=\"{E(alt)}\"></p>";
    }

    public static (string Subject, string Html, string Text) Warning(TargetWarning warning, string zone)
    {
        var unit = MetricCatalog.Find(warning.MetricId)?.Unit ?? "count";
        var month = TargetReports.Month(warning.Month);
        var status = Status(warning.Status);
        var line = $"{warning.MetricId} is {status} for {month}: projected {Show((double?)warning.Projection, unit)} against a target of {Show((double)warning.Target, unit)} "
            + $"(so far {Show((double?)warning.Actual, unit)}; time zone {zone}).";
        return ($"Early warning: {warning.MetricId} is {status} ({month})", $"<html><body><p>{E(line)}</p></body></html>", line + "\n");
    }

    public static double? Value(LifecycleReport report, string id) => Number(report.Metrics.GetValueOrDefault(id));

    private static double? Number(object? value) => value switch
    {
        int i => i,
        double d => d,
        decimal m => (double)m,
        _ => null,
    };

    private static string Show(double? value, string unit) => value is not { } v ? "—" : unit switch
    {
        "rate" => Percent(v),
        "money" => v.ToString("#,0.00", CultureInfo.InvariantCulture),
        "count" => v.ToString("#,0.##", CultureInfo.InvariantCulture),
        _ => v.ToString("#,0.0", CultureInfo.InvariantCulture),
    };

    private static string Count(double count) => count.ToString("#,0.##", CultureInfo.InvariantCulture);

    private static string Percent(double? value, bool signed = false) =>
        value is not { } v ? "—" : (signed && v > 0 ? "+" : "") + (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Status(PacingStatus? status) => status switch
    {
        PacingStatus.OnTrack => "on track",
        PacingStatus.AtRisk => "at risk",
        PacingStatus.Behind => "behind",
        _ => "no data yet",
    };

    private static string Colour(PacingStatus? status) => status switch
    {
        PacingStatus.OnTrack => "#15803d",
        PacingStatus.AtRisk => "#b45309",
        PacingStatus.Behind => "#b91c1c",
        _ => "#6b7280",
    };

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
