using System.Xml;
using Lifecycle.Contacts;
using Lifecycle.Segments;
using Lifecycle.Server;
using Lifecycle.Storage;

namespace Lifecycle.Programs;

/// <summary>
/// Checks a program before it is saved, so nothing is discovered while contacts run through it. Each problem
/// names its place: <c>steps.{step id}.{field}</c> or <c>triggers[i].{field}</c>.
/// </summary>
public static class ProgramCheck
{
    public static readonly IReadOnlySet<string> UpdatableFields = new HashSet<string> { "first_name", "last_name", "title", "country", "lead_source" };

    /// <param name="savedSegments">The names and ids of the saved segments.</param>
    public static Validation Check(ProgramDefinition program, IReadOnlySet<string> knownTemplates, IReadOnlySet<string> savedSegments)
    {
        var v = new Validation();
        v.Required("id", program.Id);
        v.Required("name", program.Name);
        if (program.ReEntry.Rule == ReEntryRule.AfterDays && program.ReEntry.Days is not > 0)
            v.Add("re_entry.days", "after_days needs a number of days above 0");
        for (var i = 0; i < program.Triggers.Count; i++) CheckTrigger(v, $"triggers[{i}]", program.Triggers[i], savedSegments);
        if (program.Steps.Count == 0) { v.Add("steps", "a program needs at least one step"); return v; }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < program.Steps.Count; i++)
        {
            var step = program.Steps[i];
            if (string.IsNullOrWhiteSpace(step.Id)) v.Add($"steps[{i}].id", "required");
            else if (!ids.Add(step.Id)) v.Add($"steps.{step.Id}.id", "another step has this id");
        }
        foreach (var step in program.Steps.Where(s => !string.IsNullOrWhiteSpace(s.Id)))
        {
            CheckStep(v, $"steps.{step.Id}", step, knownTemplates);
            foreach (var (field, target) in ProgramDefinition.Targets(step))
                if (!ids.Contains(target)) v.Add($"steps.{step.Id}.{field}", $"no step '{target}'");
        }
        if (!v.Ok) return v;

