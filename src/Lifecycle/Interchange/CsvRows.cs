using System.Globalization;
using System.Net.Mail;
using CsvHelper;
using CsvHelper.Configuration;

namespace Lifecycle.Interchange;

/// <summary>
/// Reads a CSV file row by row and turns fields into values, reporting any bad value as file:line:column.
/// Columns are found by header name; columns that are not standard become custom fields.
/// </summary>
internal sealed class CsvRows : IDisposable
{
    private readonly CsvReader _csv;
    private readonly Dictionary<string, int> _columns;
    private readonly string[] _header;
    private readonly HashSet<string> _standard;

    public string File { get; }
    public int Line { get; private set; }

    public CsvRows(string path, string file, string[] standardColumns, string[] requiredColumns, IReadOnlyDictionary<string, string>? rename = null)
    {
        File = file;
        _csv = new CsvReader(new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true),
            new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null, DetectColumnCountChanges = false, TrimOptions = TrimOptions.None });
        if (!_csv.Read() || !_csv.ReadHeader())
            throw new ImportException(file, 1, null, null, "the file has no header row");
        _header = _csv.HeaderRecord!.Select(h => rename is not null && rename.TryGetValue(h.Trim(), out var to) ? to : h.Trim()).ToArray();
        _columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _header.Length; i++)
        {
            if (_header[i].Length == 0) continue;
            if (!_columns.TryAdd(_header[i], i)) throw new ImportException(file, 1, i + 1, _header[i], "the column appears twice");
        }
        _standard = [.. standardColumns];
        foreach (var required in requiredColumns)
            if (!_columns.ContainsKey(required)) throw new ImportException(file, 1, null, required, "required column is missing from the header");
    }

    public bool Read()
    {
        if (!_csv.Read()) return false;
        Line = _csv.Parser.RawRow - CountNewlines() ;
        return true;
    }

    // RawRow is the physical line where the record ends; a quoted field with newlines starts earlier.
    private int CountNewlines() => _csv.Parser.RawRecord.TrimEnd('\r', '\n').Count(c => c == '\n');

    public bool Has(string column) => _columns.ContainsKey(column);

    public ImportException Error(string column, string reason) =>
        _columns.TryGetValue(column, out var index)
            ? new ImportException(File, Line, index + 1, column, reason)
            : new ImportException(File, Line, null, column, reason);

    public string? Text(string column)
    {
        if (!_columns.TryGetValue(column, out var index)) return null;
        var value = _csv.Parser.Count > index ? _csv.Parser[index] : null;
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string Required(string column) => Text(column) ?? throw Error(column, "required");

    public DateTime? Instant(string column)
    {
        var text = Text(column);
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant) &&
            (text.EndsWith('Z') || text.EndsWith('z') || HasOffset(text)))
            return instant.UtcDateTime;
        throw Error(column, $"'{text}' is not an ISO 8601 instant with an offset or Z (e.g. 2026-03-01T09:30:00Z)");
    }

    private static bool HasOffset(string text) =>
        text.Length > 6 && (text[^6] is '+' or '-') && text[^3] == ':' || text.Length > 5 && (text[^5] is '+' or '-') && text.IndexOf('T') > 0 && text[^5..].Skip(1).All(char.IsDigit);

    public DateOnly? Date(string column)
    {
        var text = Text(column);
        if (text is null) return null;
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw Error(column, $"'{text}' is not a date YYYY-MM-DD");
    }

    public DateOnly Month(string column)
    {
        var text = Required(column);
        return DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) && text.Length == 7
            ? month
            : throw Error(column, $"'{text}' is not a month YYYY-MM");
    }

    public decimal Amount(string column)
    {
        var text = Required(column);
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount))
            throw Error(column, $"'{text}' is not an amount (digits with '.' as the decimal separator)");
        if (amount < 0) throw Error(column, $"{text} is negative");
        if (decimal.Round(amount, 4) != amount) throw Error(column, $"{text} has more than 4 decimals");
        return amount;
    }

    public int? Integer(string column, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Text(column);
        if (text is null) return null;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw Error(column, $"'{text}' is not a whole number");
        if (value < min || value > max) throw Error(column, $"{value} is outside {min}–{max}");
        return value;
    }

    public bool Bool(string column)
    {
        var text = Text(column);
        return text?.ToLowerInvariant() switch
        {
            null or "false" => false,
            "true" => true,
            _ => throw Error(column, $"'{text}' is not true or false"),
        };
    }

    public TEnum Enum<TEnum>(string column, TEnum? fallback = null) where TEnum : struct, System.Enum
    {
        var text = Text(column);
        if (text is null && fallback is { } f) return f;
        if (text is null) throw Error(column, "required");
        return Storage.SnakeCase.TryParseEnum<TEnum>(text, out var value)
            ? value
            : throw Error(column, $"'{text}' is not one of {string.Join(", ", System.Enum.GetValues<TEnum>().Select(v => Storage.SnakeCase.Of(v.ToString())))}");
    }

    public string? Email(string column)
    {
        var text = Text(column);
        if (text is null) return null;
        return MailAddress.TryCreate(text, out var address) && address.Address == text && text.Contains('.', StringComparison.Ordinal)
            ? text.ToLowerInvariant()
            : throw Error(column, $"'{text}' is not a valid email address");
    }

    /// <summary>Non-empty values of the non-standard columns.</summary>
    public Dictionary<string, string> Custom()
    {
        var custom = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, index) in _columns)
        {
            if (_standard.Contains(name)) continue;
            var value = _csv.Parser.Count > index ? _csv.Parser[index] : null;
            if (!string.IsNullOrEmpty(value)) custom[name] = value;
        }
        return custom;
    }

    public void Dispose() => _csv.Dispose();
}
