using Lifecycle.Programs;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Experiments;

/// <summary>GET /api/experiments/{program}/{step}: a program's A/B split as an experiment, counts from what was sent and done.</summary>
public static class ExperimentEndpoints
{
    public static void MapExperimentEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/experiments/{programId}/{stepId}", async Task<IResult> (LifecycleDb db, string programId, string stepId, CancellationToken cancel) =>
        {
            if (await FindSplitAsync(db, programId, stepId, cancel) is not { } split)
                return TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"program '{programId}' has no ab_split step '{stepId}'");
            return TypedResults.Ok(AbTestJson.Of(await ProgramSplits.ReportAsync(db, programId, split, cancel)));
        }).WithTags("Experiments")
          .WithSummary("An A/B split step of a program: per variant contacts, sends, opens, clicks, conversions; z-test, intervals, Bayesian chance to beat the control; the test-first decision");
    }

    /// <summary>The ab_split step <paramref name="stepId"/> of a stored program; null when either does not exist.</summary>
    public static async Task<ProgramStep?> FindSplitAsync(LifecycleDb db, string programId, string stepId, CancellationToken cancel) =>
        await db.Set<StoredProgram>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == programId, cancel) is { } program
            ? program.Parse().Steps.FirstOrDefault(s => s.Id == stepId && s.Type == ProgramStepTypes.AbSplit)
            : null;
}
