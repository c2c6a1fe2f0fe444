using System.Globalization;
using Lifecycle.Server;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Tests.Server;

public class WorkspaceTests
{
    private static Workspace From(string? zone, string? currency) =>
        Workspace.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifecycle:Workspace:TimeZone"] = zone, ["Lifecycle:Workspace:Currency"] = currency,
        }).Build());

    [Fact]
    public void A_month_is_a_calendar_month_of_the_workspace_time_zone()
    {
        // Tokyo is UTC+9 all year: November 2026 there runs from Oct 31 15:00 UTC to Nov 30 15:00 UTC.
        var tokyo = From("Asia/Tokyo", null);
        Assert.Equal((new DateTime(2026, 10, 31, 15, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 30, 15, 0, 0, DateTimeKind.Utc)), tokyo.Month(2026, 11));
        // Madrid leaves summer time on Oct 25 2026: October starts at UTC+2 (Sep 30 22:00 UTC), November at UTC+1.
        var madrid = From("Europe/Madrid", null);
        Assert.Equal((new DateTime(2026, 9, 30, 22, 0, 0, DateTimeKind.Utc), new DateTime(2026, 10, 31, 23, 0, 0, DateTimeKind.Utc)), madrid.Month(2026, 10));
        Assert.Equal(new DateTime(2026, 11, 1, 0, 30, 0), tokyo.Local(new DateTime(2026, 10, 31, 15, 30, 0, DateTimeKind.Utc)));
        // The default is UTC.
        Assert.Equal((new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc)), From(null, null).Month(2026, 2));
    }

    [Fact]
    public void Money_is_written_the_readers_way_in_the_workspace_currency()
    {
        var usd = From(null, "usd");
        Assert.Equal("$1,234.50", usd.Money(1234.5m, CultureInfo.GetCultureInfo("en-US")));
        // A foreign currency shows its code, never a local "$" or "¥" that would mean another money.
        Assert.Equal("USD\u00a01,234.50", usd.Money(1234.5m, CultureInfo.GetCultureInfo("ja-JP")));
        Assert.Equal("1.234,50\u00a0USD", usd.Money(1234.5m, CultureInfo.GetCultureInfo("es-ES")));
        // Yen and won have no minor unit.
        var yen = From(null, "JPY");
        var japan = CultureInfo.GetCultureInfo("ja-JP");
        Assert.Equal(japan.NumberFormat.CurrencySymbol + "1,234", yen.Money(1234.4m, japan));
        Assert.Equal("JPY\u00a01,234", yen.Money(1234.4m, CultureInfo.GetCultureInfo("en-US")));
        var korea = CultureInfo.GetCultureInfo("ko-KR");
        Assert.Equal(korea.NumberFormat.CurrencySymbol + "50,000", From(null, "KRW").Money(50000m, korea));
    }

    [Fact]
    public void A_wrong_time_zone_or_currency_stops_the_start_with_the_setting_named()
    {
        var zone = Assert.Throws<InvalidOperationException>(() => From("Mars/Olympus", null));
        Assert.Contains("Lifecycle:Workspace:TimeZone 'Mars/Olympus'", zone.Message);
        var currency = Assert.Throws<InvalidOperationException>(() => From(null, "dollars"));
        Assert.Contains("Lifecycle:Workspace:Currency 'DOLLARS'", currency.Message);
    }
}
