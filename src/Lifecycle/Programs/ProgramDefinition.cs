using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lifecycle.Programs;

public enum ProgramStatus { Draft, Active, Paused }

/// <summary>When a contact who was enrolled before may enrol again: never, some days after it entered, or always.</summary>
public enum ReEntryRule { Never, AfterDays, Always }

public sealed record ReEntry(ReEntryRule Rule = ReEntryRule.Never, int? Days = null);

/// <summary>
/// What enrols a contact. Type <c>segment</c> (Segment: a definition in the segment language, or SavedSegment: the
/// name or id of a saved segment, whose definition is read at each sweep, so editing the segment changes who enters), <c>event</c>
/// (Event), <c>missed_action</c> (Event, then no Missing within WithinDays), <c>date</c> (Field, a date field of the
/// contact such as birthday or custom.contract_end, plus OffsetDays, yearly), <c>recycled</c> (Reason: the contact
/// was recycled with this reason). Every program can also be entered by API.
/// </summary>
public sealed record EntryTrigger(string? Type, string? Segment = null, string? Event = null, string? Missing = null, int? WithinDays = null,
    string? Field = null, int? OffsetDays = null, string? Reason = null, string? SavedSegment = null);

/// <summary>One arm of an <c>ab_split</c> step.</summary>
public sealed record SplitVariant(string? Name, int Weight, string? Next);

/// <summary>
/// One step of the graph. Which fields matter depends on <see cref="Type"/> (see <see cref="ProgramStepTypes"/>);
/// one flat shape keeps the JSON a user writes short and its errors easy to name.
/// </summary>
public sealed record ProgramStep
{
    public string? Id { get; init; }
    public string? Type { get; init; }
    public string? Next { get; init; }
    /// <summary>send_email: the template.</summary>
    public string? TemplateId { get; init; }
    /// <summary>wait: an ISO 8601 duration (P3D, PT12H).</summary>
    public string? Duration { get; init; }
    /// <summary>wait: an instant to wait until.</summary>
    public DateTime? Until { get; init; }
    /// <summary>wait: the next weekday (monday…sunday) at <see cref="Hour"/> in the contact's time zone.</summary>
    public string? Weekday { get; init; }
    public int? Hour { get; init; }
    /// <summary>branch and goal: a condition in the segment language.</summary>
    public string? Condition { get; init; }
    /// <summary>branch: "did this event since the previous step"; webhook: the event type sent.</summary>
    public string? Event { get; init; }
    /// <summary>branch: where a contact goes when the condition holds, and when it does not.</summary>
    public string? Yes { get; init; }
    public string? No { get; init; }
    public List<SplitVariant>? Variants { get; init; }
    /// <summary>ab_split, test first: the fraction of contacts split across the variants; the rest wait at the step
    /// until <see cref="DecideAfter"/> (an ISO 8601 duration from the first contact's entry) and then all take the
    /// winner, or the first variant (the control) when no variant is significantly better.</summary>
    public double? Sample { get; init; }
    public string? DecideAfter { get; init; }
    /// <summary>ab_split: what the test compares, open, click (per message sent) or conversion (contacts reaching
    /// <see cref="Status"/>, default mql, after the split); and its significance level (default 0.05).</summary>
    public string? Metric { get; init; }
    public double? Alpha { get; init; }
    /// <summary>update_field: the contact field (first_name, last_name, title, country, lead_source, custom.*) and its new value.</summary>
    public string? Field { get; init; }
    public string? Value { get; init; }
    /// <summary>add_points: engagement points added to the contact's score.</summary>
    public int? Points { get; init; }
    /// <summary>change_status: the status and the reason recorded on the transition.</summary>
    public string? Status { get; init; }
    public string? Reason { get; init; }
    /// <summary>notify_owner: the note the owner gets.</summary>
    public string? Message { get; init; }
    /// <summary>How long a contact may sit in this step before nurture.program_steps counts it as stalled (default 30).</summary>
    public int? StallAfterDays { get; init; }
}

public static class ProgramStepTypes
{
    public const string SendEmail = "send_email", Wait = "wait", Branch = "branch", AbSplit = "ab_split", UpdateField = "update_field",
        AddPoints = "add_points", ChangeStatus = "change_status", NotifyOwner = "notify_owner", Webhook = "webhook", Goal = "goal", Exit = "exit";

    public static readonly IReadOnlySet<string> All = new HashSet<string>
        { SendEmail, Wait, Branch, AbSplit, UpdateField, AddPoints, ChangeStatus, NotifyOwner, Webhook, Goal, Exit };
}

/// <summary>A program as its owner writes it (snake_case JSON): the first step is where contacts enter.</summary>
public sealed record ProgramDefinition
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public ProgramStatus Status { get; init; } = ProgramStatus.Draft;
    public ReEntry ReEntry { get; init; } = new();
    public List<EntryTrigger> Triggers { get; init; } = [];
    public List<ProgramStep> Steps { get; init; } = [];

    [JsonIgnore] public ProgramStep? Start => Steps.Count > 0 ? Steps[0] : null;

    public ProgramStep? Step(string? id) => id is null ? null : Steps.FirstOrDefault(s => s.Id == id);

    /// <summary>Every step a step can lead to (next, branch arms, split arms).</summary>
    public static IEnumerable<(string Field, string Target)> Targets(ProgramStep step)
    {
        if (step.Next is { } next) yield return ("next", next);
        if (step.Yes is { } yes) yield return ("yes", yes);
        if (step.No is { } no) yield return ("no", no);
        if (step.Variants is { } variants)
            for (var i = 0; i < variants.Count; i++)
                if (variants[i].Next is { } target) yield return ($"variants[{i}].next", target);
    }

    public static readonly JsonSerializerOptions Json = CreateJson();

    public static ProgramDefinition FromJson(string json) => JsonSerializer.Deserialize<ProgramDefinition>(json, Json)!;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        Server.LifecycleServer.ConfigureJson(options);
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        return options;
    }
}
