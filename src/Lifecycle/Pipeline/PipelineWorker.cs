using Lifecycle.Contacts;
using Lifecycle.Pipeline.Webhooks;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Pipeline;

/// <summary>
/// The pipeline's background work, polled (every <c>Lifecycle:Pipeline:PollMilliseconds</c>, default 1000):
/// SLA breaches become <c>sla.breached</c> events and e-mails to their owners, accounts whose subscriptions ended or started since the last
/// save get their customer/churned status (and their contacts'), and due webhook events are delivered.
/// </summary>
public sealed class PipelineWorker(Database database, TimeProvider clock, WebhookDelivery delivery, Email.EmailOutbox outbox, IConfiguration configuration,
    ILogger<PipelineWorker> log)
    : BackgroundService
{
    public static void AddPipeline(IServiceCollection services)
    {
        services.AddSingleton(sp => WebhookOptions.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<WebhookDelivery>();
        services.AddHostedService<PipelineWorker>();
    }

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var poll = TimeSpan.FromMilliseconds(configuration.GetValue("Lifecycle:Pipeline:PollMilliseconds", 1000));
        // The subscription sweep scans accounts, so it runs once a minute rather than on every poll.
        var sweepEvery = TimeSpan.FromSeconds(configuration.GetValue("Lifecycle:Pipeline:SweepSeconds", 60));
        var lastSweep = long.MinValue / 2;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var now = clock.GetUtcNow().UtcDateTime;
                await SalesQueue.NotifyBreachesAsync(database, outbox, now, stop);
                if (Environment.TickCount64 - lastSweep >= sweepEvery.TotalMilliseconds)
                {
                    await SweepSubscriptionsAsync(now, stop);
                    lastSweep = Environment.TickCount64;
                }
                await delivery.DeliverDueAsync(stop);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                log.LogError(e, "Pipeline work failed; retrying after the poll interval");
            }
            try { await Task.Delay(poll, stop); } catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Accounts whose status no longer matches their subscriptions today (one ended or began since it was set).</summary>
    private async Task SweepSubscriptionsAsync(DateTime now, CancellationToken cancel)
    {
        await using var db = database.Open();
        var today = DateOnly.FromDateTime(now);
        var active = db.Subscriptions.Where(s => s.StartsOn <= today && (s.EndsOn == null || today < s.EndsOn)).Select(s => s.AccountId);
        var stale = await db.Accounts
            .Where(a => (a.Status == AccountStatus.Customer && db.Subscriptions.Any(s => s.AccountId == a.Id) && !active.Contains(a.Id))
                     || (a.Status != AccountStatus.Customer && active.Contains(a.Id)))
            .Select(a => a.Id).Take(500).ToListAsync(cancel);
        foreach (var accountId in stale)
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancel);
            await DealChanges.RefreshAccountAsync(db, accountId, now, "rule:subscriptions");
            await tx.CommitAsync(cancel);
        }
    }
}
