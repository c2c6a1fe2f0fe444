using Lifecycle.Dashboard.Tables;
using Lifecycle.Reports;

namespace Lifecycle.Dashboard.Views;

public sealed record ExpandModel(DateOnly Month, double? Churn, double? UpsellShare, NpsReport? Nps, DataTable Trend, DataTable Verbatims);

/// <summary>The expand page: churn, upsell share and NPS by month for twelve months, and the chosen month's NPS verbatims, from the catalog.</summary>
public static class ExpandTables
{
    public const string Page = "expand";

    public static async Task<ExpandModel> LoadAsync(DashboardData data, IQueryCollection query)
    {
        var month = data.Month(query["month"]);
        var metrics = new[] { "expand.churn_rate", "expand.upsell_share", "expand.net_revenue_retention", "expand.nps" }.Select(id => MetricCatalog.Find(id)!).ToList();
        var rows = await data.Reports().RowsAsync(data.TwelveMonths(month), metrics, null);
        var byMonth = rows.GroupBy(r => r.Period).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Month: g.Key, Values: g.ToDictionary(r => r.Metric, r => r.Value))).ToList();
        var trend = byMonth.Select(m =>
        {
            var nps = m.Values["expand.nps"] as NpsReport;
            var first = DateOnly.ParseExact(m.Month + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            return new Cell[]
            {
                new(m.Month), new(m.Values["expand.churn_rate"], RowsTables.Href("expand.churn_rate", first, null, null)), new(m.Values["expand.upsell_share"]),
                new(m.Values["expand.net_revenue_retention"]), new(nps?.Score), new(nps?.Responses, RowsTables.Href("expand.nps", first, null, null)),
                new(nps?.Promoters), new(nps?.Passives), new(nps?.Detractors),
            };
        }).ToList();
        var now = byMonth.Count > 0 ? byMonth[^1].Values : [];
        var current = now.GetValueOrDefault("expand.nps") as NpsReport;
        var verbatims = (current?.Verbatims ?? []).Select(v => new Cell[]
        {
            new(v.RespondedAt), new(v.ContactId, "/contacts/" + Uri.EscapeDataString(v.ContactId)), new(v.Score), new(v.Comment),
        }).ToList();
        return new ExpandModel(month, now.GetValueOrDefault("expand.churn_rate") as double?, now.GetValueOrDefault("expand.upsell_share") as double?, current,
            new DataTable("trend", "Twelve months",
                [new("month", "Month"), new("churn_rate", "Churn rate", ColumnKind.Rate), new("upsell_share", "Upsell share", ColumnKind.Rate),
                 new("net_revenue_retention", "Net revenue retention", ColumnKind.Rate), new("nps", "NPS", ColumnKind.Number), new("responses", "Answers", ColumnKind.Count),
                 new("promoters", "Promoters", ColumnKind.Count), new("passives", "Passives", ColumnKind.Count), new("detractors", "Detractors", ColumnKind.Count)], trend),
            new DataTable("verbatims", "What customers said", [new("responded_at", "When", ColumnKind.Time), new("contact_id", "Contact"),
                new("score", "Score", ColumnKind.Count), new("comment", "Comment")], verbatims));
    }

    public static async Task<IReadOnlyList<DataTable>> TablesAsync(DashboardData data, IQueryCollection query)
    {
        var m = await LoadAsync(data, query);
        return [m.Trend, m.Verbatims];
    }
}
