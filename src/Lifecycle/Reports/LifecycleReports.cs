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

    public async Task<LifecycleReport> LifecycleAsync(ReportPeriod period, CancellationToken cancel = default)
    {
        var facts = await ReportFacts.LoadAsync(db, period, clock.GetUtcNow().UtcDateTime, channels, cancel);
        var metrics = MetricCatalog.Compute(new MetricScope(facts, period, settings), MetricCatalog.Available);
        return new LifecycleReport(Day(period.FromDay), Day(period.ToDay), period.Zone.Id, metrics);
    }

    /// <summary>The metrics month by month, each month as a whole or split by one dimension.</summary>
    public async Task<List<MetricRow>> RowsAsync(ReportPeriod period, IReadOnlyList<MetricDefinition> metrics, Dimension? by, CancellationToken cancel = default)
    {
        // A channel breakdown lists the channels visits came from too, so it reads the traffic whatever the metrics.
        var needs = MetricDefinition.NeedsOf(metrics) | (by == Dimension.Channel ? FactNeeds.Traffic : FactNeeds.None);
        var facts = await ReportFacts.LoadAsync(db, period, clock.GetUtcNow().UtcDateTime, channels, cancel, segments: by == Dimension.Segment, needs);
        var rows = new List<MetricRow>();
        var whole = new MetricScope(facts, period, settings);
        foreach (var (month, part) in period.Months())
        {
            var scope = whole.In(part);
            IEnumerable<Slice?> slices = by is { } dimension ? DimensionValues(facts, dimension).Select(v => (Slice?)new Slice(dimension, v)) : [(Slice?)null];
            foreach (var slice in slices)
                foreach (var (id, value) in MetricCatalog.Compute(scope.For(slice), metrics))
                    rows.Add(new MetricRow(id, month, slice?.Label, value));
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
