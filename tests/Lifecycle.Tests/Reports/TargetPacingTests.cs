using Lifecycle.Reports;

namespace Lifecycle.Tests.Reports;

public class TargetPacingTests
{
    private static readonly TargetKind Count = new(Additive: true, LowerIsBetter: false);
    private static readonly TargetKind Rate = new(Additive: false, LowerIsBetter: false);
    private static readonly TargetKind Spend = new(Additive: true, LowerIsBetter: true);

    [Fact]
    public void Run_rate_projects_a_flow_over_the_month_and_keeps_a_rate_as_it_is()
    {
        // 12 MQLs after 10 of 30 days: 12 × 30 / 10 = 36.
        Assert.Equal(36, TargetPacing.Projection(12, Count, 10, 30)!.Value, 12);
        // 9 after 14 of 31 days: 9 × 31 / 14 = 19.928571…
        Assert.Equal(19.928571428571, TargetPacing.Projection(9, Count, 14, 31)!.Value, 9);
        // A rate does not grow with time: 0.25 stays 0.25.
        Assert.Equal(0.25, TargetPacing.Projection(0.25, Rate, 10, 30));
        // The whole month has elapsed: the actual is final.
        Assert.Equal(40, TargetPacing.Projection(40, Count, 30, 30));
        // The first day (nothing completed yet) and a null value (a rate of 0 / 0) have no projection.
        Assert.Null(TargetPacing.Projection(3, Count, 0, 30));
        Assert.Null(TargetPacing.Projection(null, Rate, 5, 30));
    }

    [Theory]
    // 36 / 36 = 1 → on track; 36 / 40 = 0.9 exactly → at risk (the floor is inclusive); 36 / 40.5 = 0.8889 → behind.
    [InlineData(36, 36, 1.0, PacingStatus.OnTrack)]
    [InlineData(36, 40, 0.9, PacingStatus.AtRisk)]
    [InlineData(36, 40.5, 0.888888888889, PacingStatus.Behind)]
    // Above target: 50 / 40 = 1.25 → on track.
    [InlineData(50, 40, 1.25, PacingStatus.OnTrack)]
    public void Status_follows_the_thresholds_of_section_5(double projection, double target, double attainment, PacingStatus status)
    {
        var pacing = TargetPacing.Against(projection, target, Count);
        Assert.Equal(attainment, pacing.Attainment!.Value, 9);
        Assert.Equal(status, pacing.Status);
        Assert.Equal(projection, pacing.Projection);
    }

    [Fact]
    public void Lower_is_better_turns_the_ratio_around()
    {
        // Spend projected 4030 against a budget of 4000: 4000 / 4030 = 0.992556 → at risk.
        var over = TargetPacing.Against(4030, 4000, Spend);
        Assert.Equal(0.992555831266, over.Attainment!.Value, 9);
        Assert.Equal(PacingStatus.AtRisk, over.Status);
        // 4030 against 5000: 5000 / 4030 = 1.2407 → on track; against 3000: 0.7444 → behind.
        Assert.Equal(PacingStatus.OnTrack, TargetPacing.Against(4030, 5000, Spend).Status);
        Assert.Equal(PacingStatus.Behind, TargetPacing.Against(4030, 3000, Spend).Status);
        // Nothing spent meets any budget; a zero target of a flow is met by anything.
        Assert.Equal(new Pacing(0, null, PacingStatus.OnTrack), TargetPacing.Against(0, 1000, Spend));
        Assert.Equal(new Pacing(3, null, PacingStatus.OnTrack), TargetPacing.Against(3, 0, Count));
        Assert.Equal(new Pacing(null, null, null), TargetPacing.Against(null, 10, Count));
    }

    [Fact]
    public void Quarter_to_date_prorates_the_current_months_target()
    {
        // January whole (target 8, 31 of 31 days) + February 10 of 28 days (target 6): 8 + 6 × 10 / 28 = 10.142857…
        var toDate = TargetPacing.QuarterTargetToDate([(8, 31, 31), (6, 10, 28)]);
        Assert.Equal(10.142857142857, toDate!.Value, 9);
        // 7 inquiries so far: 7 / 10.142857 = 0.690141 → behind; 10 → 0.985915 → at risk; 11 → 1.0845 → on track.
        var behind = TargetPacing.QuarterToDate(7, toDate, Count);
        Assert.Equal(0.690140845070, behind.Attainment!.Value, 9);
        Assert.Equal(PacingStatus.Behind, behind.Status);
        Assert.Equal(PacingStatus.AtRisk, TargetPacing.QuarterToDate(10, toDate, Count).Status);
        Assert.Equal(PacingStatus.OnTrack, TargetPacing.QuarterToDate(11, toDate, Count).Status);
        // A begun month without a target leaves the quarter without a target; a month with no day elapsed needs none.
        Assert.Null(TargetPacing.QuarterTargetToDate([(8, 31, 31), (null, 10, 28)]));
        Assert.Equal(8, TargetPacing.QuarterTargetToDate([(8, 31, 31), (null, 0, 28)]));
    }

    [Fact]
    public void Targets_are_set_on_single_numbers_with_the_right_direction()
    {
        TargetKind? Of(string id) => TargetKind.Of(MetricCatalog.Find(id)!);
        Assert.Equal(new TargetKind(true, false), Of("nurture.mqls"));
        Assert.Equal(new TargetKind(false, false), Of("nurture.lead_to_mql_rate"));
        Assert.Equal(new TargetKind(true, true), Of("cost.total"));
        Assert.Equal(new TargetKind(false, true), Of("nurture.cost_per_mql"));
        Assert.Equal(new TargetKind(false, true), Of("expand.churn_rate"));
        Assert.Equal(new TargetKind(false, false), Of("convert.average_deal_size"));
        Assert.Null(Of("expand.nps"));
        Assert.Null(Of("cost.by_channel"));
        Assert.Null(Of("nurture.lead_score_profile"));
    }
}
