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
