using Lifecycle.Dashboard.Tables;
using Lifecycle.Reports;

namespace Lifecycle.Dashboard.Views;

public sealed record FunnelModel(DateOnly Month, FunnelMode Mode, FunnelTables.Choice Choice, IReadOnlyList<string> Errors, DataTable Steps, DataTable Balance);

/// <summary>The funnel page: Reports/Funnel for a month, each count linked to the catalog rows behind it where they are the same.</summary>
public static class FunnelTables
{
    public const string Page = "funnel";

    /// <summary>What the reader chose, as typed (the form shows it back).</summary>
    public sealed record Choice(string Mode, string? By, string? View, string? Window);

    /// <summary>
    /// Period-mode stages whose count is exactly a catalog metric's count (every entry into the status, contact view).
    /// Inquiry and lead are left out: the funnel counts re-entries there, capture.inquiries and nurture.new_leads do not.
    /// </summary>
    private static readonly Dictionary<string, string> PeriodRows = new()
    {
        ["mql"] = "nurture.mqls", ["sal"] = "convert.sals", ["sql"] = "convert.sqls",
        ["opportunity"] = "convert.opportunities", ["customer"] = "convert.customer_contacts",
    };

    public static async Task<FunnelModel> LoadAsync(DashboardData data, IQueryCollection query)
    {
        var month = data.Month(query["month"]);
        var choice = new Choice(query["mode"] is { Count: > 0 } mode ? mode.ToString() : "period", query["by"], query["view"], query["window"]);
        var errors = new List<string>();
        var options = Funnel.ParseOptions(choice.Mode, choice.View, choice.Window, choice.By, (field, reason) => errors.Add($"{field}: {reason}"));
        var window = options.Mode == FunnelMode.Cohort ? options.Window : null;
        var now = data.Clock.GetUtcNow().UtcDateTime;
        var report = await Funnel.ReportAsync(data.Db, data.MonthPeriod(month), options.Mode, options.View, window, options.By, now);

        var cohort = options.Mode == FunnelMode.Cohort;
        var by = options.By is { } d ? d.ToString().ToLowerInvariant() : null;
        var columns = new List<Column>();
        if (by is not null) columns.Add(new Column(by, Title(options.By!.Value)));
        columns.AddRange([new("stage", "Stage"), new("count", cohort ? "Reached" : "Entered", ColumnKind.Count), new("step_rate", "Step rate", ColumnKind.Rate)]);
        if (cohort)
            columns.AddRange([new("drop_off", "Dropped", ColumnKind.Count), new("median_days", "Median days", ColumnKind.Days),
                new("stalled", "Stalled", ColumnKind.Count), new("immature", "Still growing")]);
        var steps = new List<Cell[]>();
        var balance = new List<Cell[]>();
        foreach (var part in report.Funnels)
        {
            foreach (var step in part.Steps)
            {
                var metric = options.View == FunnelView.Contact ? RowsMetric(cohort, step.Stage) : null;
                var cells = new List<Cell>();
                if (by is not null) cells.Add(new Cell(part.Dimension));
                cells.AddRange([new Cell(step.Stage), new Cell(step.Count, metric is null ? null : RowsTables.Href(metric, month, by, part.Dimension)), new Cell(step.StepRate)]);
                if (cohort) cells.AddRange([new Cell(step.DropOff), new Cell(step.MedianDays), new Cell(step.Stalled), new Cell(step.Immature)]);
                steps.Add(cells.ToArray());
            }
            foreach (var (status, count) in part.Balance)
                balance.Add(by is null ? [new Cell(status), new Cell(count)] : [new Cell(part.Dimension), new Cell(status), new Cell(count)]);
        }
        List<Column> balanceColumns = by is null ? [] : [new Column(by, Title(options.By!.Value))];
        balanceColumns.AddRange([new Column("status", "Status"), new Column("contacts", options.View == FunnelView.Account ? "Accounts" : "Contacts", ColumnKind.Count)]);
        return new FunnelModel(month, options.Mode, choice, errors,
            new DataTable("steps", cohort ? "Cohort funnel" : "Period funnel", columns, steps),
            new DataTable("balance", "Where they are at the month's end", balanceColumns, balance));
    }

    public static async Task<IReadOnlyList<DataTable>> TablesAsync(DashboardData data, IQueryCollection query)
    {
        var model = await LoadAsync(data, query);
        return [model.Steps, model.Balance];
    }

    /// <summary>Cohort mode: only the cohort itself (first entries into inquiry) is a catalog metric's rows.</summary>
    private static string? RowsMetric(bool cohort, string stage) =>
        cohort ? (stage == "inquiry" ? "capture.inquiries" : null) : PeriodRows.GetValueOrDefault(stage);

    public static string Title(Dimension dimension) => dimension switch
    {
        Dimension.Campaign => "Campaign",
        Dimension.Channel => "Channel",
        _ => "Source",
    };
}
