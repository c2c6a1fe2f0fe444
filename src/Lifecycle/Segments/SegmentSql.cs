using System.Text;
using Dapper;
using Lifecycle.Scoring;
using Lifecycle.Storage;
using Lifecycle.Tracking;

namespace Lifecycle.Segments;

/// <summary>A compiled filter: a WHERE clause over contacts c LEFT JOIN accounts a, and its parameters.</summary>
public sealed record SegmentQuery(string Where, IReadOnlyDictionary<string, object?> Parameters)
{
    public const string From = "FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id";

    public DynamicParameters ToDapper()
    {
        var parameters = new DynamicParameters();
        foreach (var (name, value) in Parameters) parameters.Add(name, value);
        return parameters;
    }
}

/// <summary>
/// Compiles a parsed filter to SQL that runs on SQLite and PostgreSQL. Every user value, custom-field key, event
/// name and property name goes in as a parameter; the SQL text holds only fixed fragments chosen from the AST.
/// Scores are computed like the API computes them (fit + engagement decayed by each change's half-life) under the
/// current model version (<see cref="ScoreRows"/>), at <c>now</c>; "within T days" counts events whose timestamp is within T days before now.
/// </summary>
public sealed class SegmentSql
{
    private readonly DatabaseEngine _engine;
    private readonly DateTime _now;
    private readonly ScoreRows _scoreRows;
    private readonly Dictionary<string, object?> _parameters = [];

    private SegmentSql(DatabaseEngine engine, DateTime now, ScoreRows scoreRows) =>
        (_engine, _now, _scoreRows) = (engine, now, scoreRows);

    public static SegmentQuery Compile(SegmentFilter filter, DatabaseEngine engine, DateTime now, ScoreRows scoreRows)
    {
        var compiler = new SegmentSql(engine, now, scoreRows);
        var where = compiler.Sql(filter);
        return new SegmentQuery(where, compiler._parameters);
    }

    private bool Postgres => _engine == DatabaseEngine.Postgres;

    private string Parameter(object? value)
    {
        var name = "p" + _parameters.Count;
        _parameters[name] = value;
        return "@" + name;
    }

    private string Instant(DateTime value) => Parameter(Postgres ? value : EventStore.SqliteInstant(value));

    private string Sql(SegmentFilter filter) => filter switch
    {
        AndFilter f => $"({Sql(f.Left)} AND {Sql(f.Right)})",
        OrFilter f => $"({Sql(f.Left)} OR {Sql(f.Right)})",
        // A comparison with an empty field is unknown (NULL) in SQL; "not" treats it as false, so
        // "not (title = 'x')" keeps contacts without a title.
        NotFilter f => $"(NOT COALESCE({Sql(f.Inner)}, FALSE))",
        FieldFilter f => Field(f),
        BehaviourFilter f => Behaviour(f),
        _ => throw new NotSupportedException(filter.GetType().Name),
    };

    private string Field(FieldFilter filter)
    {
        var field = filter.Field;
        var column = field.Score is not null ? ScoreSql(field.Score)
            : field.CustomKey is not null ? CustomSql(field.OnAccount ? "a.custom" : "c.custom", field.CustomKey)
            : field.Column!;
        return field.Type switch
        {
            FieldType.Text => Text(column, filter.Op, filter.Values.Select(v => (string)v).ToList()),
            FieldType.Instant => $"{column} {filter.Op switch { "!=" => "<>", var op => op }} {Instant((DateTime)filter.Values[0])}",
            FieldType.Number when filter.Op == "in" => $"{column} IN ({string.Join(", ", filter.Values.Select(Parameter))})",
            FieldType.Number when filter.Op == "!=" => $"({column} IS NULL OR {column} <> {Parameter(filter.Values[0])})",
            FieldType.Number => $"{column} {filter.Op} {Parameter(filter.Values[0])}",
            // Statuses are stored by their snake_case names, which the parser has already checked.
            _ when filter.Op == "in" => $"{column} IN ({string.Join(", ", filter.Values.Select(Parameter))})",
            _ when filter.Op == "!=" => $"({column} IS NULL OR {column} <> {Parameter(filter.Values[0])})",
            _ => $"{column} = {Parameter(filter.Values[0])}",
        };
    }

