using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Server;

/// <summary>
/// The workspace's time zone and currency (configuration <c>Lifecycle:Workspace:TimeZone</c>, an IANA or Windows
/// id, default UTC; <c>Lifecycle:Workspace:Currency</c>, an ISO 4217 code, default USD). Instants are stored in UTC;
/// screens, periods and exports show them in this zone, and money in this currency whatever the reader's language.
/// </summary>
public sealed record Workspace(TimeZoneInfo TimeZone, string Currency)
{
    public static readonly Workspace Default = new(TimeZoneInfo.Utc, "USD");

    public static Workspace From(IConfiguration configuration)
    {
        var zoneId = configuration["Lifecycle:Workspace:TimeZone"];
        var currency = configuration["Lifecycle:Workspace:Currency"];
        TimeZoneInfo zone;
        try
        {
            zone = string.IsNullOrWhiteSpace(zoneId) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneId.Trim());
        }
        catch (TimeZoneNotFoundException)
        {
            throw new InvalidOperationException($"Lifecycle:Workspace:TimeZone '{zoneId}' is not a known time zone (use an IANA id such as Asia/Tokyo).");
        }
        currency = string.IsNullOrWhiteSpace(currency) ? Default.Currency : currency.Trim().ToUpperInvariant();
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
            throw new InvalidOperationException($"Lifecycle:Workspace:Currency '{currency}' is not an ISO 4217 code (such as USD, EUR, JPY, KRW).");
        return new Workspace(zone, currency);
    }

    /// <summary>A stored UTC instant as wall-clock time in the workspace.</summary>
    public DateTime Local(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), TimeZone);

    /// <summary>The half-open UTC range [from, to) of a calendar month in the workspace time zone (lifecycle.md §2).</summary>
    public (DateTime From, DateTime To) Month(int year, int month) => Reports.ReportPeriod.MonthBounds(year, month, TimeZone);

    /// <summary>
    /// Money in the workspace currency, written the reader's way (digit grouping, decimal mark, symbol place). The
    /// reader's own currency gets its local symbol; a foreign one its ISO code, so "$" never means the wrong dollar.
    /// </summary>
    public string Money(decimal amount, CultureInfo culture)
    {
        var digits = Currency is "JPY" or "KRW" or "CLP" or "VND" or "ISK" ? 0 : 2;
        if (IsHomeCurrency(culture))
        {
            var format = (NumberFormatInfo)culture.NumberFormat.Clone();
            format.CurrencyDecimalDigits = digits;
            return amount.ToString("C", format);
        }
        var number = amount.ToString("N" + digits, culture);
        return culture.NumberFormat.CurrencyPositivePattern is 0 or 2 ? $"{Currency}\u00a0{number}" : $"{number}\u00a0{Currency}";
    }

    private bool IsHomeCurrency(CultureInfo culture)
    {
        if (culture.IsNeutralCulture || culture.Name.Length == 0) return false;
        try
        {
            return new RegionInfo(culture.Name).ISOCurrencySymbol == Currency;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
