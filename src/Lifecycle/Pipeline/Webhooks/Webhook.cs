using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Pipeline.Webhooks;

/// <summary>An outbound webhook: a URL subscribed to event types, signing each body with its secret.</summary>
public sealed class Webhook
{
    public static readonly string[] EventTypes =
    [
        "contact.status_changed", "deal.created", "deal.updated", "deal.won", "deal.lost", "nps.responded", "sla.breached", "report.metric_at_risk",
    ];

    public long Id { get; set; }
    public required string Url { get; set; }
    public required string Secret { get; set; }
    public List<string> Events { get; set; } = [];
    public bool Active { get; set; } = true;
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// One event for one webhook, written in the same transaction as the change it reports (the outbox), and
/// delivered later by <see cref="WebhookDelivery"/>. NextAttemptAt is null once delivered or given up.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public long WebhookId { get; set; }
    public required string EventId { get; set; }
    public required string EventType { get; set; }
    public required string Payload { get; set; }
    public DateTime CreatedAt { get; set; }
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public DateTime? GaveUpAt { get; set; }
}

/// <summary>One delivery attempt: the answer's status code, or the error, and how long it took.</summary>
public sealed class DeliveryAttempt
{
    public long Id { get; set; }
    public long WebhookId { get; set; }
    public long OutboxId { get; set; }
    public required string EventId { get; set; }
    public required string EventType { get; set; }
    public int Attempt { get; set; }
    public DateTime At { get; set; }
    public int? StatusCode { get; set; }
    public string? Error { get; set; }
    public int DurationMs { get; set; }
    public DateTime? NextAttemptAt { get; set; }
}

internal sealed class WebhookConfiguration : IEntityTypeConfiguration<Webhook>, IEntityTypeConfiguration<OutboxMessage>, IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<Webhook> webhook)
    {
        webhook.ToTable("webhooks");
        webhook.Property(w => w.Url).HasMaxLength(2000);
        webhook.Property(w => w.Secret).HasMaxLength(200);
        webhook.Property(w => w.Events).HasConversion(
            v => string.Join(",", v),
            v => v.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList(),
            new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, e) => HashCode.Combine(h, e)), v => v.ToList()));
    }

    public void Configure(EntityTypeBuilder<OutboxMessage> message)
    {
        message.ToTable("webhook_outbox");
        message.Property(m => m.EventId).HasMaxLength(40);
        message.Property(m => m.EventType).HasMaxLength(40);
        message.HasIndex(m => m.NextAttemptAt);
    }

    public void Configure(EntityTypeBuilder<DeliveryAttempt> attempt)
    {
        attempt.ToTable("webhook_deliveries");
        attempt.Property(a => a.EventId).HasMaxLength(40);
        attempt.Property(a => a.EventType).HasMaxLength(40);
        attempt.Property(a => a.Error).HasMaxLength(1000);
        attempt.HasIndex(a => new { a.WebhookId, a.Id });
    }
}