    /// <summary>Text compares case-insensitively; != and "not in" also match an empty field.</summary>
    private string Text(string column, string op, IReadOnlyList<string> values) => op switch
    {
        "=" => $"LOWER({column}) = {Parameter(values[0].ToLowerInvariant())}",
        "!=" => $"({column} IS NULL OR LOWER({column}) <> {Parameter(values[0].ToLowerInvariant())})",
        "contains" => $"LOWER({column}) LIKE {Parameter("%" + EscapeLike(values[0].ToLowerInvariant()) + "%")} ESCAPE '\\'",
        "in" => $"LOWER({column}) IN ({string.Join(", ", values.Select(v => Parameter(v.ToLowerInvariant())))})",
        _ => throw new NotSupportedException(op),
    };

    private static string EscapeLike(string value) => value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    private string CustomSql(string column, string key) => Postgres
        ? $"(CAST({column} AS jsonb) ->> {Parameter(key)})"
        : $"json_extract({column}, {Parameter(JsonPath(key))})";

    private static string JsonPath(params string[] keys) =>
        "$" + string.Concat(keys.Select(k => ".\"" + k.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""));

    private string ScoreSql(string part)
    {
        var now = Instant(_now);
        var ageDays = Postgres ? $"(EXTRACT(EPOCH FROM (CAST({now} AS timestamptz) - s.at)) / 86400.0)" : $"(julianday({now}) - julianday(s.at))";
        var power = Postgres ? $"POWER(CAST(2 AS double precision), CAST(-{ageDays} / s.half_life_days AS double precision))" : $"pow(2.0, -{ageDays} / s.half_life_days)";
        var value = $"CASE WHEN s.kind = 'fit' OR s.half_life_days IS NULL THEN s.points ELSE s.points * {power} END";
        var kind = part switch { "fit" => " AND s.kind = 'fit'", "engagement" => " AND s.kind = 'engagement'", _ => "" };
        return $"(SELECT COALESCE(SUM({value}), 0) FROM score_changes s WHERE s.contact_id = c.id AND {ScoreRowsSql()} AND s.at <= {now}{kind})";
    }

    /// <summary>The current version's own score changes, and its kept rules' from earlier versions.</summary>
    private string ScoreRowsSql()
    {
        var rows = new StringBuilder($"(s.model_version = {Parameter(_scoreRows.Version)}");
        foreach (var (source, rules) in _scoreRows.KeptFrom)
        {
            var (named, programs) = ScoreRows.Split(rules);
            var kept = new List<string>();
            if (named.Length > 0) kept.Add($"s.rule_id IN ({string.Join(", ", named.Select(Parameter))})");
            if (programs) kept.Add($"s.rule_id LIKE {Parameter(ScoreChange.ProgramRulePrefix + "%")}");
            if (kept.Count > 0) rows.Append($" OR (s.model_version = {Parameter(source)} AND ({string.Join(" OR ", kept)}))");
        }
        return rows.Append(')').ToString();
    }

    /// <summary>
    /// Behaviour as an uncorrelated set of contact ids (one pass over the matching events, grouped), not a
    /// subquery per contact: the planner can then read events through the (name, timestamp) index once.
    /// </summary>
    private string Behaviour(BehaviourFilter filter)
    {
        var where = new StringBuilder($"e.contact_id IS NOT NULL AND e.name = {Parameter(filter.Event)}");
        if (filter.WithinDays is { } days) where.Append($" AND e.timestamp >= {Instant(_now.AddDays(-days))}");
        foreach (var property in filter.Where)
        {
            var value = Postgres
                ? $"(CAST(e.payload AS jsonb) -> 'properties' ->> {Parameter(property.Property)})"
                : $"CAST(json_extract(e.payload, {Parameter(JsonPath("properties", property.Property))}) AS TEXT)";
            where.Append(" AND ").Append(Text(value, property.Op, [property.Value]));
        }
        var having = filter.AtLeast == 1 ? "" : $" GROUP BY e.contact_id HAVING COUNT(*) >= {Parameter(filter.AtLeast)}";
        return $"c.id {(filter.Negated ? "NOT IN" : "IN")} (SELECT e.contact_id FROM events e WHERE {where}{having})";
    }
}
