using System.Globalization;
using Lifecycle.Experiments;
using Lifecycle.Programs;

namespace Lifecycle.Dashboard.Views;

/// <summary>A sentence to show: an English text key with its arguments, which may be phrases themselves (translated first).</summary>
public sealed record Phrase(string Format, params object?[] Args);

/// <summary>An arrow of the step graph: what leads there (next, yes, no, a variant and its share) and the step it leads to.</summary>
public sealed record StepArrow(Phrase Label, string Target);

/// <summary>
/// A program step in words for the programs page ("wait 3 days", "if score >= 50"), and where it leads. Pure: the page
/// translates the phrases; the definitions come from Programs/ as saved, so only a checked definition is described.
/// </summary>
public static class StepDescriptions
{
    public static Phrase Describe(ProgramStep step) => step.Type switch
    {
        ProgramStepTypes.SendEmail => new("send e-mail '{0}'", step.TemplateId),
        ProgramStepTypes.Wait when step.Duration is { } duration => new("wait {0}", Duration(duration)),
        ProgramStepTypes.Wait when step.Until is { } until => new("wait until {0}",
            DateTime.SpecifyKind(until, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)),
        ProgramStepTypes.Wait => new("wait until the next {0} at {1}:00 in the contact's time zone", step.Weekday, step.Hour),
        ProgramStepTypes.Branch when step.Event is { } done => new("branch: did '{0}' since the previous step?", done),
        ProgramStepTypes.Branch => new("branch: {0}?", step.Condition),
        ProgramStepTypes.AbSplit when step.Sample is { } sample => new("A/B test on {0}: {1:P0} of contacts first, the winner for the rest after {2}",
            step.Metric ?? ProgramSplits.DefaultMetric, sample, Duration(step.DecideAfter ?? "")),
        ProgramStepTypes.AbSplit => new("A/B test on {0}", step.Metric ?? ProgramSplits.DefaultMetric),
        ProgramStepTypes.UpdateField => new("set {0} to '{1}'", step.Field, step.Value),
        ProgramStepTypes.AddPoints => new("add {0} points", step.Points),
        ProgramStepTypes.ChangeStatus => new("change status to {0}", step.Status),
        ProgramStepTypes.NotifyOwner => new("notify the owner: {0}", step.Message),
        ProgramStepTypes.Webhook => new("send the webhook '{0}'", step.Event),
        ProgramStepTypes.Goal => new("goal: leave when {0}", step.Condition),
        ProgramStepTypes.Exit => new("exit"),
        _ => new("{0}", step.Type),
    };

    /// <summary>Where a step leads: next, the branch's yes and no, each variant with its share of the weights.</summary>
    public static IReadOnlyList<StepArrow> Arrows(ProgramStep step)
    {
        var arrows = new List<StepArrow>();
        if (step.Yes is { } yes) arrows.Add(new(new("yes"), yes));
        if (step.No is { } no) arrows.Add(new(new("no"), no));
        if (step.Variants is { Count: > 0 } variants)
        {
            var total = variants.Sum(v => (double)v.Weight);
            for (var i = 0; i < variants.Count; i++)
                if (variants[i].Next is { } target)
                    arrows.Add(new(new("variant {0} ({1:P0})", ProgramSplits.VariantName(step, i), total > 0 ? variants[i].Weight / total : 0), target));
        }
        if (step.Next is { } next) arrows.Add(new(new("then"), next));
        return arrows;
    }

    /// <summary>An ISO 8601 duration in the largest whole unit: "3 days", "12 hours", "90 minutes"; as written if it does not parse.</summary>
    public static Phrase Duration(string iso) => ProgramCheck.WaitDuration(iso) switch
    {
        { } d when d.Ticks % TimeSpan.TicksPerDay == 0 => new(d.Days == 1 ? "1 day" : "{0} days", d.Days),
        { } d when d.Ticks % TimeSpan.TicksPerHour == 0 => new(d.TotalHours == 1 ? "1 hour" : "{0} hours", (long)d.TotalHours),
        { } d when d.Ticks % TimeSpan.TicksPerMinute == 0 => new(d.TotalMinutes == 1 ? "1 minute" : "{0} minutes", (long)d.TotalMinutes),
        _ => new("{0}", iso),
    };
}
