using System.Globalization;
using System.Reflection;
using System.Security.Claims;
using System.Text;
using Lifecycle.Dashboard.Tables;
using Lifecycle.Dashboard.Views;
using Lifecycle.Pipeline;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.Dashboard;

/// <summary>
/// The dashboard pages' endpoints besides the pages: CSV and XLSX export of every table, the sales queue's actions as form
/// posts (the API's own handlers, with the signed-in user as actor) and the chart scripts served from the server.
/// </summary>
public static class DashboardPages
{
    /// <summary>Each page's tables by page name: the page shows them, /export/{page}/{table}.csv writes them.</summary>
    private static readonly Dictionary<string, Func<DashboardData, IQueryCollection, Task<IReadOnlyList<DataTable>>>> Tables = new()
    {
        [FunnelTables.Page] = FunnelTables.TablesAsync,
        [RowsTables.Page] = RowsTables.TablesAsync,
        [ConvertTables.Page] = ConvertTables.TablesAsync,
        [ExpandTables.Page] = ExpandTables.TablesAsync,
        [AttributionTables.Page] = AttributionTables.TablesAsync,
        [ExperimentsTables.Page] = ExperimentsTables.TablesAsync,
        [TrendTables.Page] = TrendTables.TablesAsync,
        [NurtureTables.Page] = NurtureTables.TablesAsync,
        [ProgramsTables.Page] = ProgramsTables.TablesAsync,
    };

    public static readonly string[] QueueActions = ["accept", "reject", "qualify", "deal"];

    internal static void MapDashboardPages(this WebApplication app, object pageMetadata)
    {
        app.MapGet("/export/{page}/{table}.csv", async (string page, string table, HttpContext http) =>
        {
            if (await FindTableAsync(page, table, http) is not { } found) return Results.NotFound();
            var text = new StringWriter(CultureInfo.InvariantCulture);
            found.WriteCsv(text);
            return Results.File(Encoding.UTF8.GetBytes(text.ToString()), "text/csv; charset=utf-8", $"{page}-{table}.csv");
        }).RequireAuthorization(Dashboard.ReadPolicy).WithMetadata(pageMetadata).ExcludeFromDescription();
        app.MapGet("/export/{page}/{table}.xlsx", async (string page, string table, HttpContext http) =>
            await FindTableAsync(page, table, http) is { } found
                ? Results.File(found.ToXlsx(), Reports.ReportXlsx.ContentType, $"{page}-{table}.xlsx")
                : Results.NotFound()).RequireAuthorization(Dashboard.ReadPolicy).WithMetadata(pageMetadata).ExcludeFromDescription();

        // Form posts: binding [FromForm] makes the anti-forgery check apply; the edit policy keeps viewers out.
        app.MapPost("/convert/{contactId}/{action}", async (string contactId, string action, [FromForm] string? reason, [FromForm] string? note,
            [FromForm] string? amount, [FromForm] string? type, [FromForm] string? month, HttpContext http) =>
        {
            if (http.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false }) return Results.BadRequest();
            var userId = long.TryParse(http.User.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : (long?)null;
            var db = http.RequestServices.GetRequiredService<Storage.LifecycleDb>();
            var clock = http.RequestServices.GetRequiredService<TimeProvider>();
            var result = action switch
            {
                "accept" => await SalesQueueEndpoints.Accept(db, clock, contactId, new SalesAction(userId, null, note)),
                "reject" => await SalesQueueEndpoints.Reject(db, clock, contactId, new SalesAction(userId, reason, note)),
                "qualify" => await SalesQueueEndpoints.Qualify(db, clock, contactId, new SalesAction(userId, null, note)),
                "deal" => await SalesQueueEndpoints.CreateDeal(db, clock, contactId, new QueueDealInput(null, null, type,
                    decimal.TryParse(amount, NumberStyles.Number, CultureInfo.InvariantCulture, out var a) ? a : null, null, null, null, null, null, userId)),
                _ => null,
            };
            if (result is null) return Results.NotFound();
            var status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status500InternalServerError;
            var outcome = status is >= 200 and < 300 ? $"done={action}" : $"failed={status}";
            var monthPart = DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? $"month={month}&" : "";
            return Results.Redirect($"/convert?{monthPart}{outcome}&contact={Uri.EscapeDataString(contactId)}");
        }).RequireAuthorization(Dashboard.EditPolicy).WithMetadata(pageMetadata).ExcludeFromDescription();

        MapScript(app, "/dashboard/chart.umd.min.js", "Lifecycle.Dashboard.Scripts.chart.umd.min.js");
        MapScript(app, "/dashboard/charts.js", "Lifecycle.Dashboard.Scripts.charts.js");
    }

    /// <summary>A page's table by name, loaded with the request's query as the page loads it.</summary>
    private static async Task<DataTable?> FindTableAsync(string page, string table, HttpContext http) =>
        Tables.TryGetValue(page, out var load)
            ? (await load(new DashboardData(http.RequestServices), http.Request.Query)).FirstOrDefault(t => t.Name == table)
            : null;

    internal static void MapScript(WebApplication app, string path, string resource)
    {
        var bytes = new Lazy<byte[]>(() =>
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
        app.MapGet(path, () => Results.Bytes(bytes.Value, "text/javascript; charset=utf-8")).ExcludeFromDescription();
    }
}
