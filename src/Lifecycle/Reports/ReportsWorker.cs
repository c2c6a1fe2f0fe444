using Lifecycle.Email;
using Lifecycle.Pipeline.Webhooks;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Database = Lifecycle.Storage.Database;

namespace Lifecycle.Reports;

/// <summary>
/// The reports' scheduled work, each check idempotent so any number of processes and restarts are safe:
/// early warnings (a targeted metric of the current month that goes off track is announced once: a
/// <c>report.metric_at_risk</c> webhook and an e-mail to WarningRecipients), and the monthly report (the
/// previous month's, sent once to MonthlyRecipients from the 1st of the month on, in the workspace zone).
/// </summary>
public sealed class ReportsWorker(Database database, TimeProvider clock, ChannelMapping channels, ReportSettings settings,
    ReportOptions options, EmailOutbox outbox, ILogger<ReportsWorker> log) : BackgroundService
{
    public const string WarningEvent = "report.metric_at_risk";
    private const int MaxEmailAttempts = 5;

    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        var options = ReportOptions.From(configuration);
        if (!options.Worker) return;
        services.AddHostedService<ReportProjectionsWorker>();
        services.AddHostedService<Lifecycle.Attribution.AttributionSnapshotWorker>();
        services.AddHostedService(sp => new ReportsWorker(sp.GetRequiredService<Database>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ChannelMapping>(), LifecycleReports.SettingsFrom(configuration), options,
            sp.GetRequiredService<EmailOutbox>(), sp.GetRequiredService<ILogger<ReportsWorker>>()));
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await CheckTargetsAsync(stopping);
                await SendMonthlyReportAsync(stopping);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                log.LogError(e, "a reports check failed; it runs again at the next interval");
            }
            try { await Task.Delay(options.CheckInterval, clock, stopping); }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>Evaluates the current month's targets; records and announces each metric newly off track.</summary>
    /// <returns>The warnings recorded by this check.</returns>
    public async Task<List<TargetWarning>> CheckTargetsAsync(CancellationToken cancel = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var month = TargetReports.MonthOf(now, settings.Zone);
        await using var db = database.Open();
        var report = await new TargetReports(db, clock, channels, settings).ForMonthAsync(month, cancel);
        var warned = await db.Set<TargetWarning>().AsNoTracking().Where(w => w.Month == month).Select(w => w.MetricId).ToListAsync(cancel);
        var added = new List<TargetWarning>();
        foreach (var row in report.Metrics.Where(r => r.Status is PacingStatus.AtRisk or PacingStatus.Behind && !warned.Contains(r.Metric)))
        {
            var warning = new TargetWarning
            {
                MetricId = row.Metric, Month = month, Status = row.Status!.Value, Actual = Decimal(row.Actual), Projection = Decimal(row.Projection),
                Target = (decimal)row.Target, WarnedAt = now,
            };
            db.Add(warning);
            await WebhookOutbox.EnqueueAsync(db, WarningEvent, row, now, cancel);
            added.Add(warning);
        }
        if (added.Count > 0)
        {
            try
            {
                await db.SaveChangesAsync(cancel);
            }
            catch (DbUpdateException)
            {
                // Another process recorded the same warnings first (the key is metric and month): it announces them.
                return [];
            }
        }
        await EmailWarningsAsync(db, month, cancel);
        return added;
    }

    /// <summary>Queues e-mail for the month's warnings that no e-mail carried yet; one that could not be queued (e-mail
    /// not configured) is tried again on later checks.</summary>
    private async Task EmailWarningsAsync(LifecycleDb db, DateOnly month, CancellationToken cancel)
    {
        if (options.WarningRecipients.Count == 0) return;
        var pending = await db.Set<TargetWarning>().Where(w => w.Month == month && w.EmailedAt == null && w.EmailAttempts < MaxEmailAttempts)
            .ToListAsync(cancel);
        foreach (var warning in pending.OrderBy(w => w.MetricId, StringComparer.Ordinal))
        {
            var (subject, html, text) = MonthlyReportMail.Warning(warning, settings.Zone.Id);
            var kind = $"target-warning.{warning.MetricId}.{TargetReports.Month(month)}";
            warning.EmailAttempts++;
            (var queued, warning.EmailAnswer) = await QueueAsync(db, kind, options.WarningRecipients, subject, html, text, cancel);
            if (queued) warning.EmailedAt = clock.GetUtcNow().UtcDateTime;
        }
        await db.SaveChangesAsync(cancel);
        outbox.Wake();
    }

    /// <summary>
    /// From the 1st of a month on, builds the previous month's report and queues it to MonthlyRecipients, once: the
    /// month's marker row commits with the queued messages (a racing process's insert fails and queues nothing).
    /// </summary>
    /// <returns>Whether a report was queued by this call.</returns>
    public async Task<bool> SendMonthlyReportAsync(CancellationToken cancel = default)
    {
        if (options.MonthlyRecipients.Count == 0) return false;
        var now = clock.GetUtcNow().UtcDateTime;
        var month = TargetReports.MonthOf(now, settings.Zone).AddMonths(-1);
        await using var db = database.Open();
        if (await db.Set<MonthlyReportRun>().AnyAsync(r => r.Month == month, cancel)) return false;
        var content = await BuildMonthlyAsync(db, month, cancel);
        var (queued, answer) = await QueueAsync(db, $"monthly-report.{TargetReports.Month(month)}", options.MonthlyRecipients,
            content.Subject, content.Html, content.Text, cancel, content.Images);
        if (!queued)
        {
            log.LogWarning("the monthly report of {Month} was not queued: {Answer}", TargetReports.Month(month), answer);
            return false;
        }
        db.Add(new MonthlyReportRun { Month = month, StartedAt = now, Attempts = 1, SentAt = now, Answer = answer });
        try { await db.SaveChangesAsync(cancel); }
        catch (DbUpdateException) { return false; } // another process queued this month's report
        outbox.Wake();
        return true;
    }

    /// <summary>Stages one message per recipient; a suppressed recipient is skipped, an unconfigured server queues nothing.</summary>
    /// <returns>Whether any was queued, and what happened to each recipient (the stored answer).</returns>
    private async Task<(bool Queued, string Answer)> QueueAsync(LifecycleDb db, string kind, IReadOnlyList<string> to, string subject, string html,
        string text, CancellationToken cancel, List<InlineImage>? images = null)
    {
        var answers = new List<string>();
        var staged = new List<EmailMessage>();
        foreach (var address in to)
        {
            switch (await outbox.StageMailAsync(db, kind, address, "", subject, html, text, cancel, images))
            {
                case EmailOutbox.Queued queued:
                    staged.Add(queued.Message);
                    answers.Add($"{address}: queued {queued.Message.Id}");
                    break;
                case EmailOutbox.Refused { NotConfigured: true } refused:
                    foreach (var message in staged) db.Remove(message);
                    return (false, refused.Reason);
                case EmailOutbox.Refused refused:
                    answers.Add($"{address}: {refused.Reason}");
                    break;
            }
        }
        var answer = string.Join("; ", answers);
        return (staged.Count > 0, answer.Length > 1000 ? answer[..1000] : answer);
    }

    private async Task<MonthlyReportContent> BuildMonthlyAsync(LifecycleDb db, DateOnly month, CancellationToken cancel)
    {
        var reports = new LifecycleReports(db, clock, channels, settings);
        var current = await reports.LifecycleAsync(new ReportPeriod(month, month.AddMonths(1), settings.Zone), cancel);
        var previous = await reports.LifecycleAsync(new ReportPeriod(month.AddMonths(-1), month, settings.Zone), cancel);
        var targets = await new TargetReports(db, clock, channels, settings).ForMonthAsync(month, cancel);
        // The trend's 12 months in one load of the facts.
        var trend = await reports.RowsAsync(new ReportPeriod(month.AddMonths(-11), month.AddMonths(1), settings.Zone),
            MonthlyReportMail.TrendMetrics.Select(t => MetricCatalog.Find(t.Metric)!).ToList(), null, cancel);
        return MonthlyReportMail.Build(month, settings.Zone.Id, current, previous, targets, trend);
    }

    private static decimal? Decimal(double? value) => value is { } v ? Math.Round((decimal)v, 4) : null;
}
