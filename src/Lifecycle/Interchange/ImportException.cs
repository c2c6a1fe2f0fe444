namespace Lifecycle.Interchange;

/// <summary>A bad row: where it is (file, 1-based line and column, column name) and why. Nothing of its file is applied.</summary>
public sealed class ImportException(string file, int line, int? column, string? columnName, string reason)
    : Exception(Format(file, line, column, columnName, reason))
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public int? Column { get; } = column;
    public string? ColumnName { get; } = columnName;
    public string Reason { get; } = reason;

    private static string Format(string file, int line, int? column, string? columnName, string reason) =>
        column is { } c ? $"{file}:{line}:{c} ({columnName}): {reason}"
        : columnName is not null ? $"{file}:{line}: {columnName}: {reason}"
        : $"{file}:{line}: {reason}";
}

public sealed record ImportProgress(string File, long Rows);

/// <summary>What importing one file did. Rows already present with the same key were updated in place.</summary>
public sealed record FileImportSummary(string File, long Rows, long New, TimeSpan Took);
