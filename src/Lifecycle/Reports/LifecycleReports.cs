using System.Globalization;
using System.Text.Json;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Reports;

public sealed record LifecycleReport(string From, string To, string TimeZone, IReadOnlyDictionary<string, object?> Metrics);

/// <summary>One row of GET /api/metrics: a metric of one month (the default grain), for one breakdown value or all.</summary>
public sealed record MetricRow(string Metric, string Period, string? Dimension, object? Value);

/// <summary>Runs the catalog on the stored facts: one load per request, then the pure metric code.</summary>
public sealed class LifecycleReports(LifecycleDb db, TimeProvider clock, ChannelMapping channels, ReportSettings settings)
{
    public LifecycleDb Db => db;

    /// <summary>Every metric over the period as a whole; a period within one month reads its kept values like a trend does.</summary>
    public async Task<LifecycleReport> LifecycleAsync(ReportPeriod period, CancellationToken cancel = default)
    {
        IReadOnlyDictionary<string, object?> metrics;
        if (period.Months().Count() == 1)
            metrics = (await RowsAsync(period, MetricCatalog.Available.ToList(), null, cancel)).ToDictionary(r => r.Metric, r => r.Value);
        else
        {
            var facts = await ReportFacts.LoadAsync(db, period, clock.GetUtcNow().UtcDateTime, channels, cancel);
            metrics = MetricCatalog.Compute(new MetricScope(facts, period, settings), MetricCatalog.Available);
        }
        return new LifecycleReport(Day(period.FromDay), Day(period.ToDay), period.Zone.Id, metrics);
    }

    /// <summary>
    /// The metrics month by month, each month as a whole or split by one dimension. A closed month's whole values are
    /// kept (<see cref="ReportCache"/>), so a trend computes its open month and whatever late data reached: for a metric
    /// reading later data (<see cref="LaterData"/>), data written since about the month's messages or contacts.
    /// </summary>
    public async Task<List<MetricRow>> RowsAsync(ReportPeriod period, IReadOnlyList<MetricDefinition> metrics, Dimension? by, CancellationToken cancel = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        metrics = metrics.Where(m => m.Available).ToList();
        if (by is { } dimension) return await BreakdownRowsAsync(period, metrics, dimension, now, cancel);

        var months = period.Months().ToList();
        string Key(MetricDefinition metric, ReportPeriod part) => $"{metric.Id}|{part.From:O}|{part.To:O}|{_fingerprint}";
        var keys = months.Where(m => m.Part.To <= now).SelectMany(m => metrics.Select(metric => Key(metric, m.Part))).ToList();
        // Opens and clicks reach kept values through the e-mail projection's writes: project what has arrived first.
        if (metrics.Any(m => m.Later == LaterData.Emails)) await EmailProjection.CatchUpAsync(db, cancel);
        var kept = new Dictionary<string, List<MetricRow>>(StringComparer.Ordinal);
        foreach (var (key, text) in await ReportCache.ReadAsync(db, keys, now, cancel))
            if (DecodeRows(text) is { } rows) kept[key] = rows;

        var missing = months.Select(m => (m.Month, m.Part, Metrics: metrics.Where(metric => !kept.ContainsKey(Key(metric, m.Part))).ToList()))
            .Where(m => m.Metrics.Count > 0).ToList();
        if (missing.Count > 0)
        {
            var claim = await ReportCache.ClaimAsync(db, missing.Where(m => m.Part.To <= now)
                .SelectMany(m => m.Metrics.Select(metric => (Key: Key(metric, m.Part), Dependency: new ReportCache.Dependency(
                    m.Part.To, metric.Later == LaterData.None ? null : m.Part.From, metric.Later))))
                .ToDictionary(k => k.Key, k => k.Dependency), now, cancel);
            var toCompute = missing.SelectMany(m => m.Metrics).Distinct().ToList();
            var range = new ReportPeriod(missing[0].Part.FromDay, missing[^1].Part.ToDay, period.Zone);
            var facts = await ReportFacts.LoadAsync(db, range, now, channels, cancel, needs: MetricDefinition.NeedsOf(toCompute));
            var whole = new MetricScope(facts, range, settings);
            var work = missing.SelectMany(m =>
            {
                var scope = whole.In(m.Part);
                return m.Metrics.Select(metric => (m.Month, Key: Key(metric, m.Part), Scope: scope, Metric: metric));
            }).ToList();
            // The metrics are pure code over facts nobody writes any more (a scope's indexes are thread-safe lazies),
            // so they run on every core.
            var computed = new List<MetricRow>[work.Count];
            Parallel.For(0, work.Count, i => computed[i] = MetricCatalog.Compute(work[i].Scope, [work[i].Metric])
                .Select(v => new MetricRow(v.Key, work[i].Month, null, v.Value)).ToList());
            var fills = new Dictionary<string, (string, DateTime?)>(StringComparer.Ordinal);
            foreach (var (item, rows) in work.Zip(computed))
            {
                kept[item.Key] = rows;
                if (claim is { } c && c.Keys.Contains(item.Key))
                    fills[item.Key] = (EncodeRows(rows), item.Metric.Later == LaterData.None ? null : facts.LaterDataUntil);
            }
            if (claim is { } held && fills.Count > 0) await ReportCache.FillAsync(db, held.Token, fills, cancel);
        }
        return months.SelectMany(m => metrics.SelectMany(metric => kept[Key(metric, m.Part)])).ToList();
    }

