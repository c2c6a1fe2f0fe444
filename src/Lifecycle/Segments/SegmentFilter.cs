namespace Lifecycle.Segments;

/// <summary>A parsed segment definition. Built only by <see cref="SegmentParser"/>, so every field and value is known good.</summary>
public abstract record SegmentFilter;

public sealed record AndFilter(SegmentFilter Left, SegmentFilter Right) : SegmentFilter;

public sealed record OrFilter(SegmentFilter Left, SegmentFilter Right) : SegmentFilter;

public sealed record NotFilter(SegmentFilter Inner) : SegmentFilter;

/// <summary>A field compared with values: =, !=, &lt;, &lt;=, &gt;, &gt;=, contains (one value) or in (one or more).</summary>
public sealed record FieldFilter(SegmentField Field, string Op, IReadOnlyList<object> Values) : SegmentFilter;

/// <summary>"did [not] 'Event' [where …] [at least N times] [within T days]".</summary>
public sealed record BehaviourFilter(bool Negated, string Event, IReadOnlyList<PropertyFilter> Where, int AtLeast, int? WithinDays) : SegmentFilter;

/// <summary>An event property compared as text: =, != or contains.</summary>
public sealed record PropertyFilter(string Property, string Op, string Value);

public enum FieldType { Text, Number, Instant, Boolean, Status, AccountStatus }

/// <summary>
/// A field a segment can name. Column fields map to one fixed column; custom fields carry their key (bound as a
/// parameter, never written into the SQL); score fields are computed from score_changes.
/// </summary>
public sealed record SegmentField(string Name, FieldType Type, string? Column, string? CustomKey = null, bool OnAccount = false, string? Score = null)
{
    public static readonly IReadOnlyDictionary<string, SegmentField> Known = new[]
    {
        new SegmentField("id", FieldType.Text, "c.id"),
        new SegmentField("email", FieldType.Text, "c.email"),
        new SegmentField("first_name", FieldType.Text, "c.first_name"),
        new SegmentField("last_name", FieldType.Text, "c.last_name"),
        new SegmentField("title", FieldType.Text, "c.title"),
        new SegmentField("country", FieldType.Text, "c.country"),
        new SegmentField("lead_source", FieldType.Text, "c.lead_source"),
        new SegmentField("campaign_id", FieldType.Text, "c.campaign_id"),
        new SegmentField("account_id", FieldType.Text, "c.account_id"),
        new SegmentField("created_at", FieldType.Instant, "c.created_at"),
        new SegmentField("consent", FieldType.Boolean, "c.consent"),
        new SegmentField("status", FieldType.Status, "c.status"),
        new SegmentField("account.name", FieldType.Text, "a.name"),
        new SegmentField("account.domain", FieldType.Text, "a.domain"),
        new SegmentField("account.industry", FieldType.Text, "a.industry"),
        new SegmentField("account.country", FieldType.Text, "a.country"),
        new SegmentField("account.owner", FieldType.Text, "a.owner"),
        new SegmentField("account.employees", FieldType.Number, "a.employees"),
        new SegmentField("account.status", FieldType.AccountStatus, "a.status"),
        new SegmentField("score", FieldType.Number, null, Score: "total"),
        new SegmentField("score.fit", FieldType.Number, null, Score: "fit"),
        new SegmentField("score.engagement", FieldType.Number, null, Score: "engagement"),
    }.ToDictionary(f => f.Name);

    public static SegmentField? Find(string name)
    {
        if (Known.TryGetValue(name, out var field)) return field;
        if (name.StartsWith("account.custom.", StringComparison.Ordinal) && name.Length > 15) return new(name, FieldType.Text, null, name[15..], OnAccount: true);
        if (name.StartsWith("custom.", StringComparison.Ordinal) && name.Length > 7) return new(name, FieldType.Text, null, name[7..]);
        return null;
    }
}
