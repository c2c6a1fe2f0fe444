namespace Lifecycle.Reports;

public enum PacingStatus { OnTrack, AtRisk, Behind }

/// <summary>How a metric is held against its target: summed over time or not, and which way is good.</summary>
/// <param name="Additive">A flow that grows through the month (a count, cost): its run rate scales with time. A rate,
/// an average or a cost per unit does not, so its projection is its value so far.</param>
/// <param name="LowerIsBetter">Cost, cost per unit, churn, cycle days: the target is a ceiling, not a floor.</param>
public sealed record TargetKind(bool Additive, bool LowerIsBetter)
{
    /// <summary>The metrics a target can be set on: those whose value is one number.</summary>
    public static TargetKind? Of(MetricDefinition metric)
    {
        if (!metric.Available || metric.Expands || metric.Unit is not ("count" or "rate" or "money" or "days")) return null;
        var additive = metric.Unit == "count" || metric.Id == "cost.total";
        var lower = metric.Id.StartsWith("cost.", StringComparison.Ordinal) || metric.Id.Contains(".cost_per_", StringComparison.Ordinal)
            || metric.Id is "expand.churn_rate" or "convert.sales_cycle_days";
        return new TargetKind(additive, lower);
    }
}

/// <summary>A projection held against a target: attainment (1 = exactly on target) and its status.</summary>
public sealed record Pacing(double? Projection, double? Attainment, PacingStatus? Status);

/// <summary>
/// The pacing arithmetic of lifecycle.md §5, with no I/O. Attainment is projection / target (target / projection
/// when lower is better); on track at 100% or more, at risk from 90%, behind under 90%.
/// </summary>
public static class TargetPacing
{
    public const double AtRiskFloor = 0.9;

    /// <summary>
    /// Run-rate projection of a month: so far × days in month / days elapsed. Days elapsed are the month's whole
    /// days completed in the workspace zone, so a day's pacing does not drift hour by hour; on the month's first day
    /// nothing has elapsed and there is no projection yet.
    /// </summary>
    public static double? Projection(double? soFar, TargetKind kind, int daysElapsed, int daysInMonth)
    {
        if (soFar is not { } value || daysElapsed <= 0) return null;
        if (!kind.Additive || daysElapsed >= daysInMonth) return value;
        return value * daysInMonth / daysElapsed;
    }

    public static Pacing Against(double? projection, double target, TargetKind kind)
    {
        if (projection is not { } p) return new Pacing(null, null, null);
        double? attainment = kind.LowerIsBetter
            ? p == 0 ? null : target / p
            : target == 0 ? null : p / target;
        // A zero target (higher is better) or a zero projection (lower is better) is met by anything: on track.
        var status = attainment is not { } a ? PacingStatus.OnTrack
            : a >= 1 ? PacingStatus.OnTrack
            : a >= AtRiskFloor ? PacingStatus.AtRisk
            : PacingStatus.Behind;
        return new Pacing(p, attainment, status);
    }

    /// <summary>
    /// Quarter-to-date target of an additive metric: each month of the quarter that has begun contributes its
    /// target × its elapsed days / its days (whole months before the current one count whole). Null when a month
    /// with elapsed days has no target.
    /// </summary>
    public static double? QuarterTargetToDate(IEnumerable<(double? Target, int DaysElapsed, int DaysInMonth)> begunMonths)
    {
        var total = 0d;
        foreach (var (target, elapsed, days) in begunMonths)
        {
            if (elapsed <= 0) continue;
            if (target is not { } t) return null;
            total += t * Math.Min(elapsed, days) / days;
        }
        return total;
    }

    /// <summary>The quarter's actual so far against its target to date (both additive), by the same thresholds;
    /// <see cref="Pacing.Projection"/> is then the actual to date.</summary>
    public static Pacing QuarterToDate(double? actualToDate, double? targetToDate, TargetKind kind)
    {
        if (targetToDate is not { } target) return new Pacing(null, null, null);
        return Against(actualToDate, target, kind);
    }
}
