using System.Text;
using System.Text.Json;

namespace Lifecycle.Scoring;

/// <summary>What fit rules read: the contact's fields and its account's (custom fields of both).</summary>
public sealed record ScoringProfile(
    string? Title, string? Industry, int? CompanySize, string? Country, string? LeadSource,
    IReadOnlyDictionary<string, string> Custom, IReadOnlyDictionary<string, string> AccountCustom)
{
    public static readonly ScoringProfile Empty = new(null, null, null, null, null, new Dictionary<string, string>(), new Dictionary<string, string>());

    /// <summary>
    /// Seniority: the custom field "seniority" when the CRM provides one, else read from the title
    /// (c_level, vp, director, manager, individual); null without a title.
    /// </summary>
    public string? Seniority => Custom.TryGetValue("seniority", out var given) && given.Length > 0 ? given.Trim().ToLowerInvariant() : SeniorityOf(Title);

    public static string? SeniorityOf(string? title)
    {
        if (string.IsNullOrWhiteSpace(title)) return null;
        var words = title.ToLowerInvariant().Split([' ', ',', '-', '/', '&', '.'], StringSplitOptions.RemoveEmptyEntries);
        bool Has(params string[] any) => words.Any(any.Contains);
        if (Has("ceo", "cmo", "cto", "cfo", "coo", "cro", "cio", "chief", "founder", "president") && !Has("vice")) return "c_level";
        if (Has("vp", "svp", "evp", "vice")) return "vp";
        if (Has("director", "head")) return "director";
        if (Has("manager", "lead")) return "manager";
        return "individual";
    }

    public string? Field(string field) => field switch
    {
        "title" => Title,
        "seniority" => Seniority,
        "industry" => Industry,
        "company_size" => CompanySize?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "country" => Country,
        "lead_source" => LeadSource,
        _ when field.StartsWith("account.custom.", StringComparison.Ordinal) => AccountCustom.GetValueOrDefault(field[15..]),
        _ when field.StartsWith("custom.", StringComparison.Ordinal) => Custom.GetValueOrDefault(field[7..]),
        _ => null,
    };
}

/// <summary>An event as scoring sees it: name, instant, and its properties as text (numbers and booleans as written).</summary>
public sealed record ScoredEvent(string MessageId, string? Name, DateTime At, IReadOnlyDictionary<string, string> Properties)
{
    /// <summary>
    /// Reads the payload's top-level "properties" (the last one when repeated, as JSON readers do): strings unescaped,
    /// anything else as written. One forward pass, no document: a rescore reads millions of payloads.
    /// </summary>
    public static ScoredEvent FromPayload(string messageId, string? name, DateTime at, string payload)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        var json = Encoding.UTF8.GetBytes(payload);
        var reader = new Utf8JsonReader(json);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); return new ScoredEvent(messageId, name, at, properties); }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isProperties = reader.ValueTextEquals("properties"u8);
            reader.Read();
            if (!isProperties) { reader.Skip(); continue; }
            properties.Clear();
            if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) properties[key] = reader.GetString()!;
                else
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    properties[key] = Encoding.UTF8.GetString(json, start, (int)reader.BytesConsumed - start);
                }
            }
        }
        return new ScoredEvent(messageId, name, at, properties);
    }
}

/// <summary>A score at one instant: fit, engagement (decayed to that instant) and their sum.</summary>
public sealed record Score(double Fit, double Engagement)
{
    public double Total => Fit + Engagement;
}

/// <summary>One rule's share of a score at an instant.</summary>
public sealed record RuleContribution(string RuleId, ScoreKind Kind, int Points, double Value, int Changes);

/// <summary>
/// The scoring arithmetic, pure. Decision on decay: changes store the points as awarded (undecayed) with the
/// half-life that applied; decay is evaluated at read time, value = points × 2^(−age / half-life), age in days
/// since the change. So the score at any instant (past or now) comes from the same rows, and nothing has to be
/// rewritten as time passes.
/// </summary>
public static class Scorer
{
    public static Score ScoreAt(IEnumerable<ScoreChange> changes, DateTime at)
    {
        double fit = 0, engagement = 0;
        foreach (var change in changes)
        {
            if (change.At > at) continue;
            if (change.Kind == ScoreKind.Fit) fit += change.Points;
            else engagement += Decayed(change, at);
        }
        return new Score(fit, engagement);
    }

    public static double Decayed(ScoreChange change, DateTime at)
    {
        if (change.Kind == ScoreKind.Fit || change.HalfLifeDays is not { } halfLife) return change.Points;
        var ageDays = (at - change.At).TotalDays;
        return change.Points * Math.Pow(2, -ageDays / halfLife);
    }