    private async Task<List<MetricRow>> BreakdownRowsAsync(ReportPeriod period, IReadOnlyList<MetricDefinition> metrics, Dimension by, DateTime now, CancellationToken cancel)
    {
        // A channel breakdown lists the channels visits came from too, so it reads the traffic whatever the metrics.
        var needs = MetricDefinition.NeedsOf(metrics) | (by == Dimension.Channel ? FactNeeds.Traffic : FactNeeds.None);
        var facts = await ReportFacts.LoadAsync(db, period, now, channels, cancel, by, needs);
        var rows = new List<MetricRow>();
        var whole = new MetricScope(facts, period, settings);
        foreach (var (month, part) in period.Months())
        {
            var scope = whole.In(part);
            foreach (var slice in DimensionValues(facts, by).Select(v => new Slice(by, v)))
                foreach (var (id, value) in MetricCatalog.Compute(scope.For(slice), metrics))
                    rows.Add(new MetricRow(id, month, slice.Label, value));
        }
        return rows;
    }

    private readonly string _fingerprint = Fingerprint(settings, channels);

    /// <summary>What a kept value was computed under besides its data: the time zone, the gross margin and the channel mapping.</summary>
    private static string Fingerprint(ReportSettings settings, ChannelMapping channels) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            JsonSerializer.Serialize(new { zone = settings.Zone.Id, margin = settings.GrossMargin, channels.Rules }))))[..16];

    /// <summary>A metric's rows of one month (an expanding metric has several), as kept: [id, month, typed value] triples.</summary>
    private static string EncodeRows(IEnumerable<MetricRow> rows) =>
        JsonSerializer.Serialize(rows.Select(r => new[] { r.Metric, r.Period, ReportCache.Encode(r.Value) }));

    private static List<MetricRow>? DecodeRows(string text)
    {
        var rows = new List<MetricRow>();
        foreach (var row in JsonSerializer.Deserialize<string[][]>(text) ?? [])
        {
            if (!ReportCache.TryDecode(row[2], out var value)) return null;
            rows.Add(new MetricRow(row[0], row[1], null, value));
        }
        return rows;
    }

    /// <summary>The values a breakdown shows: every campaign, channel, lead source, segment or owner the facts name, and (none).</summary>
    public static IEnumerable<string?> DimensionValues(ReportFacts facts, Dimension dimension)
    {
        IEnumerable<string?> values = dimension switch
        {
            Dimension.Campaign => facts.Campaigns.Keys.Concat(facts.Costs.Select(c => c.CampaignId)),
            Dimension.Channel => facts.Campaigns.Values.Select(c => (string?)c.Channel).Concat(facts.Costs.Select(c => (string?)c.Channel))
                .Concat(facts.Visits.Select(v => (string?)v.Channel)),
            Dimension.Segment => facts.SegmentMembers.Keys,
            Dimension.Owner => facts.AccountOwners.Values,
            _ => facts.Contacts.Values.Select(c => c.LeadSource),
        };
        return values.Where(v => v is not null).Distinct().Order(StringComparer.Ordinal).Append(null);
    }

    /// <summary>The workspace's report settings: its time zone (<see cref="Server.Workspace"/>, Lifecycle:Workspace:TimeZone,
    /// default UTC) and Lifecycle:GrossMargin (default 0.8).</summary>
    public static ReportSettings SettingsFrom(IConfiguration configuration)
    {
        var zone = Server.Workspace.From(configuration).TimeZone;
        var margin = decimal.TryParse(configuration["Lifecycle:GrossMargin"], NumberStyles.Number, CultureInfo.InvariantCulture, out var m) ? m : ReportSettings.Default.GrossMargin;
        return new ReportSettings(zone, margin);
    }

    /// <summary>
    /// Reads ids (comma-separated, default every available metric) and by; errors name the field and the id.
    /// </summary>
    public static (List<MetricDefinition> Metrics, Dimension? By) ParseSelection(string? ids, string? by, Action<string, string> error)
    {
        Dimension? dimension = null;
        if (!string.IsNullOrWhiteSpace(by))
        {
            if (Enum.TryParse<Dimension>(by.Trim(), true, out var d) && !int.TryParse(by, out _)) dimension = d;
            else error("by", $"'{by}' is not one of campaign, channel, source, segment, owner");
        }
        var metrics = new List<MetricDefinition>();
        if (string.IsNullOrWhiteSpace(ids)) metrics.AddRange(MetricCatalog.Available.Where(m => dimension is null || m.Breakdowns.Contains(dimension.Value)));
        else
        {
            foreach (var id in ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var metric = MetricCatalog.Find(id);
                if (metric is null) error("ids", $"'{id}' is not a metric id");
                else if (!metric.Available) error("ids", $"'{id}' is not yet available (its facts are not recorded yet)");
                else if (dimension is { } d && !metric.Breakdowns.Contains(d)) error("by", $"'{id}' cannot be broken down by {by!.Trim().ToLowerInvariant()}");
                else metrics.Add(metric);
            }
        }
        return (metrics, dimension);
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// A metric value as (name, text) pairs for tables and CSV: numbers as invariant text, null as empty, objects
    /// flattened to dotted names (convert.velocity.lead_to_mql.median_days).
    /// </summary>
    public static IEnumerable<(string Name, string Value)> Flatten(string name, object? value, JsonSerializerOptions json) =>
        Leaves(name, value, json).Select(leaf => (leaf.Name, leaf.Value.ValueKind switch
        {
            JsonValueKind.Null => "",
            JsonValueKind.String => leaf.Value.GetString()!,
            _ => leaf.Value.GetRawText(),
        }));

    /// <summary>A metric value's leaves as JSON values under dotted names, objects and arrays walked in order.</summary>
    public static IEnumerable<(string Name, JsonElement Value)> Leaves(string name, object? value, JsonSerializerOptions json)
    {
        return Walk(name, JsonSerializer.SerializeToElement(value, json));

        static IEnumerable<(string, JsonElement)> Walk(string path, JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                        foreach (var item in Walk($"{path}.{p.Name}", p.Value)) yield return item;
                    break;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in e.EnumerateArray())
                        foreach (var inner in Walk($"{path}.{i++}", item)) yield return inner;
                    break;
                default: yield return (path, e); break;
            }
        }
    }
}