        var reachable = Reachable(program);
        foreach (var step in program.Steps.Where(s => !reachable.Contains(s.Id!)))
            v.Add($"steps.{step.Id}.id", $"unreachable: no path leads here from the first step '{program.Start!.Id}'");
        if (CycleWithoutWait(program) is { } cycle)
            v.Add($"steps.{cycle[0]}.next", $"the cycle {string.Join(" -> ", cycle)} -> {cycle[0]} has no wait step, so a contact would loop forever");
        return v;
    }

    private static void CheckTrigger(Validation v, string at, EntryTrigger trigger, IReadOnlySet<string> savedSegments)
    {
        switch (trigger.Type)
        {
            case "segment" when trigger.SavedSegment is null:
                Condition(v, $"{at}.segment", trigger.Segment);
                break;
            case "segment":
                if (trigger.Segment is not null) v.Add($"{at}.segment", "give either segment (a definition) or saved_segment, not both");
                else if (!savedSegments.Contains(trigger.SavedSegment))
                    v.Add($"{at}.saved_segment", $"no saved segment named '{trigger.SavedSegment}' or with that id");
                break;
            case "event":
                v.Required($"{at}.event", trigger.Event);
                break;
            case "missed_action":
                v.Required($"{at}.event", trigger.Event);
                v.Required($"{at}.missing", trigger.Missing);
                if (trigger.WithinDays is not > 0) v.Add($"{at}.within_days", "required, above 0");
                break;
            case "date":
                if (trigger.Field is not ("birthday" or "created_at") && trigger.Field?.StartsWith("custom.", StringComparison.Ordinal) != true)
                    v.Add($"{at}.field", $"'{trigger.Field}' is not a date field (birthday, created_at or custom.*)");
                break;
            case "recycled":
                v.Required($"{at}.reason", trigger.Reason);
                break;
            default:
                v.Add($"{at}.type", $"'{trigger.Type}' is not one of segment, event, missed_action, date, recycled");
                break;
        }
    }

    private static void CheckStep(Validation v, string at, ProgramStep step, IReadOnlySet<string> knownTemplates)
    {
        switch (step.Type)
        {
            case ProgramStepTypes.SendEmail:
                if (v.Required($"{at}.template_id", step.TemplateId) is { } template && !knownTemplates.Contains(template))
                    v.Add($"{at}.template_id", $"no e-mail template '{template}'");
                break;
            case ProgramStepTypes.Wait:
                var kinds = (step.Duration is null ? 0 : 1) + (step.Until is null ? 0 : 1) + (step.Weekday is null && step.Hour is null ? 0 : 1);
                if (kinds != 1) v.Add($"{at}.duration", "a wait has exactly one of duration, until, or weekday with hour");
                if (step.Duration is not null && WaitDuration(step.Duration) is null) v.Add($"{at}.duration", $"'{step.Duration}' is not an ISO 8601 duration above zero (P3D, PT12H)");
                if (step.Weekday is not null || step.Hour is not null)
                {
                    if (!Enum.TryParse<DayOfWeek>(step.Weekday, true, out _) || int.TryParse(step.Weekday, out _))
                        v.Add($"{at}.weekday", $"'{step.Weekday}' is not a weekday (monday … sunday)");
                    if (step.Hour is not (>= 0 and <= 23)) v.Add($"{at}.hour", "required, 0 to 23");
                }
                break;
            case ProgramStepTypes.Branch:
                if ((step.Condition is null) == (step.Event is null)) v.Add($"{at}.condition", "a branch has exactly one of condition or event");
                if (step.Condition is not null) Condition(v, $"{at}.condition", step.Condition);
                if (step.Yes is null) v.Add($"{at}.yes", "required");
                if (step.No is null) v.Add($"{at}.no", "required");
                break;
            case ProgramStepTypes.AbSplit:
                if (step.Variants is not { Count: >= 2 }) { v.Add($"{at}.variants", "an A/B split needs at least two variants"); break; }
                for (var i = 0; i < step.Variants.Count; i++)
                {
                    if (step.Variants[i].Weight <= 0) v.Add($"{at}.variants[{i}].weight", "must be above 0");
                    if (step.Variants[i].Next is null) v.Add($"{at}.variants[{i}].next", "required");
                }
                if (step.Metric is not null && !Experiments.ProgramSplits.Metrics.Contains(step.Metric))
                    v.Add($"{at}.metric", $"'{step.Metric}' is not one of {string.Join(", ", Experiments.ProgramSplits.Metrics)}");
                if (step.Alpha is { } alpha && alpha is <= 0 or >= 1) v.Add($"{at}.alpha", "must be between 0 and 1");
                if (step.Metric == "conversion" && step.Status is { } converted && !SnakeCase.TryParseEnum<ContactStatus>(converted, out _))
                    v.Add($"{at}.status", $"'{converted}' is not a lifecycle status");
                if (step.Sample is { } sample)
                {
                    if (sample is <= 0 or >= 1) v.Add($"{at}.sample", "must be a fraction between 0 and 1 (the share tested first)");
                    if (step.DecideAfter is null) v.Add($"{at}.decide_after", "required with sample: how long the test runs (P7D)");
                }
                if (step.DecideAfter is not null && WaitDuration(step.DecideAfter) is null)
                    v.Add($"{at}.decide_after", $"'{step.DecideAfter}' is not an ISO 8601 duration above zero (P7D)");
                break;
            case ProgramStepTypes.UpdateField:
                if (v.Required($"{at}.field", step.Field) is { } field && !UpdatableFields.Contains(field) && !(field.StartsWith("custom.", StringComparison.Ordinal) && field.Length > 7))
                    v.Add($"{at}.field", $"'{field}' cannot be set (one of {string.Join(", ", UpdatableFields)}, or custom.*)");
                break;
            case ProgramStepTypes.AddPoints:
                if (step.Points is null or 0) v.Add($"{at}.points", "required, not 0");
                break;
            case ProgramStepTypes.ChangeStatus:
                if (v.Required($"{at}.status", step.Status) is { } status) v.Enum<ContactStatus>($"{at}.status", status);
                break;
            case ProgramStepTypes.Webhook:
                v.Required($"{at}.event", step.Event);
                break;
            case ProgramStepTypes.Goal:
                Condition(v, $"{at}.condition", step.Condition);
                break;
            case ProgramStepTypes.NotifyOwner:
            case ProgramStepTypes.Exit:
                break;
            default:
                v.Add($"{at}.type", $"'{step.Type}' is not one of {string.Join(", ", ProgramStepTypes.All.Order())}");
                break;
        }
        if (step.StallAfterDays is <= 0) v.Add($"{at}.stall_after_days", "must be above 0");
    }

    private static void Condition(Validation v, string field, string? condition)
    {
        try
        {
            SegmentParser.Parse(condition);
        }
        catch (SegmentSyntaxException e)
        {
            v.Add(field, $"position {e.Position}: {e.Reason}");
        }
    }

    /// <summary>An ISO 8601 duration above zero, or null.</summary>
    public static TimeSpan? WaitDuration(string text)
    {
        try
        {
            var duration = XmlConvert.ToTimeSpan(text);
            return duration > TimeSpan.Zero ? duration : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static HashSet<string> Reachable(ProgramDefinition program)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { program.Start!.Id! };
        var todo = new Stack<string>(seen);
        while (todo.TryPop(out var id))
            foreach (var (_, target) in ProgramDefinition.Targets(program.Step(id)!))
                if (seen.Add(target)) todo.Push(target);
        return seen;
    }

    /// <summary>A cycle through steps none of which is a wait (its step ids in order), or null.</summary>
    private static List<string>? CycleWithoutWait(ProgramDefinition program)
    {
        var state = new Dictionary<string, int>(); // 1 on the path, 2 done
        var path = new List<string>();

        List<string>? Visit(string id)
        {
            var step = program.Step(id)!;
            if (step.Type == ProgramStepTypes.Wait) return null;
            if (state.GetValueOrDefault(id) == 2) return null;
            if (state.GetValueOrDefault(id) == 1) return path[path.IndexOf(id)..];
            state[id] = 1;
            path.Add(id);
            foreach (var (_, target) in ProgramDefinition.Targets(step))
                if (Visit(target) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            state[id] = 2;
            return null;
        }

        foreach (var step in program.Steps)
            if (Visit(step.Id!) is { } cycle) return cycle;
        return null;
    }
}
