using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Reports;

public sealed record ForecastStage(string Stage, int Open, int HistoryEntries, double? Probability, double ExpectedCustomers);
public sealed record ForecastMonth(int MonthAhead, double ExpectedCustomers, decimal? ExpectedBookings);
public sealed record ForecastReport(DateTime AsOf, int HorizonMonths, int LookbackMonths, DateTime HistoryFrom, DateTime HistoryTo,
    decimal? AverageDealSize, double ExpectedCustomers, decimal? ExpectedBookings, IReadOnlyList<ForecastStage> Stages, IReadOnlyList<ForecastMonth> Months);

/// <summary>
/// The forecast of lifecycle.md §5, pure: expected new customers and bookings in the next N months from the open
/// funnel = Σ over stages of (contacts in the stage now × historical probability of reaching customer within the
/// horizon) × average deal size.
/// <list type="bullet">
/// <item>Open funnel: contacts whose current status is inquiry, lead, mql, sal, sql or opportunity (recycled and
/// disqualified contacts are out of the flow until they re-enter it).</item>
/// <item>Historical probability of stage s within m months: of the entries into s in the history window, the share
/// whose contact reached customer (a later transition into customer) within m calendar months of the entry. The
/// window is the <c>lookback</c> months that end N months before now, so every entry in it had the whole horizon
/// to convert and the probability is not biased down by entries too young to have converted.</item>
/// <item>Average deal size: won deals of type new closed in the last <c>lookback</c> months (a contact reaching
/// customer stands for one new customer); without such deals bookings are null.</item>
/// <item>By month: month k holds the customers expected within k months minus those within k − 1.</item>
/// </list>
/// </summary>
public static class Forecast
{
    public static readonly ContactStatus[] OpenStages =
        [ContactStatus.Inquiry, ContactStatus.Lead, ContactStatus.Mql, ContactStatus.Sal, ContactStatus.Sql, ContactStatus.Opportunity];

    public static ForecastReport Compute(IEnumerable<TransitionFact> transitions, IEnumerable<decimal> newDealAmounts, DateTime now, int horizonMonths, int lookbackMonths)
    {
        var historyTo = now.AddMonths(-horizonMonths);
        var historyFrom = historyTo.AddMonths(-lookbackMonths);
        var histories = transitions.Where(t => t.At <= now).GroupBy(t => t.ContactId)
            .Select(g => g.OrderBy(t => t.At).ThenBy(t => t.Id).ToList()).ToList();
        var amounts = newDealAmounts.ToList();
        var averageDeal = ReportMath.Per(amounts.Sum(), amounts.Count);

        var stages = new List<ForecastStage>();
        var byMonth = new double[horizonMonths + 1];
        foreach (var stage in OpenStages)
        {
            var open = histories.Count(h => h[^1].To == stage);
            var entries = histories.SelectMany(h => h.Select((t, i) => (History: h, Index: i)))
                .Where(e => e.History[e.Index].To == stage && e.History[e.Index].At >= historyFrom && e.History[e.Index].At < historyTo).ToList();
            // Per entry, the months it took to reach customer (null: not within the horizon).
            var wonWithin = entries.Select(e =>
            {
                var entry = e.History[e.Index];
                var won = e.History.Skip(e.Index + 1).FirstOrDefault(t => t.To == ContactStatus.Customer);
                if (won is null) return (int?)null;
                for (var m = 1; m <= horizonMonths; m++)
                    if (won.At <= entry.At.AddMonths(m)) return m;
                return null;
            }).ToList();
            double? Probability(int months) => ReportMath.Rate(wonWithin.Count(m => m <= months), entries.Count);
            for (var m = 1; m <= horizonMonths; m++) byMonth[m] += open * (Probability(m) ?? 0);
            stages.Add(new ForecastStage(stage.ToName(), open, entries.Count, Probability(horizonMonths), open * (Probability(horizonMonths) ?? 0)));
        }

        var months = Enumerable.Range(1, horizonMonths).Select(m =>
        {
            var customers = byMonth[m] - byMonth[m - 1];
            return new ForecastMonth(m, customers, Bookings(customers, averageDeal));
        }).ToList();
        var total = byMonth[horizonMonths];
        return new ForecastReport(now, horizonMonths, lookbackMonths, historyFrom, historyTo, ReportMath.Money(averageDeal), total,
            Bookings(total, averageDeal), stages, months);
    }

    private static decimal? Bookings(double customers, decimal? averageDeal) =>
        averageDeal is { } deal ? ReportMath.Money((decimal)customers * deal) : null;

    /// <summary>Reads every transition known now and the new deals won in the lookback, then computes.</summary>
    public static async Task<ForecastReport> LoadAsync(LifecycleDb db, DateTime now, int horizonMonths, int lookbackMonths, CancellationToken cancel = default)
    {
        var transitions = await db.Transitions.AsNoTracking().Where(t => t.At <= now)
            .Select(t => new TransitionFact(t.Id, t.ContactId, t.FromStatus, t.ToStatus, t.At, t.CampaignId)).ToListAsync(cancel);
        var since = now.AddMonths(-lookbackMonths);
        var amounts = await db.Deals.AsNoTracking()
            .Where(d => d.Outcome == DealOutcome.Won && d.Type == DealType.New && d.ClosedAt != null && d.ClosedAt >= since && d.ClosedAt <= now)
            .Select(d => d.Amount).ToListAsync(cancel);
        return Compute(transitions, amounts, now, horizonMonths, lookbackMonths);
    }
}
