using Lifecycle.Access;
using Lifecycle.Contacts;
using Lifecycle.Dashboard.Tables;
using Lifecycle.Pipeline;
using Lifecycle.Reports;
using Lifecycle.Server;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Dashboard.Views;

public sealed record ConvertModel(DateOnly Month, DataTable Queue, DataTable Breaches, DataTable Worked, DataTable Costs,
    DataTable RoiByCampaign, DataTable RoiByChannel, DataTable Sources);

/// <summary>
/// The convert page: the sales queue as the API lists it (Pipeline/SalesQueueEndpoints), the contacts sales work
/// on (SAL, SQL), and the month's cost per SQL and customer, ROI and lead-source effectiveness from the catalog.
/// </summary>
public static class ConvertTables
{
    public const string Page = "convert";
    private const int QueueShown = 500;

    public static async Task<ConvertModel> LoadAsync(DashboardData data, IQueryCollection query)
    {
        var month = data.Month(query["month"]);
        var owners = await data.Db.Set<User>().AsNoTracking().ToDictionaryAsync(u => u.Id, u => u.Name);
        var queue = (await SalesQueueEndpoints.List(data.Db, data.Clock, new Paging(QueueShown, 0), null, null)).Value!.Items;
        var overdue = (await SalesQueueEndpoints.List(data.Db, data.Clock, new Paging(QueueShown, 0), null, true)).Value!.Items;
        Column[] queueColumns =
        [
            new("contact_id", "Contact"), new("email", "E-mail"), new("account_id", "Account"), new("owner", "Owner"),
            new("entered_at", "Became MQL", ColumnKind.Time), new("due_at", "SLA due", ColumnKind.Time), new("sla", "SLA", ColumnKind.Label),
        ];
        Cell[] QueueRow(QueueItem item) =>
        [
            ContactCell(item.ContactId), new(item.Email), new(item.AccountId), new(item.OwnerId is { } o ? owners.GetValueOrDefault(o) : null),
            new(item.EnteredAt), new(item.DueAt), new(item.BreachedAt is not null ? "breached" : item.Overdue ? "overdue" : "on time"),
        ];

        var worked = await data.Db.Contacts.AsNoTracking().Where(c => c.Status == ContactStatus.Sal || c.Status == ContactStatus.Sql)
            .OrderBy(c => c.Status).ThenBy(c => c.Id).Take(QueueShown).ToListAsync();

        var catalog = new[] { "convert.sqls", "convert.cost_per_sql", "convert.new_customers", "convert.cost_per_customer", "cost.total", "convert.roi", "convert.source_effectiveness" }
            .Select(id => MetricCatalog.Find(id)!).ToList();
        var values = (await data.Reports().RowsAsync(data.MonthPeriod(month), catalog, null)).ToDictionary(r => r.Metric, r => r.Value);
        var roi = values.GetValueOrDefault("convert.roi") as RoiReport;
        var sources = values.GetValueOrDefault("convert.source_effectiveness") as IReadOnlyDictionary<string, SourceEffectiveness> ?? new Dictionary<string, SourceEffectiveness>();

        return new ConvertModel(month,
            new DataTable("queue", "Sales queue", queueColumns, queue.Select(QueueRow).ToList()),
            new DataTable("sla_breaches", "SLA breaches", queueColumns, overdue.Select(QueueRow).ToList()),
            new DataTable("worked", "Accepted and qualified",
                [new("contact_id", "Contact"), new("email", "E-mail"), new("account_id", "Account"), new("status", "Status"), new("owner", "Owner")],
                worked.Select(c => new Cell[] { ContactCell(c.Id), new(c.Email), new(c.AccountId), new(c.Status?.ToName()), new(c.OwnerId is { } o ? owners.GetValueOrDefault(o) : null) }).ToList()),
            new DataTable("costs", "Cost per SQL and per customer",
                [new("sqls", "SQLs", ColumnKind.Count), new("cost_per_sql", "Cost per SQL", ColumnKind.Money), new("new_customers", "New customers", ColumnKind.Count),
                 new("cost_per_customer", "Cost per customer", ColumnKind.Money), new("cost", "Program cost", ColumnKind.Money)],
                [[new(values["convert.sqls"], RowsTables.Href("convert.sqls", month, null, null)), new(values["convert.cost_per_sql"]),
                  new(values["convert.new_customers"], RowsTables.Href("convert.new_customers", month, null, null)), new(values["convert.cost_per_customer"]),
                  new(values["cost.total"], RowsTables.Href("cost.total", month, null, null))]]),
            RoiTable("roi_by_campaign", "ROI by campaign", "campaign", "Campaign", roi?.ByCampaign),
            RoiTable("roi_by_channel", "ROI by channel", "channel", "Channel", roi?.ByChannel),
            new DataTable("source_effectiveness", "Lead-source effectiveness",
                [new("source", "Source"), new("leads", "Leads", ColumnKind.Count), new("mqls", "MQLs", ColumnKind.Count), new("sqls", "SQLs", ColumnKind.Count),
                 new("customers", "Customers", ColumnKind.Count), new("lead_to_customer_rate", "Lead to customer", ColumnKind.Rate), new("bookings", "Bookings", ColumnKind.Money),
                 new("cost", "Cost", ColumnKind.Money), new("cost_per_customer", "Cost per customer", ColumnKind.Money), new("roi", "ROI", ColumnKind.Rate),
                 new("median_lead_to_customer_days", "Median days to customer", ColumnKind.Days)],
                sources.Select(s => new Cell[] { new(s.Key), new(s.Value.Leads), new(s.Value.Mqls), new(s.Value.Sqls), new(s.Value.Customers), new(s.Value.LeadToCustomerRate),
                    new(s.Value.Bookings), new(s.Value.Cost), new(s.Value.CostPerCustomer), new(s.Value.Roi), new(s.Value.MedianLeadToCustomerDays) }).ToList()));
    }

    public static async Task<IReadOnlyList<DataTable>> TablesAsync(DashboardData data, IQueryCollection query)
    {
        var m = await LoadAsync(data, query);
        return [m.Queue, m.Breaches, m.Worked, m.Costs, m.RoiByCampaign, m.RoiByChannel, m.Sources];
    }

    private static Cell ContactCell(string id) => new(id, "/contacts/" + Uri.EscapeDataString(id));

    private static DataTable RoiTable(string name, string title, string key, string keyTitle, IReadOnlyDictionary<string, RoiValue>? values) =>
        new(name, title,
            [new(key, keyTitle), new("bookings", "First-year bookings", ColumnKind.Money), new("cost", "Cost", ColumnKind.Money),
             new("bookings_to_cost", "Bookings to cost", ColumnKind.Number), new("roi", "ROI", ColumnKind.Rate)],
            (values ?? new Dictionary<string, RoiValue>()).Select(v => new Cell[] { new(v.Key), new(v.Value.Bookings), new(v.Value.Cost), new(v.Value.BookingsToCost), new(v.Value.Roi) }).ToList());
}
