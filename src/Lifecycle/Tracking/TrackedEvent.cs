using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tracking;

/// <summary>
/// One Segment-shaped message, stored once by its messageId. <see cref="Payload"/> keeps the message as
/// received (normalised JSON) so export is lossless; the other columns are what queries filter on.
/// </summary>
public sealed class TrackedEvent
{
    public required string MessageId { get; set; }
    public required string Type { get; set; }
    public string? Name { get; set; }
    public string? ContactId { get; set; }
    public string? UserId { get; set; }
    public string? AnonymousId { get; set; }
    public string? GroupId { get; set; }
    public DateTime Timestamp { get; set; }
    public DateTime ReceivedAt { get; set; }
    public TimestampFlag Flag { get; set; }
    public required string Payload { get; set; }
}

/// <summary>The order workers read new events in: received_at, then message_id.</summary>
public static class EventArrivals
{
    /// <summary>
    /// The events after a worker's cursor and received by <paramref name="upTo"/>, in that order. A row-value
    /// comparison, which both engines turn into a range of the (received_at, message_id) index; the same condition
    /// written with OR is a filter over every older event.
    /// </summary>
    public static IQueryable<TrackedEvent> After(LifecycleDb db, DateTime receivedAt, string messageId, DateTime upTo) =>
        db.Events.FromSql($"SELECT * FROM events WHERE (received_at, message_id) > ({receivedAt}, {messageId}) AND received_at <= {upTo}")
            .AsNoTracking().OrderBy(e => e.ReceivedAt).ThenBy(e => e.MessageId);
}
