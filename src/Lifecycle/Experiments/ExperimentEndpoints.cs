using Lifecycle.Capture;
using Lifecycle.Programs;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Experiments;

/// <summary>GET /api/experiments/{program}/{step} and /api/experiments/forms/{form}: program splits and offer tests, counts from what was sent, seen and done.</summary>
public static class ExperimentEndpoints
{
    public static void MapExperimentEndpoints(this RouteGroupBuilder api)
    {
        // A literal segment outranks a parameter, so this route is never taken for a program's split.
        api.MapGet("/experiments/forms/{formId}", async Task<IResult> (LifecycleDb db, string formId, CancellationToken cancel) =>
        {
            if (await db.Set<Form>().AsNoTracking().FirstOrDefaultAsync(f => f.Id == formId, cancel) is not { Experiment: not null } form)
                return TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"form '{formId}' has no experiment");
            return TypedResults.Ok(AbTestJson.Of(await OfferTests.ReportAsync(db, form, cancel)));
        }).WithTags("Experiments")
          .WithSummary("An offer A/B test of a form: per variant visitors and submissions; z-test, intervals, Bayesian chance to beat the control; the decision once the test ended");

        api.MapGet("/experiments", async (LifecycleDb db, CancellationToken cancel) =>
                TypedResults.Ok(new
                {
                    items = (await ListSplitsAsync(db, cancel)).Select(AbTestJson.Of).ToList(),
                    offers = (await OfferTests.ListAsync(db, cancel)).Select(AbTestJson.Of).ToList(),
                }))
            .WithTags("Experiments")
            .WithSummary("Every A/B split step of every program (items, by program id, then step order) and every form's offer test (offers, by form id), each as its own endpoint reports it");
        api.MapGet("/experiments/{programId}/{stepId}", async Task<IResult> (LifecycleDb db, string programId, string stepId, CancellationToken cancel) =>
        {
            if (await FindSplitAsync(db, programId, stepId, cancel) is not { } split)
                return TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"program '{programId}' has no ab_split step '{stepId}'");
            return TypedResults.Ok(AbTestJson.Of(await ProgramSplits.ReportAsync(db, programId, split, cancel)));
        }).WithTags("Experiments")
          .WithSummary("An A/B split step of a program: per variant contacts, sends, opens, clicks, conversions; z-test, intervals, Bayesian chance to beat the control; the test-first decision");
    }

    /// <summary>The reports of every ab_split step of every stored program, by program id, then the steps' order.</summary>
    public static async Task<List<SplitReport>> ListSplitsAsync(LifecycleDb db, CancellationToken cancel)
    {
        var reports = new List<SplitReport>();
        foreach (var program in await db.Set<StoredProgram>().AsNoTracking().OrderBy(p => p.Id).ToListAsync(cancel))
            foreach (var split in program.Parse().Steps.Where(s => s.Type == ProgramStepTypes.AbSplit))
                reports.Add(await ProgramSplits.ReportAsync(db, program.Id, split, cancel));
        return reports;
    }

    /// <summary>The ab_split step <paramref name="stepId"/> of a stored program; null when either does not exist.</summary>
    public static async Task<ProgramStep?> FindSplitAsync(LifecycleDb db, string programId, string stepId, CancellationToken cancel) =>
        await db.Set<StoredProgram>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == programId, cancel) is { } program
            ? program.Parse().Steps.FirstOrDefault(s => s.Id == stepId && s.Type == ProgramStepTypes.AbSplit)
            : null;
}
