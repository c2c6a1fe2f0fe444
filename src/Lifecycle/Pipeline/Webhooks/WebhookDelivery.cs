using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Pipeline.Webhooks;

/// <summary>Webhook settings (<c>Lifecycle:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>The admin's switch that lets webhooks reach loopback and private networks (an on-premises CRM, tests).</summary>
    public bool AllowPrivateTargets { get; set; }
    public double RetryBaseSeconds { get; set; } = 30;
    public int MaxAttempts { get; set; } = 8;
    public double TimeoutSeconds { get; set; } = 10;

    public static WebhookOptions From(IConfiguration configuration) =>
        configuration.GetSection("Lifecycle:Webhooks").Get<WebhookOptions>() ?? new WebhookOptions();

    /// <summary>Exponential backoff: the base, doubled after each failed attempt (30 s, 1 min, 2 min, … by default).</summary>
    public TimeSpan RetryDelay(int failedAttempts) => TimeSpan.FromSeconds(RetryBaseSeconds * Math.Pow(2, failedAttempts - 1));
}

/// <summary>
/// Sends due outbox messages: claims each one (a conditional update, so several server processes never send the
/// same attempt twice), POSTs the signed JSON body, logs the attempt, and schedules a retry with exponential
/// backoff on an error or a non-2xx answer until MaxAttempts. Redirects are not followed.
/// </summary>
public sealed class WebhookDelivery : IDisposable
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly Database _database;
    private readonly TimeProvider _clock;
    private readonly WebhookOptions _options;
    private readonly ILogger<WebhookDelivery> _log;
    private readonly HttpClient _http;

    public WebhookDelivery(Database database, TimeProvider clock, WebhookOptions options, ILogger<WebhookDelivery> log)
    {
        (_database, _clock, _options, _log) = (database, clock, options, log);
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = TargetGuard.ConnectCallback(options.AllowPrivateTargets),
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseProxy = false,
        })
        { Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds) };
    }

    /// <returns>How many attempts were made.</returns>
    public async Task<int> DeliverDueAsync(CancellationToken cancel)
    {
        await using var db = _database.Open();
        var now = _clock.GetUtcNow().UtcDateTime;
        var due = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.NextAttemptAt != null && m.NextAttemptAt <= now)
            .OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id).Take(50).ToListAsync(cancel);
        var attempts = 0;
        foreach (var message in due)
        {
            var claimed = await db.Set<OutboxMessage>()
                .Where(m => m.Id == message.Id && m.Attempts == message.Attempts && m.NextAttemptAt != null)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.Attempts, message.Attempts + 1).SetProperty(m => m.NextAttemptAt, now + Lease), cancel);
            if (claimed == 0) continue;
            await AttemptAsync(db, message, message.Attempts + 1, cancel);
            attempts++;
        }
        return attempts;
    }

    private async Task AttemptAsync(LifecycleDb db, OutboxMessage message, int attempt, CancellationToken cancel)
    {
        var hook = await db.Set<Webhook>().AsNoTracking().FirstOrDefaultAsync(w => w.Id == message.WebhookId, cancel);
        var sentAt = _clock.GetUtcNow();
        int? status = null;
        string? error = null;
        var watch = Stopwatch.StartNew();
        if (hook is null || !hook.Active)
        {
            error = "the webhook was deleted or deactivated";
        }
        else
        {
            try
            {
                var body = Encoding.UTF8.GetBytes(message.Payload);
                using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(hook.Secret, body, sentAt));
                request.Headers.Add("X-Lifecycle-Event", message.EventType);
                request.Headers.Add("X-Lifecycle-Delivery", message.EventId);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
                status = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode) error = $"answered {status}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !cancel.IsCancellationRequested)
            {
                error = (e.InnerException as WebhookTargetRefusedException)?.Message ?? e.Message;
            }
        }
        watch.Stop();

        var now = _clock.GetUtcNow().UtcDateTime;
        var delivered = error is null;
        var giveUp = !delivered && (hook is null || !hook.Active || attempt >= _options.MaxAttempts);
        DateTime? next = delivered || giveUp ? null : now + _options.RetryDelay(attempt);
        db.Set<DeliveryAttempt>().Add(new DeliveryAttempt
        {
            WebhookId = message.WebhookId, OutboxId = message.Id, EventId = message.EventId, EventType = message.EventType, Attempt = attempt,
            At = sentAt.UtcDateTime, StatusCode = status, Error = error is { Length: > 1000 } ? error[..1000] : error, DurationMs = (int)watch.ElapsedMilliseconds,
            NextAttemptAt = next,
        });
        await db.SaveChangesAsync(cancel);
        await db.Set<OutboxMessage>().Where(m => m.Id == message.Id).ExecuteUpdateAsync(u => u
            .SetProperty(m => m.NextAttemptAt, next)
            .SetProperty(m => m.DeliveredAt, delivered ? now : null)
            .SetProperty(m => m.GaveUpAt, giveUp ? now : null), cancel);
        if (!delivered) _log.LogInformation("Webhook {Webhook} event {Event} attempt {Attempt}: {Error}", message.WebhookId, message.EventId, attempt, error);
    }

    public void Dispose() => _http.Dispose();
}
