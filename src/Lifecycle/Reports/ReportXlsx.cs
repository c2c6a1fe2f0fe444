using System.Text.Json;
using MiniExcelLibs;

namespace Lifecycle.Reports;

/// <summary>
/// The reports as XLSX workbooks (MiniExcel): the same rows as the JSON and CSV forms, numbers as numeric cells
/// (rates stay fractions, money stays decimal), null as an empty cell, objects flattened to dotted metric names,
/// and an "about" sheet naming the period and time zone so a forwarded file still says what it holds.
/// </summary>
public static class ReportXlsx
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    private static readonly JsonSerializerOptions Json = CreateJson();

    public static byte[] Lifecycle(LifecycleReport report) => Workbook(
        ("metrics", report.Metrics.SelectMany(m => LifecycleReports.Leaves(m.Key, m.Value, Json))
            .Select(leaf => Row(("metric", leaf.Name), ("value", Cell(leaf.Value))))),
        ("about", About(("from", report.From), ("to", report.To), ("time_zone", report.TimeZone))));

    public static byte[] Rows(IEnumerable<MetricRow> rows, string from, string to, string zone) => Workbook(
        ("metrics", rows.SelectMany(r => LifecycleReports.Leaves(r.Metric, r.Value, Json)
            .Select(leaf => Row(("metric", leaf.Name), ("period", r.Period), ("dimension", r.Dimension), ("value", Cell(leaf.Value)))))),
        ("about", About(("from", from), ("to", to), ("time_zone", zone))));

    public static byte[] Funnel(FunnelReport report) => Workbook(
        ("steps", report.Funnels.SelectMany(f => f.Steps.Select(s => Row(("dimension", f.Dimension), ("stage", s.Stage), ("count", s.Count),
            ("step_rate", s.StepRate), ("drop_off", s.DropOff), ("median_days", s.MedianDays), ("p75_days", s.P75Days), ("mean_days", s.MeanDays),
            ("stalled", s.Stalled), ("immature", s.Immature))))),
        ("balance", report.Funnels.SelectMany(f => f.Balance.Select(b => Row(("dimension", f.Dimension), ("stage", b.Key), ("count", b.Value))))),
        ("about", About(("mode", report.Mode), ("view", report.View), ("from", report.From), ("to", report.To), ("window_days", report.WindowDays),
            ("by", report.By), ("step_rate_kind", report.StepRateKind))));

    public static byte[] Targets(TargetReport report) => Workbook(
        ("targets", report.Metrics.Select(t => Row(("metric", t.Metric), ("month", t.Month), ("actual", t.Actual), ("target", t.Target),
            ("projection", t.Projection), ("attainment", t.Attainment), ("status", Status(t.Status)), ("days_elapsed", t.DaysElapsed),
            ("days_in_month", t.DaysInMonth), ("lower_is_better", t.LowerIsBetter), ("quarter", t.Quarter?.Quarter),
            ("quarter_actual_to_date", t.Quarter?.ActualToDate), ("quarter_target_to_date", t.Quarter?.TargetToDate),
            ("quarter_attainment", t.Quarter?.Attainment), ("quarter_status", Status(t.Quarter?.Status))))),
        ("about", About(("month", report.Month), ("as_of", report.AsOf), ("time_zone", report.TimeZone))));

    public static byte[] Forecast(ForecastReport report) => Workbook(
        ("stages", report.Stages.Select(s => Row(("stage", s.Stage), ("open", s.Open), ("history_entries", s.HistoryEntries),
            ("probability", s.Probability), ("expected_customers", s.ExpectedCustomers)))),
        ("months", report.Months.Select(m => Row(("month_ahead", m.MonthAhead), ("expected_customers", m.ExpectedCustomers), ("expected_bookings", m.ExpectedBookings)))),
        ("about", About(("as_of", report.AsOf), ("horizon_months", report.HorizonMonths), ("lookback_months", report.LookbackMonths),
            ("average_deal_size", report.AverageDealSize), ("expected_customers", report.ExpectedCustomers), ("expected_bookings", report.ExpectedBookings))));

    /// <summary>One dashboard table: a sheet named after it, headed by its column keys, the same values as its CSV.</summary>
    public static byte[] Table(string name, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows) =>
        Workbook((name, rows.Select(row => Row(columns.Select((column, i) => (column, row[i])).ToArray()))));

    private static byte[] Workbook(params (string Name, IEnumerable<Dictionary<string, object?>> Rows)[] sheets)
    {
        var book = new Dictionary<string, object>();
        foreach (var (name, rows) in sheets) book[name] = rows.ToList();
        using var stream = new MemoryStream();
        stream.SaveAs(book, excelType: ExcelType.XLSX);
        return stream.ToArray();
    }

    private static Dictionary<string, object?> Row(params (string Column, object? Value)[] cells) => cells.ToDictionary(c => c.Column, c => c.Value);

    private static IEnumerable<Dictionary<string, object?>> About(params (string Name, object? Value)[] items) =>
        items.Select(i => Row(("name", i.Name), ("value", i.Value)));

    private static object? Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDecimal(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static string? Status(PacingStatus? status) => status is { } s ? Storage.SnakeCase.Of(s.ToString()) : null;

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        Server.LifecycleServer.ConfigureJson(options);
        return options;
    }
}
