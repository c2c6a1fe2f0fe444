using System.Globalization;

namespace Lifecycle.Interchange;

/// <summary>
/// The canonical text of values in the folder format (interchange.md): what the exporter and the demo
/// generator write, so the same data always gives the same bytes.
/// </summary>
public static class InterchangeText
{
    public static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    /// <summary>UTC with Z; fractional seconds only when present (PostgreSQL keeps microseconds).</summary>
    public static string Instant(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", Culture);

    public static string Instant(DateTime? utc) => utc is { } v ? Instant(v) : "";

    public static string Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", Culture) ?? "";

    public static string Month(DateOnly month) => month.ToString("yyyy-MM", Culture);

    /// <summary>Plain decimal, '.' separator, no trailing zeros (both engines store 4 decimals).</summary>
    public static string Amount(decimal amount) => amount.ToString("0.####", Culture);

    public static string Bool(bool value) => value ? "true" : "false";

    public static string Int(int? value) => value?.ToString(Culture) ?? "";
}
