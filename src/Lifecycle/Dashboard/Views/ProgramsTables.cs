using System.Text.Json;
using Lifecycle.Dashboard.Tables;
using Lifecycle.Programs;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Dashboard.Views;

/// <summary>One step of a program's graph as the page draws it: what it does, where it leads, who is in it now and all-time counts.</summary>
public sealed record StepNode(string Id, string Type, Phrase Summary, IReadOnlyList<StepArrow> Arrows, StepSummary Counts);

public sealed record ProgramDetail(ProgramView Program, IReadOnlyList<StepNode> Steps, string Json, DataTable StepsTable);

/// <summary>What a save from the editor did: saved (the program's id), or the API's field errors and nothing saved.</summary>
public sealed record EditorOutcome(string? SavedId, IReadOnlyList<(string Field, string Reason)> Errors);

/// <summary>
/// The programs pages: the list (status, active enrolments) and one program's step graph with live counts, and the
/// editor, which saves through the API's own handlers (ProgramEndpoints: the same check and the same errors).
/// </summary>
public static class ProgramsTables
{
    public const string Page = "programs";

    private static readonly JsonSerializerOptions Indented = new(ProgramDefinition.Json) { WriteIndented = true };

    public static string Href(string programId) => "/programs/" + Uri.EscapeDataString(programId);

    public static async Task<DataTable> ListAsync(DashboardData data)
    {
        var programs = await data.Db.Set<StoredProgram>().AsNoTracking().OrderBy(p => p.Id).ToListAsync();
        var active = await data.Db.Set<Enrolment>().AsNoTracking().Where(e => e.State == EnrolmentState.Active)
            .GroupBy(e => e.ProgramId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        return new DataTable("programs", "Programs",
            [new("name", "Name"), new("id", "Id"), new("status", "Status", ColumnKind.Label), new("steps", "Steps", ColumnKind.Count),
             new("active_enrolments", "Active enrolments", ColumnKind.Count), new("updated_at", "Updated", ColumnKind.Time)],
            programs.Select(p => new Cell[] { new(p.Name, Href(p.Id)), new(p.Id), new(SnakeCase.Of(p.Status.ToString())), new(p.Parse().Steps.Count),
                new(active.GetValueOrDefault(p.Id)), new(p.UpdatedAt) }).ToList());
    }

    public static async Task<ProgramDetail?> DetailAsync(DashboardData data, string id)
    {
        if (await data.Db.Set<StoredProgram>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == id) is not { } stored) return null;
        var view = await ProgramEndpoints.ViewAsync(data.Db, stored, default);
        var counts = view.Steps!.ToDictionary(s => s.Id);
        var nodes = view.Definition.Steps.Select(s => new StepNode(s.Id!, s.Type!, StepDescriptions.Describe(s), StepDescriptions.Arrows(s), counts[s.Id!])).ToList();
        var table = new DataTable("steps", "Steps, all time",
            [new("step", "Step"), new("type", "Type", ColumnKind.Label), new("in_step_now", "In this step now", ColumnKind.Count), new("entered", "Entered", ColumnKind.Count),
             new("completed", "Completed", ColumnKind.Count), new("goal", "Goal reached", ColumnKind.Count), new("dropped", "Dropped", ColumnKind.Count)],
            nodes.Select(n => new Cell[] { new(n.Id, "#step-" + n.Id), new(n.Type), new(n.Counts.Active), new(n.Counts.Entered), new(n.Counts.Completed),
                new(n.Counts.Goal), new(n.Counts.Dropped) }).ToList());
        return new ProgramDetail(view, nodes, JsonSerializer.Serialize(view.Definition, Indented), table);
    }

    /// <summary>The tables of /programs (the list) or, with ?program=id, of one program (its steps), for the exports.</summary>
    public static async Task<IReadOnlyList<DataTable>> TablesAsync(DashboardData data, IQueryCollection query)
    {
        if (query["program"].ToString() is not { Length: > 0 } id) return [await ListAsync(data)];
        return await DetailAsync(data, id) is { } detail ? [detail.StepsTable] : [];
    }

    /// <summary>
    /// Saves the JSON typed in the editor with the API's handler: POST /api/programs when <paramref name="programId"/>
    /// is null, else PUT /api/programs/{id}. Text that is not a program's JSON is refused here, as the API refuses the body.
    /// </summary>
    public static async Task<EditorOutcome> SaveAsync(LifecycleDb db, TimeProvider clock, string? programId, string? json)
    {
        ProgramDefinition? program;
        try
        {
            program = JsonSerializer.Deserialize<ProgramDefinition>(json ?? "", ProgramDefinition.Json);
        }
        catch (JsonException e)
        {
            return Refused(("json", $"line {e.LineNumber + 1}: {e.Message}"));
        }
        if (program is null) return Refused(("json", "a program is a JSON object"));
        var result = programId is null
            ? await ProgramEndpoints.Create(db, clock, program, default)
            : await ProgramEndpoints.Replace(db, clock, programId, program, default);
        return Outcome(result, programId ?? program.Id);
    }

    public static async Task<EditorOutcome> SetStatusAsync(LifecycleDb db, TimeProvider clock, string programId, ProgramStatus status) =>
        Outcome(await ProgramEndpoints.SetStatus(db, clock, programId, status), programId);

    private static EditorOutcome Outcome(IResult result, string? programId) => result switch
    {
        ValidationProblem invalid => Refused(invalid.ProblemDetails.Errors.SelectMany(e => e.Value.Select(reason => (e.Key, reason))).ToArray()),
        ProblemHttpResult problem => Refused(("", problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title ?? "refused")),
        _ => new EditorOutcome(programId, []),
    };

    private static EditorOutcome Refused(params (string Field, string Reason)[] errors) => new(null, errors);
}
