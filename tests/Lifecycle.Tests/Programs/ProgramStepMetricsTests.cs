using Lifecycle.Programs;

namespace Lifecycle.Tests.Programs;

public class ProgramStepMetricsTests
{
    private static DateTime At(string text) => DateTime.SpecifyKind(DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);

    [Fact]
    public void Counts_per_step_on_a_hand_computed_month()
    {
        var program = new ProgramDefinition
        {
            Id = "p", Name = "P",
            Steps = [new() { Id = "mail", Type = "send_email", Next = "pause" }, new() { Id = "pause", Type = "wait", Next = "end", StallAfterDays = 10 }, new() { Id = "end", Type = "exit" }],
        };
        StepRunFact Run(string step, string entered, string? ended, StepOutcome? outcome) => new(step, At(entered), ended is null ? null : At(ended), outcome);
        var runs = new[]
        {
            // mail (stall limit 30 days by default)
            Run("mail", "2026-10-31 23:00", "2026-10-31 23:00", StepOutcome.Completed), // all in October: nothing
            Run("mail", "2026-11-02 10:00", "2026-11-02 10:00", StepOutcome.Completed), // entered, completed
            Run("mail", "2026-11-05 10:00", "2026-11-05 10:00", StepOutcome.Dropped),   // entered, dropped (suppressed)
            Run("mail", "2026-11-30 23:59", "2026-12-01 00:01", StepOutcome.Completed), // entered; completed in December
            // pause (stall limit 10 days)
            Run("pause", "2026-10-25 00:00", null, null),                                // stalls 11-04: stalled, dropped
            Run("pause", "2026-11-03 00:00", "2026-11-06 00:00", StepOutcome.Completed), // entered, completed
            Run("pause", "2026-11-10 00:00", "2026-11-12 00:00", StepOutcome.Goal),      // entered, goal
            Run("pause", "2026-11-15 00:00", "2026-11-28 00:00", StepOutcome.Completed), // entered; stalls 11-25 (stalled, dropped); completed
            Run("pause", "2026-11-25 00:00", null, null),                                // entered; stalls 12-05, not in November
            Run("pause", "2026-10-20 00:00", "2026-11-03 00:00", StepOutcome.Dropped),   // stalled 10-30 already: its drop counted in October
            // end
            Run("end", "2026-11-06 00:00", "2026-11-06 00:00", StepOutcome.Completed),
        };

        var counts = ProgramStepMetrics.Compute(program, runs, At("2026-11-01"), At("2026-12-01"));

        // mail: entered 3 (11-02, 11-05, 11-30), completed 1 (11-02), goal 0, dropped 1 (11-05), stalled 0.
        Assert.Equal(new ProgramStepCounts("mail", "send_email", 3, 1, 0, 1, 0), counts[0]);
        // pause: entered 4 (11-03, 11-10, 11-15, 11-25), completed 2 (11-06, 11-28), goal 1 (11-12),
        // stalled 2 (11-04, 11-25), dropped 2 (the two stalls; the October stall's later drop is not counted again).
        Assert.Equal(new ProgramStepCounts("pause", "wait", 4, 2, 1, 2, 2), counts[1]);
        Assert.Equal(new ProgramStepCounts("end", "exit", 1, 1, 0, 0, 0), counts[2]);
    }
}
