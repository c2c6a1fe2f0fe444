using System.Text.Json;
using System.Text.RegularExpressions;

namespace Lifecycle.Scoring;

/// <summary>
/// A versioned scoring model: fit rules on profile and account fields, engagement rules on events, and the
/// lifecycle thresholds that act on the scores. Stored as JSON (snake_case) in scoring_models; the thresholds
/// live in the model rather than in appsettings so that a change to them is versioned like a rule change.
/// </summary>
public sealed record ScoringModel
{
    /// <summary>lead -> mql when fit + engagement reaches this (lifecycle.md §1, default 100).</summary>
    public int MqlThreshold { get; init; } = 100;
    /// <summary>Events that move lead -> mql (and inquiry -> mql) and recycled -> lead at once.</summary>
    public string[] HandRaisers { get; init; } = ["Demo Requested"];
    /// <summary>recycled -> lead when engagement points earned within <see cref="ReopenWithinDays"/> reach this.</summary>
    public int ReopenPoints { get; init; } = 20;
    public int ReopenWithinDays { get; init; } = 14;
    /// <summary>Half-life of engagement points, unless a rule sets its own; null means no decay.</summary>
    public double? HalfLifeDays { get; init; } = 30;
    public FitRule[] Fit { get; init; } = [];
    public EngagementRule[] Engagement { get; init; } = [];

    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions { WriteIndented = false };
        // Nulls are written: a null half-life means "no decay" and must not read back as the default.
        Server.LifecycleServer.ConfigureJson(options);
        return options;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ScoringModel FromJson(string json) => JsonSerializer.Deserialize<ScoringModel>(json, Json)!;

    /// <summary>
    /// The model a new workspace starts with (a common B2B shape, documented in README "Scoring"): fit favours
    /// senior buyers at mid-market and enterprise companies in the target industries; engagement favours
    /// hand-raising and high-intent content over page views and opens, which are capped so that browsing
    /// alone cannot make an MQL. Engagement halves every 30 days.
    /// </summary>
    public static ScoringModel Default { get; } = new()
    {
        Fit =
        [
            new("seniority_executive", "seniority", "equals", ["c_level", "vp"], null, null, 25),
            new("seniority_director", "seniority", "equals", ["director"], null, null, 15),
            new("seniority_manager", "seniority", "equals", ["manager"], null, null, 10),
            new("title_student", "title", "contains", ["student", "intern"], null, null, -30),
            new("industry_target", "industry", "equals", ["software", "finance", "healthcare", "manufacturing"], null, null, 10),
            new("company_size_small", "company_size", "between", null, 50, 199, 5),
            new("company_size_mid_market", "company_size", "between", null, 200, 4999, 15),
            new("company_size_enterprise", "company_size", "between", null, 5000, null, 20),
        ],
        Engagement =
        [
            new("demo_requested", "Demo Requested", null, 40, null, null),
            new("trial_started", "Trial Started", null, 30, null, null),
            new("webinar_attended", "Webinar Attended", null, 20, null, null),
            new("event_attended", "Event Attended", null, 20, null, null),
            new("event_registered", "Event Registered", null, 10, new(20, 30), null),
            new("content_downloaded", "Content Downloaded", null, 15, new(30, 30), null),
            new("form_submitted", "Form Submitted", null, 10, new(20, 30), null),
            new("pricing_page_viewed", "Page Viewed", [new("path", "contains", ["/pricing"])], 10, new(20, 7), null),
            new("page_viewed", "Page Viewed", null, 1, new(10, 7), null),
            new("email_clicked", "Email Clicked", null, 5, new(15, 7), null),
            new("email_opened", "Email Opened", null, 1, new(5, 7), null),
            new("email_unsubscribed", "Email Unsubscribed", null, -20, null, null),
        ],
    };

    /// <summary>
    /// The rules of <paramref name="next"/> that score exactly as in <paramref name="before"/>: same id and kind,
    /// same definition, and for engagement the same half-life applied (the rule's own, else the model's). Their
    /// score changes depend on nothing else (caps count a rule's own points), so a rescore can keep them.
    /// </summary>
    public static IReadOnlySet<string> RulesUnchanged(ScoringModel before, ScoringModel next)
    {
        var earlier = before.RuleDefinitions();
        return next.RuleDefinitions().Where(r => earlier.TryGetValue(r.Key, out var definition) && definition == r.Value)
            .Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
    }

