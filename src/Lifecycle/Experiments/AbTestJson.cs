namespace Lifecycle.Experiments;

/// <summary>The snake_case JSON shape of an A/B analysis and of a program split's report, shared by the API and the CLI.</summary>
public static class AbTestJson
{
    public static object Of(AbTestResult result) => new
    {
        alpha = result.Alpha,
        confidence = 1 - result.Alpha,
        control = new { conversions = result.Control.Conversions, n = result.Control.Trials, rate = result.Control.Rate },
        variants = result.Variants.Select(v => new
        {
            name = v.Name,
            conversions = v.Arm.Conversions,
            n = v.Arm.Trials,
            rate = v.Arm.Rate,
            difference = v.Difference,
            difference_ci = new[] { v.DifferenceInterval.Low, v.DifferenceInterval.High },
            lift = v.Lift,
            lift_ci = v.LiftInterval is { } lift ? new[] { lift.Low, lift.High } : null,
            z = v.Z,
            p_value = v.PValue,
            p_value_holm = v.AdjustedPValue,
            significant = v.Significant,
            chance_to_beat_control = v.ChanceToBeatControl,
            expected_loss = v.ExpectedLoss,
        }),
        decision = new { winner = result.Decision.Winner, reason = result.Decision.Reason },
    };

    public static object Of(SplitReport report) => new
    {
        test_id = ProgramSplits.TestId(report.ProgramId, report.StepId),
        program_id = report.ProgramId,
        step_id = report.StepId,
        metric = report.Metric,
        conversion_status = report.ConversionStatus,
        control = report.Arms[0].Variant,
        variants = report.Arms.Select(a => new
        {
            variant = a.Variant, contacts = a.Contacts, sent = a.Sent, opened = a.Opened, clicked = a.Clicked, converted = a.Converted,
            rate = a.ArmFor(report.Metric) is { Trials: > 0 } arm ? arm.Rate : (double?)null,
        }),
        analysis = report.Analysis is { } analysis ? Of(analysis) : null,
        decision = report.Decision is { } d ? new { winner = d.Winner, reason = d.Reason, decided_at = d.DecidedAt } : null,
    };

    public static object Of(OfferReport report) => new
    {
        test_id = OfferTests.TestId(report.FormId),
        form_id = report.FormId,
        metric = OfferTests.Metric,
        control = report.Arms[0].Variant,
        variants = report.Arms.Select(a => new
        {
            variant = a.Variant, visitors = a.Visitors, submitted = a.Submitted, rate = a.Visitors > 0 ? a.Arm.Rate : (double?)null,
        }),
        analysis = report.Analysis is { } analysis ? Of(analysis) : null,
        decision = report.Decision is { } d ? new { winner = d.Winner, reason = d.Reason, decided_at = d.DecidedAt } : null,
    };
}
