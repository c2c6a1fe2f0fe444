using System.Globalization;
using Lifecycle.Contacts;
using Lifecycle.Dashboard.Tables;
using Lifecycle.Reports;
using Lifecycle.Storage;

namespace Lifecycle.Dashboard.Views;

public sealed record RowsModel(string? Metric, string? Description, DateOnly Month, string? By, string? Value, string? Error, DataTable Rows);

/// <summary>The drill-down page: Reports/MetricRows for one metric, month and breakdown value — the rows behind a number.</summary>
public static class RowsTables
{
    public const string Page = "rows";

    public static string Href(string metric, DateOnly month, string? by, string? value)
    {
        var href = $"/rows?metric={Uri.EscapeDataString(metric)}&month={DashboardData.MonthText(month)}";
        return by is null ? href : href + $"&by={by}&value={Uri.EscapeDataString(value ?? Slice.None)}";
    }

    public static async Task<RowsModel> LoadAsync(DashboardData data, IQueryCollection query)
    {
        var month = data.Month(query["month"]);
        string? id = query["metric"], by = query["by"], value = query["value"];
        var empty = new DataTable("rows", "Rows", [], []);
        if (id is null || MetricCatalog.Find(id) is not { } metric) return new RowsModel(id, null, month, by, value, "Unknown metric.", empty);
        if (MetricRows.For(id) is not { } rowsOf) return new RowsModel(id, metric.Description, month, by, value, "This number has no rows to show yet.", empty);
        Slice? slice = null;
        if (!string.IsNullOrEmpty(by))
        {
            if (!SnakeCase.TryParseEnum<Dimension>(by, out var dimension))
                return new RowsModel(id, metric.Description, month, by, value, "Unknown breakdown.", empty);
            slice = new Slice(dimension, value is null or Slice.None ? null : value);
        }
        var period = data.MonthPeriod(month);
        var facts = await ReportFacts.LoadAsync(data.Db, period, data.Clock.GetUtcNow().UtcDateTime, data.Channels, by: slice?.Dimension, needs: metric.Needs, drillDown: true);
        var rows = rowsOf(new MetricScope(facts, period, data.Settings).For(slice)).ToList();
        return new RowsModel(id, metric.Description, month, by, value, null, Table(rows));
    }

    public static async Task<IReadOnlyList<DataTable>> TablesAsync(DashboardData data, IQueryCollection query) => [(await LoadAsync(data, query)).Rows];

    /// <summary>The rows' own fields as columns (each metric's rows are one record type); a contact id links to its timeline.</summary>
    private static DataTable Table(List<object> rows)
    {
        if (rows.Count == 0) return new DataTable("rows", "Rows", [], []);
        var properties = rows[0].GetType().GetProperties();
        var columns = properties.Select(p => new Column(SnakeCase.Of(p.Name), Title(p.Name), Kind(p.Name, Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType))).ToList();
        var cells = rows.Select(row => properties.Select(p =>
        {
            var value = p.GetValue(row);
            return value switch
            {
                Enum status => new Cell(SnakeCase.Of(status.ToString())),
                DateOnly day => new Cell(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                string contact when p.Name == "ContactId" => new Cell(contact, "/contacts/" + Uri.EscapeDataString(contact)),
                _ => new Cell(value),
            };
        }).ToArray()).ToList();
        return new DataTable("rows", "Rows", columns, cells);
    }

    private static ColumnKind Kind(string name, Type type) => type switch
    {
        _ when type == typeof(decimal) => ColumnKind.Money,
        _ when type == typeof(double) => name.Contains("Days") ? ColumnKind.Days : ColumnKind.Number,
        _ when type == typeof(int) || type == typeof(long) => ColumnKind.Count,
        _ => ColumnKind.Text,
    };

    /// <summary>"FirstYearBookings" reads "First year bookings".</summary>
    private static string Title(string name)
    {
        var words = SnakeCase.Of(name).Replace('_', ' ');
        return char.ToUpperInvariant(words[0]) + words[1..];
    }
}
