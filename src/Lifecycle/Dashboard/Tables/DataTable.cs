using System.Globalization;
using CsvHelper;
using Lifecycle.Server;

namespace Lifecycle.Dashboard.Tables;

/// <summary>How a column's values read (Label: an English text key shown translated): on screen in the reader's culture and the workspace currency and zone, in CSV invariant.</summary>
public enum ColumnKind { Text, Label, Count, Rate, Money, Days, Number, Time }

/// <summary>A column: its CSV header (stable, snake_case), its title on screen (an English text key) and its kind.</summary>
public sealed record Column(string Key, string Title, ColumnKind Kind = ColumnKind.Text);

/// <summary>A value with an optional link (a drill-down, a contact's timeline).</summary>
public sealed record Cell(object? Value, string? Href = null);

/// <summary>
/// A table a dashboard page shows and exports: the page renders it, and /export/{page}/{name}.csv writes the very
/// same rows, so the CSV never disagrees with the screen; /export/{page}/{name}.xlsx writes them as a workbook.
/// </summary>
public sealed record DataTable(string Name, string Title, IReadOnlyList<Column> Columns, IReadOnlyList<Cell[]> Rows)
{
    public static string Display(Column column, object? value, Workspace workspace) => value switch
    {
        null => "—",
        string text => text,
        bool yes => yes ? "✓" : "",
        DateTime utc => workspace.Local(utc).ToString("g", CultureInfo.CurrentCulture),
        _ => column.Kind switch
        {
            ColumnKind.Rate => Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("P1", CultureInfo.CurrentCulture),
            ColumnKind.Money => workspace.Money(Convert.ToDecimal(value, CultureInfo.InvariantCulture), CultureInfo.CurrentCulture),
            ColumnKind.Count => Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("N0", CultureInfo.CurrentCulture),
            ColumnKind.Days => Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("#,0.#", CultureInfo.CurrentCulture),
            ColumnKind.Number => Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("#,0.####", CultureInfo.CurrentCulture),
            _ => Convert.ToString(value, CultureInfo.CurrentCulture) ?? "",
        },
    };

    /// <summary>A value as CSV text: numbers invariant and unrounded, instants in UTC ISO 8601, nothing as empty.</summary>
    public static string Invariant(object? value) => value switch
    {
        null => "",
        DateTime utc => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        bool yes => yes ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The table as an XLSX workbook (Reports' writer): numbers as numeric cells, unrounded; nothing as an empty cell.</summary>
    public byte[] ToXlsx() => Reports.ReportXlsx.Table(Name, Columns.Select(c => c.Key).ToList(), Rows.Select(r => r.Select(c => c.Value).ToList()));

    public void WriteCsv(TextWriter writer)
    {
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var column in Columns) csv.WriteField(column.Key);
        csv.NextRecord();
        foreach (var row in Rows)
        {
            foreach (var cell in row) csv.WriteField(Invariant(cell.Value));
            csv.NextRecord();
        }
    }
}
