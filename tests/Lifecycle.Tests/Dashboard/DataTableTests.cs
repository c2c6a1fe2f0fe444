using System.Globalization;
using Lifecycle.Dashboard.Tables;
using Lifecycle.Server;

namespace Lifecycle.Tests.Dashboard;

/// <summary>The dashboard's tables: shown in the reader's culture and the workspace's zone and currency, exported invariant.</summary>
public class DataTableTests
{
    [Fact]
    public void Csv_holds_invariant_unrounded_values_utc_instants_and_quotes_what_needs_it()
    {
        var table = new DataTable("t", "T",
            [new("month", "Month"), new("cost", "Cost", ColumnKind.Money), new("rate", "Rate", ColumnKind.Rate), new("at", "At", ColumnKind.Time), new("comment", "Comment")],
            [
                [new("2026-03"), new(1234.5m), new(0.125), new(new DateTime(2026, 3, 1, 0, 30, 0, DateTimeKind.Utc)), new("say \"hi\", ok")],
                [new("2026-04"), new(null), new(null), new(null), new("<b>")],
            ]);
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("es-ES"); // a decimal comma must not leak into the CSV
        try
        {
            var text = new StringWriter();
            table.WriteCsv(text);
            Assert.Equal("month,cost,rate,at,comment\r\n2026-03,1234.5,0.125,2026-03-01T00:30:00Z,\"say \"\"hi\"\", ok\"\r\n2026-04,,,,<b>\r\n",
                text.ToString().Replace("\r\n", "\n").Replace("\n", "\r\n"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Values_show_in_the_readers_culture_with_the_workspace_zone_and_currency()
    {
        var tokyo = new Workspace(TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"), "USD");
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("en-US");
        try
        {
            Assert.Equal("1,234", DataTable.Display(new("n", "N", ColumnKind.Count), 1234, tokyo));
            Assert.Equal("12.5%", DataTable.Display(new("r", "R", ColumnKind.Rate), 0.125, tokyo));
            Assert.Equal("$1,234.50", DataTable.Display(new("m", "M", ColumnKind.Money), 1234.5m, tokyo));
            Assert.Equal("12.2", DataTable.Display(new("d", "D", ColumnKind.Days), 12.24, tokyo));
            // 00:30 UTC is 09:30 in Tokyo (UTC+9); ICU's en-US puts a narrow no-break space before AM.
            Assert.Equal("3/1/2026 9:30\u202fAM", DataTable.Display(new("t", "T", ColumnKind.Time), new DateTime(2026, 3, 1, 0, 30, 0, DateTimeKind.Utc), tokyo));
            Assert.Equal("—", DataTable.Display(new("r", "R", ColumnKind.Rate), null, tokyo));
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal("1.234", DataTable.Display(new("n", "N", ColumnKind.Count), 1234, tokyo));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }
}
