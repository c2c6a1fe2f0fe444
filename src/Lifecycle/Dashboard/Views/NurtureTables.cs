using Lifecycle.Dashboard.Tables;
using Lifecycle.Programs;
using Lifecycle.Reports;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Dashboard.Views;

/// <summary>The month's prospect e-mail rates as the catalog has them (nurture.email_open_rate, _click_rate, click_to_open_rate).</summary>
public sealed record EmailRates(double? Open, double? Click, double? ClickToOpen);

public sealed record NurtureModel(DateOnly Month, EmailRates Email, LeadScoreProfile? Profile, DataTable ProgramSteps, DataTable EmailByProgram,
    DataTable ScoreProfile, DataTable ScoreDrivers);

/// <summary>
/// The nurture page: every program's step funnel for the month (nurture.program_steps, from Programs/), the month's
/// prospect e-mail rates overall and per program, the lead-score profile of its new leads and the score drivers (catalog).
/// </summary>
public static class NurtureTables
{
    public const string Page = "nurture";
    private const string EmailPrefix = "nurture.email.";

    public static async Task<NurtureModel> LoadAsync(DashboardData data, IQueryCollection query)
    {
        var month = data.Month(query["month"]);
        var metrics = new[] { "nurture.email_open_rate", "nurture.email_click_rate", "nurture.click_to_open_rate", "nurture.email", "nurture.lead_score_profile", "nurture.score_drivers" }
            .Select(id => MetricCatalog.Find(id)!).ToList();
        var rows = await data.Reports().RowsAsync(data.MonthPeriod(month), metrics, null);
        var values = rows.ToDictionary(r => r.Metric, r => r.Value);
        var perProgram = rows.Where(r => r.Metric.StartsWith(EmailPrefix, StringComparison.Ordinal) && r.Value is EmailProgramReport)
            .Select(r => (Program: r.Metric[EmailPrefix.Length..], Report: (EmailProgramReport)r.Value!)).ToList();
        var profile = values.GetValueOrDefault("nurture.lead_score_profile") as LeadScoreProfile;
        var drivers = values.GetValueOrDefault("nurture.score_drivers") as IReadOnlyDictionary<string, ScoreDriverRow> ?? new Dictionary<string, ScoreDriverRow>();

        var (from, to) = data.Workspace.Month(month.Year, month.Month);
        var programs = await data.Db.Set<StoredProgram>().AsNoTracking().OrderBy(p => p.Id).ToListAsync();
        var stepRows = new List<Cell[]>();
        foreach (var program in programs)
            foreach (var step in await ProgramEndpoints.StepCountsAsync(data.Db, program, from, to, default))
                stepRows.Add([new(program.Name, ProgramsTables.Href(program.Id)), new(step.StepId), new(step.Type), new(step.Entered), new(step.Completed),
                    new(step.Goal), new(step.Dropped), new(step.Stalled)]);
        var names = programs.ToDictionary(p => p.Id, p => p.Name);

        return new NurtureModel(month,
            new EmailRates(values.GetValueOrDefault("nurture.email_open_rate") as double?, values.GetValueOrDefault("nurture.email_click_rate") as double?,
                values.GetValueOrDefault("nurture.click_to_open_rate") as double?),
            profile,
            new DataTable("program_steps", "Program steps",
                [new("program", "Program"), new("step", "Step"), new("type", "Type", ColumnKind.Label), new("entered", "Entered", ColumnKind.Count),
                 new("completed", "Completed", ColumnKind.Count), new("goal", "Goal reached", ColumnKind.Count), new("dropped", "Dropped", ColumnKind.Count),
                 new("stalled", "Stalled", ColumnKind.Count)], stepRows),
            new DataTable("email_by_program", "E-mail by program",
                [new("program", "Program"), new("sent", "Sent", ColumnKind.Count), new("delivered", "Delivered", ColumnKind.Count),
                 new("open_rate", "Open rate", ColumnKind.Rate), new("click_rate", "Click rate", ColumnKind.Rate), new("click_to_open_rate", "Click-to-open rate", ColumnKind.Rate)],
                perProgram.Select(p => new Cell[] { new(names.GetValueOrDefault(p.Program, p.Program), names.ContainsKey(p.Program) ? ProgramsTables.Href(p.Program) : null),
                    new(p.Report.Sent), new(p.Report.Delivered), new(p.Report.OpenRate), new(p.Report.ClickRate), new(p.Report.ClickToOpenRate) }).ToList()),
            new DataTable("lead_score_profile", "Lead scores of the month's new leads",
                [new("band", "Score"), new("leads", "New leads", ColumnKind.Count)],
                profile is null ? [] : profile.Histogram.Select(b => new Cell[] { new(b.Key), new(b.Value) }).ToList()),
            new DataTable("score_drivers", "Score drivers",
                [new("rule", "Rule"), new("kind", "Kind", ColumnKind.Label), new("points", "Points", ColumnKind.Count), new("contacts_with", "Contacts scored", ColumnKind.Count),
                 new("mql_rate_with", "MQL rate, scored", ColumnKind.Rate), new("contacts_without", "Other scored contacts", ColumnKind.Count),
                 new("mql_rate_without", "MQL rate, others", ColumnKind.Rate)],
                drivers.Select(d => new Cell[] { new(d.Key), new(Storage.SnakeCase.Of(d.Value.Kind.ToString())), new(d.Value.Points), new(d.Value.ContactsWith),
                    new(d.Value.MqlRateWith), new(d.Value.ContactsWithout), new(d.Value.MqlRateWithout) }).ToList()));
    }

    public static async Task<IReadOnlyList<DataTable>> TablesAsync(DashboardData data, IQueryCollection query)
    {
        var m = await LoadAsync(data, query);
        return [m.ProgramSteps, m.EmailByProgram, m.ScoreProfile, m.ScoreDrivers];
    }
}
