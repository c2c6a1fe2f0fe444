using Microsoft.Extensions.Configuration;

namespace Lifecycle.Reports;

/// <summary>
/// Lifecycle:Reports settings: the team's addresses that get warnings (WarningRecipients) and the monthly report
/// (MonthlyRecipients), each a comma-separated list or an array; whether this process runs the reports worker
/// (Worker, default true) and how often it checks (CheckInterval, default 1 hour).
/// </summary>
public sealed record ReportOptions(IReadOnlyList<string> WarningRecipients, IReadOnlyList<string> MonthlyRecipients, bool Worker, TimeSpan CheckInterval)
{
    public static ReportOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Lifecycle:Reports");
        IReadOnlyList<string> List(string name) =>
            (section[name] is { Length: > 0 } text ? text.Split(',') : section.GetSection(name).Get<string[]>() ?? [])
            .Select(a => a.Trim()).Where(a => a.Length > 0).ToList();
        return new ReportOptions(List("WarningRecipients"), List("MonthlyRecipients"),
            !bool.TryParse(section["Worker"], out var worker) || worker,
            TimeSpan.TryParse(section["CheckInterval"], System.Globalization.CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero
                ? interval : TimeSpan.FromHours(1));
    }
}