    private Dictionary<string, string> RuleDefinitions()
    {
        var definitions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rule in Fit) definitions[rule.Id] = "fit " + JsonSerializer.Serialize(rule, Json);
        foreach (var rule in Engagement)
            definitions[rule.Id] = "engagement " + JsonSerializer.Serialize(rule with { HalfLifeDays = rule.HalfLifeDays ?? HalfLifeDays }, Json);
        return definitions;
    }

    public bool HasRules => Fit.Length > 0 || Engagement.Length > 0;

    /// <summary>This model without the given rules (what a rescore still has to compute).</summary>
    public ScoringModel Without(IReadOnlySet<string> ruleIds) => this with
    {
        Fit = Fit.Where(r => !ruleIds.Contains(r.Id)).ToArray(),
        Engagement = Engagement.Where(r => !ruleIds.Contains(r.Id)).ToArray(),
    };

    /// <summary>Every problem of a model, keyed by the JSON path of the field (fit[2].field); empty when valid.</summary>
    public Dictionary<string, List<string>> Problems()
    {
        var problems = new Dictionary<string, List<string>>();
        void Add(string field, string reason)
        {
            if (!problems.TryGetValue(field, out var list)) problems[field] = list = [];
            list.Add(reason);
        }
        if (MqlThreshold <= 0) Add("mql_threshold", "must be positive");
        if (ReopenPoints <= 0) Add("reopen_points", "must be positive");
        if (ReopenWithinDays <= 0) Add("reopen_within_days", "must be positive");
        if (HalfLifeDays is <= 0) Add("half_life_days", "must be positive, or null for no decay");
        if (HandRaisers is null) Add("hand_raisers", "required (an empty list for none)");
        var ids = new HashSet<string>();
        void CheckId(string path, string? id)
        {
            if (id is null || !RuleId.IsMatch(id)) Add(path + ".id", $"'{id}' is not a rule id (lowercase letters, digits, _; up to 64)");
            else if (!ids.Add(id)) Add(path + ".id", $"'{id}' is used by another rule");
        }
        for (var i = 0; i < (Fit?.Length ?? 0); i++)
        {
            var rule = Fit![i];
            var path = $"fit[{i}]";
            CheckId(path, rule.Id);
            if (rule.Points == 0) Add(path + ".points", "must not be 0");
            if (!FitFields.IsKnown(rule.Field))
                Add(path + ".field", $"unknown field '{rule.Field}' (known: {string.Join(", ", FitFields.Known)}, custom.<key>, account.custom.<key>)");
            switch (rule.Op)
            {
                case "equals" or "contains":
                    if (rule.Values is not { Length: > 0 }) Add(path + ".values", $"'{rule.Op}' needs at least one value");
                    break;
                case "between":
                    if (rule.Min is null && rule.Max is null) Add(path + ".min", "'between' needs min, max or both");
                    if (rule.Min > rule.Max) Add(path + ".max", "must not be below min");
                    break;
                case "exists": break;
                default: Add(path + ".op", $"unknown operator '{rule.Op}' (equals, contains, between, exists)"); break;
            }
        }
        for (var i = 0; i < (Engagement?.Length ?? 0); i++)
        {
            var rule = Engagement![i];
            var path = $"engagement[{i}]";
            CheckId(path, rule.Id);
            if (string.IsNullOrWhiteSpace(rule.Event)) Add(path + ".event", "required");
            if (rule.Points == 0) Add(path + ".points", "must not be 0");
            if (rule.Cap is { } cap)
            {
                if (cap.Points <= 0) Add(path + ".cap.points", "must be positive");
                if (cap.Days <= 0) Add(path + ".cap.days", "must be positive");
            }
            if (rule.HalfLifeDays is <= 0) Add(path + ".half_life_days", "must be positive");
            for (var j = 0; j < (rule.Where?.Length ?? 0); j++)
            {
                var condition = rule.Where![j];
                var where = $"{path}.where[{j}]";
                if (string.IsNullOrWhiteSpace(condition.Property)) Add(where + ".property", "required");
                if (condition.Op is not ("equals" or "contains" or "exists")) Add(where + ".op", $"unknown operator '{condition.Op}' (equals, contains, exists)");
                else if (condition.Op != "exists" && condition.Values is not { Length: > 0 }) Add(where + ".values", $"'{condition.Op}' needs at least one value");
            }
        }
        return problems;
    }

    private static readonly Regex RuleId = new("^[a-z0-9_]{1,64}$", RegexOptions.CultureInvariant);
}

/// <summary>Points for a profile or account field. Values compare case-insensitively; between is inclusive.</summary>
public sealed record FitRule(string Id, string Field, string Op, string[]? Values, double? Min, double? Max, int Points);

/// <summary>
/// Points for each event named <see cref="Event"/> whose properties meet every <see cref="Where"/> condition; at
/// most <see cref="Cap"/> points within any rolling window of its days; decaying with the half-life.
/// </summary>
public sealed record EngagementRule(string Id, string Event, PropertyCondition[]? Where, int Points, Cap? Cap, double? HalfLifeDays);

public sealed record PropertyCondition(string Property, string Op, string[]? Values);

public sealed record Cap(int Points, int Days);

/// <summary>The profile fields fit rules can name.</summary>
public static class FitFields
{
    public static readonly string[] Known = ["title", "seniority", "industry", "company_size", "country", "lead_source"];

    public static bool IsKnown(string? field) =>
        field is not null && (Known.Contains(field) || field.StartsWith("custom.", StringComparison.Ordinal) && field.Length > 7
            || field.StartsWith("account.custom.", StringComparison.Ordinal) && field.Length > 15);
}
