using System.Globalization;
using System.Text;
using Lifecycle.Dashboard.Localization;
using Lifecycle.Segments;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;

namespace Lifecycle.Dashboard;

/// <summary>
/// The segment and settings pages' endpoints besides the pages: the segment editor's live count (the parser and count
/// the API's preview runs), a segment's members as CSV, and the editor's script.
/// </summary>
public static class SettingsEndpoints
{
    internal static void MapSettingsEndpoints(this WebApplication app, object pageMetadata)
    {
        // A GET: counting changes nothing, so it needs no anti-forgery token, and every role may count.
        app.MapGet("/segments/count", async (string? definition, LifecycleDb db, TimeProvider clock, IStringLocalizer<Text> text, CancellationToken cancel) =>
        {
            try
            {
                var count = await SegmentQueries.CountAsync(db, SegmentParser.Parse(definition), clock, cancel);
                return Results.Ok(new { count, text = MembersText(text, count) });
            }
            catch (SegmentSyntaxException e)
            {
                return Results.BadRequest(new { position = e.Position, reason = e.Reason, text = SyntaxText(text, e) });
            }
        }).RequireAuthorization(Dashboard.ReadPolicy).WithMetadata(pageMetadata).ExcludeFromDescription();

        app.MapGet("/segments/{id:long}/members.csv", async (long id, LifecycleDb db, TimeProvider clock, CancellationToken cancel) =>
        {
            if (await SegmentQueries.FindAsync(db, id.ToString(CultureInfo.InvariantCulture), cancel) is not { } segment) return Results.NotFound();
            var members = await SegmentQueries.MembersAsync(db, SegmentParser.Parse(segment.Definition), clock, null, 0, cancel);
            return Results.File(Encoding.UTF8.GetBytes(SegmentEndpoints.ToCsv(members)), "text/csv; charset=utf-8", $"segment-{id}-members.csv");
        }).RequireAuthorization(Dashboard.ReadPolicy).WithMetadata(pageMetadata).ExcludeFromDescription();

        DashboardPages.MapScript(app, "/dashboard/segments.js", "Lifecycle.Dashboard.Scripts.segments.js");
    }

    /// <summary>What an API handler's refusal says, shown next to the form: each field with its reasons, or the detail; null when it succeeded.</summary>
    public static string? Refusal(IResult result) => result switch
    {
        ValidationProblem v => Fields(v.ProblemDetails.Errors),
        ProblemHttpResult { ProblemDetails: HttpValidationProblemDetails v } => Fields(v.Errors),
        ProblemHttpResult p => p.ProblemDetails.Detail ?? p.ProblemDetails.Title,
        IStatusCodeHttpResult { StatusCode: >= 400 } s => $"status {s.StatusCode}",
        _ => null,
    };

    private static string Fields(IDictionary<string, string[]> errors) =>
        string.Join("; ", errors.SelectMany(e => e.Value.Select(reason => $"{e.Key}: {reason}")));

    public static string MembersText(IStringLocalizer<Text> text, long count) =>
        count == 1 ? text["1 member"] : text["{0} members", count.ToString("N0", CultureInfo.CurrentCulture)];

    public static string SyntaxText(IStringLocalizer<Text> text, SegmentSyntaxException e) => text["Position {0}: {1}", e.Position, e.Reason];
}
