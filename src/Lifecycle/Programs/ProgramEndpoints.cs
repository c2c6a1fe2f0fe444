using System.Globalization;
using Lifecycle.Email;
using Lifecycle.Segments;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Programs;

public sealed record EnrolInput(string? ContactId);

public sealed record StepSummary(string Id, string Type, int Active, int Entered, int Completed, int Goal, int Dropped);

public sealed record ProgramView(string Id, string Name, ProgramStatus Status, ProgramDefinition Definition, DateTime CreatedAt, DateTime UpdatedAt,
    IReadOnlyList<StepSummary>? Steps);

public sealed record EnrolmentView(long Id, string ProgramId, string ContactId, EnrolmentState State, string CurrentStepId, bool Waiting,
    DateTime DueAt, string Trigger, DateTime EnteredAt, DateTime? EndedAt, string? EndReason);

public sealed record ProgramStepsReport(string ProgramId, string Month, IReadOnlyList<ProgramStepCounts> Steps);

/// <summary>Programs under /api/programs: define (checked), activate, pause, enrol by API, and read counts per step.</summary>
public static class ProgramEndpoints
{
    public static void MapProgramEndpoints(this RouteGroupBuilder api)
    {
        var programs = api.MapGroup("/programs").WithTags("Programs");
        programs.MapPost("/", Create).WithSummary("Define a program (JSON graph of steps); every step is checked, errors name the step and field");
        programs.MapGet("/", List).WithSummary("List programs");
        programs.MapGet("/{id}", Get).WithSummary("One program with its definition and, per step, contacts in it now and all-time entered/completed/goal/dropped");
        programs.MapPut("/{id}", Replace).WithSummary("Replace a program's definition (checked as on create)");
        programs.MapPost("/{id}/activate", (LifecycleDb db, TimeProvider clock, string id) => SetStatus(db, clock, id, ProgramStatus.Active))
            .WithSummary("Activate a program: its triggers enrol and its enrolments run");
        programs.MapPost("/{id}/pause", (LifecycleDb db, TimeProvider clock, string id) => SetStatus(db, clock, id, ProgramStatus.Paused))
            .WithSummary("Pause a program: nobody enrols, and enrolled contacts stay where they are until it is active again");
        programs.MapPost("/{id}/enrolments", Enrol).WithSummary("Enrol a contact; 409 when it is already active in the program or its re-entry rule refuses");
        programs.MapGet("/{id}/steps", Steps).WithSummary("nurture.program_steps for a month (?month=YYYY-MM, workspace time zone)");
    }

    internal static async Task<IResult> Create(LifecycleDb db, TimeProvider clock, ProgramDefinition program, CancellationToken cancel)
    {
        var check = await CheckAsync(db, program, cancel);
        if (!check.Ok) return check.Problem();
        if (await db.Set<StoredProgram>().AnyAsync(p => p.Id == program.Id, cancel)) return Validation.Conflict($"a program '{program.Id}' exists; PUT /api/programs/{program.Id} replaces it");
        var now = clock.GetUtcNow().UtcDateTime;
        var stored = new StoredProgram { Id = program.Id!, Name = program.Name!, Status = program.Status, Definition = program.ToJson(), CreatedAt = now, UpdatedAt = now };
        db.Add(stored);
        await db.SaveChangesAsync(cancel);
        return TypedResults.Created($"/api/programs/{stored.Id}", await ViewAsync(db, stored, cancel));
    }