    /// <summary>The score at an instant, rule by rule (rules whose changes net to nothing are left out).</summary>
    public static IReadOnlyList<RuleContribution> Explain(IEnumerable<ScoreChange> changes, DateTime at) =>
        changes.Where(c => c.At <= at)
            .GroupBy(c => (c.RuleId, c.Kind))
            .Select(g => new RuleContribution(g.Key.RuleId, g.Key.Kind, g.Sum(c => c.Points), g.Sum(c => Decayed(c, at)), g.Count()))
            .Where(r => r.Points != 0 || r.Value != 0)
            .OrderByDescending(r => Math.Abs(r.Value)).ThenBy(r => r.RuleId, StringComparer.Ordinal)
            .ToList();

    /// <summary>Fit points per matching rule for a profile.</summary>
    public static Dictionary<string, int> Fit(ScoringModel model, ScoringProfile profile)
    {
        var points = new Dictionary<string, int>();
        var values = new Dictionary<string, string?>(StringComparer.Ordinal); // several rules read one field (seniority parses the title)
        foreach (var rule in model.Fit)
        {
            if (!values.TryGetValue(rule.Field, out var value)) values[rule.Field] = value = profile.Field(rule.Field);
            if (Matches(rule, value)) points[rule.Id] = rule.Points;
        }
        return points;
    }

    private static bool Matches(FitRule rule, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return false;
        var text = value.Trim();
        return rule.Op switch
        {
            "equals" => rule.Values!.Any(v => string.Equals(v.Trim(), text, StringComparison.OrdinalIgnoreCase)),
            "contains" => rule.Values!.Any(v => text.Contains(v.Trim(), StringComparison.OrdinalIgnoreCase)),
            "between" => double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n)
                         && (rule.Min is null || n >= rule.Min) && (rule.Max is null || n <= rule.Max),
            "exists" => true,
            _ => false,
        };
    }

    /// <summary>
    /// The fit changes that move a contact from the fit it has (net points per rule) to the fit its profile
    /// earns now: one change per rule whose points differ, by the difference.
    /// </summary>
    public static List<ScoreChange> FitChanges(string contactId, int version, IReadOnlyDictionary<string, int> current,
        IReadOnlyDictionary<string, int> target, DateTime at)
    {
        var changes = new List<ScoreChange>();
        foreach (var rule in current.Keys.Union(target.Keys).Order(StringComparer.Ordinal))
        {
            var delta = target.GetValueOrDefault(rule) - current.GetValueOrDefault(rule);
            if (delta != 0)
                changes.Add(new ScoreChange { ContactId = contactId, ModelVersion = version, RuleId = rule, Kind = ScoreKind.Fit, Points = delta, At = at });
        }
        return changes;
    }

    /// <summary>Net fit points per rule among a contact's changes.</summary>
    public static Dictionary<string, int> CurrentFit(IEnumerable<ScoreChange> changes) =>
        changes.Where(c => c.Kind == ScoreKind.Fit).GroupBy(c => c.RuleId).ToDictionary(g => g.Key, g => g.Sum(c => c.Points));

    /// <summary>
    /// The engagement changes one event earns: for every matching rule its points, cut so that the rule's points in
    /// the rolling window (at − cap days, at] stay within the cap (a rule that has reached its cap earns nothing
    /// and leaves no row). <paramref name="prior"/> is the contact's engagement so far under this version.
    /// </summary>
    public static List<ScoreChange> Engage(ScoringModel model, int version, string contactId, ScoredEvent e, IReadOnlyList<ScoreChange> prior)
    {
        var changes = new List<ScoreChange>();
        foreach (var rule in model.Engagement)
        {
            if (!string.Equals(rule.Event, e.Name, StringComparison.OrdinalIgnoreCase) || !(rule.Where ?? []).All(c => Holds(c, e.Properties))) continue;
            var points = rule.Points;
            if (rule.Cap is { } cap && points > 0)
            {
                var since = e.At.AddDays(-cap.Days);
                var used = prior.Where(c => c.RuleId == rule.Id && c.Kind == ScoreKind.Engagement && c.At > since && c.At <= e.At).Sum(c => c.Points);
                points = Math.Min(points, cap.Points - used);
                if (points <= 0) continue;
            }
            changes.Add(new ScoreChange
            {
                ContactId = contactId, ModelVersion = version, RuleId = rule.Id, Kind = ScoreKind.Engagement, Points = points,
                HalfLifeDays = rule.HalfLifeDays ?? model.HalfLifeDays, At = e.At, MessageId = e.MessageId,
            });
        }
        return changes;
    }

    private static bool Holds(PropertyCondition condition, IReadOnlyDictionary<string, string> properties)
    {
        if (!properties.TryGetValue(condition.Property, out var value) || value.Length == 0 || value == "null") return false;
        return condition.Op switch
        {
            "exists" => true,
            "equals" => condition.Values!.Any(v => string.Equals(v, value, StringComparison.OrdinalIgnoreCase)),
            "contains" => condition.Values!.Any(v => value.Contains(v, StringComparison.OrdinalIgnoreCase)),
            _ => false,
        };
    }
}
