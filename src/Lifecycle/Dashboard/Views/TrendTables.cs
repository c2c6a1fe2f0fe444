using System.Text.Json;
using Lifecycle.Dashboard.Tables;
using Lifecycle.Reports;

namespace Lifecycle.Dashboard.Views;

public sealed record TrendModel(DateOnly Month, DataTable Table);

/// <summary>The overview's twelve-month trends: the stage counts of the catalog, month by month, as a table and a chart.</summary>
public static class TrendTables
{
    public const string Page = "trends";

    private static readonly (string Metric, string Title)[] Series =
    [
        ("capture.inquiries", "Inquiries"), ("nurture.new_leads", "New leads"), ("nurture.mqls", "MQLs"), ("convert.sqls", "SQLs"), ("convert.new_customers", "New customers"),
    ];

    /// <summary>The metrics the trends show.</summary>
    public static IEnumerable<MetricDefinition> Metrics => Series.Select(s => MetricCatalog.Find(s.Metric)!);

    public static async Task<TrendModel> LoadAsync(DashboardData data, IQueryCollection query)
    {
        var month = data.Month(query["month"]);
        return FromRows(month, await data.Reports().RowsAsync(data.TwelveMonths(month), Metrics.ToList(), null));
    }

    /// <summary>The trends of the twelve months ending with <paramref name="month"/> from rows that hold at least their metrics.</summary>
    public static TrendModel FromRows(DateOnly month, IReadOnlyList<MetricRow> rows)
    {
        var byMonth = rows.GroupBy(r => r.Period).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var columns = new List<Column> { new("month", "Month") };
        columns.AddRange(Series.Select(s => new Column(s.Metric, s.Title, ColumnKind.Count)));
        var cells = byMonth.Select(g => new Cell[] { new(g.Key) }
            .Concat(Series.Select(s => new Cell(g.First(r => r.Metric == s.Metric).Value))).ToArray()).ToList();
        return new TrendModel(month, new DataTable("trends", "Twelve months", columns, cells));
    }

    public static async Task<IReadOnlyList<DataTable>> TablesAsync(DashboardData data, IQueryCollection query) => [(await LoadAsync(data, query)).Table];

    /// <summary>The chart's data for charts.js (Chart.js line chart): months as labels, one series per count column, titles already translated.</summary>
    public static string ChartJson(DataTable table, Func<string, string> translate) => JsonSerializer.Serialize(new
    {
        labels = table.Rows.Select(r => (string)r[0].Value!).ToArray(),
        datasets = table.Columns.Skip(1).Select((c, i) => new { label = translate(c.Title), data = table.Rows.Select(r => r[i + 1].Value).ToArray() }).ToArray(),
    });
}
