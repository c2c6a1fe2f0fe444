using Lifecycle.Contacts;

namespace Lifecycle.Reports;

/// <summary>
/// nurture.lead_score_profile (lifecycle.md §3), pure: for the cohort of the period's new leads, their total score
/// (fit + engagement decayed to that instant) at the period's last instant, under the current scoring model. A
/// negative total falls in the lowest band. Null while no scoring model is active.
/// </summary>
public sealed record LeadScoreProfile(int Count, double? Mean, double? Median, double? P25, double? P75,
    IReadOnlyDictionary<string, int> Histogram, int MqlThreshold, double? ShareAtOrAboveMqlThreshold)
{
    public static readonly (string Band, double From, double Below)[] Bands =
        [("0-24", double.NegativeInfinity, 25), ("25-49", 25, 50), ("50-74", 50, 75), ("75-99", 75, 100), ("100+", 100, double.PositiveInfinity)];

    public static LeadScoreProfile? Of(MetricScope scope)
    {
        if (scope.Facts.MqlThreshold is not { } threshold) return null;
        var last = scope.Period.To.AddTicks(-1);
        var cohort = scope.FirstEntries(ContactStatus.Lead).Select(t => t.ContactId).ToHashSet();
        var changes = scope.Facts.ScoreChanges.Where(c => cohort.Contains(c.ContactId)).ToLookup(c => c.ContactId);
        var totals = cohort.Select(c => Scoring.Scorer.ScoreAt(changes[c], last).Total).Order().ToArray();
        return new LeadScoreProfile(totals.Length, totals.Length == 0 ? null : totals.Average(), ReportMath.PercentileInc(totals, 0.5),
            ReportMath.PercentileInc(totals, 0.25), ReportMath.PercentileInc(totals, 0.75),
            Bands.ToDictionary(b => b.Band, b => totals.Count(t => t >= b.From && t < b.Below)),
            threshold, ReportMath.Rate(totals.Count(t => t >= threshold), totals.Length));
    }
}
