using System.Globalization;
using System.Text;
using CsvHelper;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Segments;

public sealed record SegmentInput(string? Name, string? Definition);

public sealed record CountView(long Count);

/// <summary>Segments: create (400 with position and reason when the definition does not parse), list, count, members, CSV export.</summary>
public static class SegmentEndpoints
{
    public static void MapSegmentEndpoints(this RouteGroupBuilder api)
    {
        var segments = api.MapGroup("/segments").WithTags("Segments");
        segments.MapGet("/", List).WithSummary("Saved segments");
        segments.MapPost("/", Create).WithSummary("Save a segment; a definition that does not parse answers 400 with its position and reason");
        segments.MapPost("/preview", Preview).WithSummary("Count the members of an unsaved definition");
        segments.MapGet("/{id:long}", Get).WithSummary("One segment");
        segments.MapGet("/{id:long}/count", Count).WithSummary("How many contacts are members now");
        segments.MapGet("/{id:long}/members", Members).WithSummary("Members now, by contact id (limit, offset)");
        segments.MapGet("/{id:long}/members.csv", Export).WithSummary("All members now as CSV");
    }

    private static async Task<IResult> List(LifecycleDb db, [AsParameters] Paging paging)
    {
        var query = db.Set<Segment>().AsNoTracking();
        var items = await query.OrderBy(s => s.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync();
        return TypedResults.Ok(new Page<Segment>(items, paging.Take, paging.Skip, await query.CountAsync()));
    }

    private static async Task<IResult> Get(LifecycleDb db, long id) =>
        await db.Set<Segment>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id) is { } segment
            ? TypedResults.Ok(segment)
            : Validation.NotFound("segment", id.ToString(CultureInfo.InvariantCulture));

    /// <summary>The 400 for a definition that does not parse: errors.definition and the position as an extension.</summary>
    public static IResult SyntaxProblem(SegmentSyntaxException e) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["definition"] = [e.Message] },
        title: "The segment definition does not parse",
        extensions: new Dictionary<string, object?> { ["position"] = e.Position, ["reason"] = e.Reason });

    private static async Task<IResult> Create(LifecycleDb db, TimeProvider clock, SegmentInput input)
    {
        var check = new Validation();
        var name = check.Required("name", input.Name);
        if (name is { Length: > 200 }) check.Add("name", "at most 200 characters");
        var definition = check.Required("definition", input.Definition);
        if (!check.Ok) return check.Problem();
        try
        {
            SegmentParser.Parse(definition);
        }
        catch (SegmentSyntaxException e)
        {
            return SyntaxProblem(e);
        }
        if (await db.Set<Segment>().AnyAsync(s => s.Name == name)) return Validation.Conflict($"a segment named '{name}' already exists");
        var segment = await SegmentQueries.CreateAsync(db, name!, definition!, clock, default);
        return TypedResults.Created($"/api/segments/{segment.Id}", segment);
    }

    private static async Task<IResult> Preview(LifecycleDb db, TimeProvider clock, SegmentInput input, CancellationToken cancel)
    {
        var check = new Validation();
        var definition = check.Required("definition", input.Definition);
        if (!check.Ok) return check.Problem();
        try
        {
            return TypedResults.Ok(new CountView(await SegmentQueries.CountAsync(db, SegmentParser.Parse(definition), clock, cancel)));
        }
        catch (SegmentSyntaxException e)
        {
            return SyntaxProblem(e);
        }
    }

    private static async Task<IResult> Count(LifecycleDb db, TimeProvider clock, long id, CancellationToken cancel)
    {
        if (await db.Set<Segment>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancel) is not { } segment)
            return Validation.NotFound("segment", id.ToString(CultureInfo.InvariantCulture));
        return TypedResults.Ok(new CountView(await SegmentQueries.CountAsync(db, SegmentParser.Parse(segment.Definition), clock, cancel)));
    }

    private static async Task<IResult> Members(LifecycleDb db, TimeProvider clock, long id, [AsParameters] Paging paging, CancellationToken cancel)
    {
        if (await db.Set<Segment>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancel) is not { } segment)
            return Validation.NotFound("segment", id.ToString(CultureInfo.InvariantCulture));
        var filter = SegmentParser.Parse(segment.Definition);
        var items = await SegmentQueries.MembersAsync(db, filter, clock, paging.Take, paging.Skip, cancel);
        var total = await SegmentQueries.CountAsync(db, filter, clock, cancel);
        return TypedResults.Ok(new Page<SegmentMember>(items, paging.Take, paging.Skip, (int)total));
    }

    private static async Task<IResult> Export(LifecycleDb db, TimeProvider clock, long id, CancellationToken cancel)
    {
        if (await db.Set<Segment>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancel) is not { } segment)
            return Validation.NotFound("segment", id.ToString(CultureInfo.InvariantCulture));
        var members = await SegmentQueries.MembersAsync(db, SegmentParser.Parse(segment.Definition), clock, null, 0, cancel);
        return TypedResults.Text(ToCsv(members), "text/csv; charset=utf-8");
    }

    /// <summary>Members as CSV with the interchange column names (contact_id, email, …).</summary>
    public static string ToCsv(IEnumerable<SegmentMember> members)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using var csv = new CsvWriter(writer, new CsvHelper.Configuration.CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" });
        foreach (var header in new[] { "contact_id", "email", "first_name", "last_name", "title", "status", "account_id" }) csv.WriteField(header);
        csv.NextRecord();
        foreach (var m in members)
        {
            foreach (var value in new[] { m.Id, m.Email, m.FirstName, m.LastName, m.Title, m.Status, m.AccountId }) csv.WriteField(value);
            csv.NextRecord();
        }
        csv.Flush();
        return writer.ToString();
    }
}