    internal static async Task<IResult> Replace(LifecycleDb db, TimeProvider clock, string id, ProgramDefinition program, CancellationToken cancel)
    {
        var stored = await db.Set<StoredProgram>().FirstOrDefaultAsync(p => p.Id == id, cancel);
        if (stored is null) return Validation.NotFound("program", id);
        if (program.Id is not null && program.Id != id)
        {
            var mismatch = new Validation();
            mismatch.Add("id", $"'{program.Id}' differs from the program in the path '{id}'");
            return mismatch.Problem();
        }
        program = program with { Id = id };
        var check = await CheckAsync(db, program, cancel);
        if (!check.Ok) return check.Problem();
        (stored.Name, stored.Status, stored.Definition, stored.UpdatedAt) = (program.Name!, program.Status, program.ToJson(), clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(cancel);
        return TypedResults.Ok(await ViewAsync(db, stored, cancel));
    }

    private static async Task<Validation> CheckAsync(LifecycleDb db, ProgramDefinition program, CancellationToken cancel)
    {
        var templates = (await db.Set<EmailTemplate>().AsNoTracking().Select(t => t.Id).ToListAsync(cancel)).ToHashSet();
        var segments = await db.Set<Segment>().AsNoTracking().Select(s => new { s.Id, s.Name }).ToListAsync(cancel);
        return ProgramCheck.Check(program, templates,
            segments.SelectMany(s => new[] { s.Name, s.Id.ToString(CultureInfo.InvariantCulture) }).ToHashSet());
    }

    private static async Task<IResult> List(LifecycleDb db, [AsParameters] Paging paging, CancellationToken cancel)
    {
        var query = db.Set<StoredProgram>().AsNoTracking();
        var items = await query.OrderBy(p => p.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(cancel);
        return TypedResults.Ok(new Page<ProgramView>(items.Select(p => View(p, null)).ToList(), paging.Take, paging.Skip, await query.CountAsync(cancel)));
    }

    private static async Task<IResult> Get(LifecycleDb db, string id, CancellationToken cancel) =>
        await db.Set<StoredProgram>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancel) is { } stored
            ? TypedResults.Ok(await ViewAsync(db, stored, cancel))
            : Validation.NotFound("program", id);

    internal static async Task<IResult> SetStatus(LifecycleDb db, TimeProvider clock, string id, ProgramStatus status)
    {
        var stored = await db.Set<StoredProgram>().FirstOrDefaultAsync(p => p.Id == id);
        if (stored is null) return Validation.NotFound("program", id);
        if (stored.Status != status) (stored.Status, stored.UpdatedAt) = (status, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync();
        return TypedResults.Ok(await ViewAsync(db, stored, default));
    }

    private static async Task<IResult> Enrol(LifecycleDb db, TimeProvider clock, string id, EnrolInput input, CancellationToken cancel)
    {
        var v = new Validation();
        var contactId = v.Required("contact_id", input.ContactId);
        if (!v.Ok) return v.Problem();
        var stored = await db.Set<StoredProgram>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancel);
        if (stored is null) return Validation.NotFound("program", id);
        if (!await db.Contacts.AnyAsync(c => c.Id == contactId, cancel)) return Validation.NotFound("contact", contactId!);
        if (stored.Status != ProgramStatus.Active) return Validation.Conflict($"program '{id}' is {SnakeCase.Of(stored.Status.ToString())}; activate it first");
        return await ProgramEnrolments.EnrolAsync(db, stored.Parse(), contactId!, "api", clock.GetUtcNow().UtcDateTime, cancel) switch
        {
            ProgramEnrolments.Enrolled e => TypedResults.Created($"/api/programs/{id}/enrolments/{e.Enrolment.Id}", View(e.Enrolment)),
            ProgramEnrolments.AlreadyActive a => Validation.Conflict($"contact '{contactId}' is already active in program '{id}' (enrolment {a.EnrolmentId})"),
            ProgramEnrolments.Refused r => Validation.Conflict(r.Reason),
            _ => throw new InvalidOperationException("unknown enrolment outcome"),
        };
    }

    private static async Task<IResult> Steps(LifecycleDb db, Workspace workspace, string id, string? month, CancellationToken cancel)
    {
        var v = new Validation();
        var first = v.Month("month", month);
        if (!v.Ok) return v.Problem();
        var stored = await db.Set<StoredProgram>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancel);
        if (stored is null) return Validation.NotFound("program", id);
        var (from, to) = workspace.Month(first!.Value.Year, first.Value.Month);
        return TypedResults.Ok(new ProgramStepsReport(id, month!, await StepCountsAsync(db, stored, from, to, cancel)));
    }

    /// <summary>nurture.program_steps of one program in [from, to), as the API and the dashboard report it.</summary>
    internal static async Task<List<ProgramStepCounts>> StepCountsAsync(LifecycleDb db, StoredProgram stored, DateTime from, DateTime to, CancellationToken cancel)
    {
        // Every run with an instant that can fall in the period: entered before its end, not ended before its start.
        var runs = await db.Set<StepRun>().AsNoTracking()
            .Where(r => r.ProgramId == stored.Id && r.EnteredAt < to && (r.EndedAt == null || r.EndedAt >= from))
            .Select(r => new StepRunFact(r.StepId, r.EnteredAt, r.EndedAt, r.Outcome)).ToListAsync(cancel);
        return ProgramStepMetrics.Compute(stored.Parse(), runs, from, to);
    }

    internal static async Task<ProgramView> ViewAsync(LifecycleDb db, StoredProgram stored, CancellationToken cancel)
    {
        var runs = await db.Set<StepRun>().AsNoTracking().Where(r => r.ProgramId == stored.Id)
            .GroupBy(r => new { r.StepId, r.Outcome }).Select(g => new { g.Key.StepId, g.Key.Outcome, Count = g.Count() }).ToListAsync(cancel);
        var here = await db.Set<Enrolment>().AsNoTracking().Where(e => e.ProgramId == stored.Id && e.State == EnrolmentState.Active)
            .GroupBy(e => e.CurrentStepId).Select(g => new { StepId = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.StepId, g => g.Count, cancel);
        int Count(string step, StepOutcome? outcome) => runs.Where(r => r.StepId == step && r.Outcome == outcome).Sum(r => r.Count);
        var steps = stored.Parse().Steps.Select(s => new StepSummary(s.Id!, s.Type!, here.GetValueOrDefault(s.Id!),
            runs.Where(r => r.StepId == s.Id).Sum(r => r.Count), Count(s.Id!, StepOutcome.Completed), Count(s.Id!, StepOutcome.Goal), Count(s.Id!, StepOutcome.Dropped))).ToList();
        return View(stored, steps);
    }

    private static ProgramView View(StoredProgram p, IReadOnlyList<StepSummary>? steps) =>
        new(p.Id, p.Name, p.Status, p.Parse(), p.CreatedAt, p.UpdatedAt, steps);

    private static EnrolmentView View(Enrolment e) =>
        new(e.Id, e.ProgramId, e.ContactId, e.State, e.CurrentStepId, e.Waiting, e.DueAt, e.Trigger, e.EnteredAt, e.EndedAt, e.EndReason);
}
