using System.Text.Json;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Pipeline.Webhooks;

/// <summary>
/// Puts an event in the outbox of every active webhook subscribed to its type. Only adds rows to the unit of
/// work: the caller's SaveChanges commits them with the change itself, so an event is sent if and only if the
/// change happened.
/// </summary>
public static class WebhookOutbox
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    public static async Task EnqueueAsync(LifecycleDb db, string eventType, object data, DateTime at, CancellationToken cancel = default)
    {
        var hooks = await db.Set<Webhook>().AsNoTracking().Where(w => w.Active).ToListAsync(cancel);
        var subscribed = hooks.Where(w => w.Events.Contains(eventType)).ToList();
        if (subscribed.Count == 0) return;
        var eventId = "evt_" + Guid.NewGuid().ToString("N");
        var payload = JsonSerializer.Serialize(new { id = eventId, type = eventType, created_at = at, data }, Json);
        foreach (var hook in subscribed)
        {
            db.Set<OutboxMessage>().Add(new OutboxMessage
            {
                WebhookId = hook.Id, EventId = eventId, EventType = eventType, Payload = payload, CreatedAt = at, NextAttemptAt = at,
            });
        }
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        Server.LifecycleServer.ConfigureJson(options);
        return options;
    }
}
