namespace Lifecycle.Programs;

/// <summary>One step run as the metric needs it.</summary>
public sealed record StepRunFact(string StepId, DateTime EnteredAt, DateTime? EndedAt, StepOutcome? Outcome);

/// <summary>nurture.program_steps for one step in one period.</summary>
public sealed record ProgramStepCounts(string StepId, string Type, int Entered, int Completed, int Goal, int Dropped, int Stalled);

/// <summary>
/// nurture.program_steps (lifecycle.md): per step, in the half-open period [from, to), how many runs entered it,
/// completed it, left it on a goal, dropped out of it, and stalled in it. A run stalls at its stall instant
/// (entered + the step's stall_after_days, default 30) if it has not ended by then. A run drops out once, at the
/// first of: its stall instant (if it stalled) or its end with outcome dropped (unsubscribed, bounced, suppressed,
/// no address); so dropped includes stalled, and a stalled run later dropped is not counted twice.
/// Each count is of the instants that fall in the period.
/// </summary>
public static class ProgramStepMetrics
{
    public const int DefaultStallDays = 30;

    public static List<ProgramStepCounts> Compute(ProgramDefinition program, IEnumerable<StepRunFact> runs, DateTime from, DateTime to)
    {
        bool In(DateTime? at) => at is { } t && t >= from && t < to;
        var byStep = runs.ToLookup(r => r.StepId);
        return program.Steps.Select(step =>
        {
            var stall = TimeSpan.FromDays(step.StallAfterDays ?? DefaultStallDays);
            int entered = 0, completed = 0, goal = 0, dropped = 0, stalled = 0;
            foreach (var run in byStep[step.Id!])
            {
                if (In(run.EnteredAt)) entered++;
                if (run.Outcome == StepOutcome.Completed && In(run.EndedAt)) completed++;
                if (run.Outcome == StepOutcome.Goal && In(run.EndedAt)) goal++;
                var stalledAt = run.EnteredAt + stall;
                var didStall = run.EndedAt is not { } ended || ended > stalledAt;
                if (didStall && In(stalledAt)) stalled++;
                var droppedAt = didStall ? stalledAt : run.Outcome == StepOutcome.Dropped ? run.EndedAt : null;
                if (In(droppedAt)) dropped++;
            }
            return new ProgramStepCounts(step.Id!, step.Type!, entered, completed, goal, dropped, stalled);
        }).ToList();
    }
}
