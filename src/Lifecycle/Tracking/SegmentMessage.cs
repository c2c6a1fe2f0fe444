using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Lifecycle.Tracking;

/// <summary>A message of the Segment HTTP Tracking API, checked and with its timestamp settled.</summary>
public sealed record SegmentMessage(
    string Type,
    string MessageId,
    string? Name,
    string? UserId,
    string? AnonymousId,
    string? GroupId,
    string? PreviousId,
    DateTime Timestamp,
    TimestampFlag Flag,
    /// <summary>The message as stored: as received, plus the settled <c>timestamp</c>, <c>receivedAt</c>,
    /// and <c>type</c>/<c>messageId</c> where the route or the server supplied them.</summary>
    string Payload);

/// <summary>Events far in the future or absurdly old are kept but flagged, so reports can leave them out.</summary>
public enum TimestampFlag { None, Future, TooOld }

public sealed record MessageError(string Field, string Reason);

/// <summary>
/// Reads one Segment message (identify, track, page, screen, group, alias). Pure: the caller gives the receive
/// instant and a message id for messages that lack one. Follows Segment's rules:
/// - a message needs userId or anonymousId (alias: userId and previousId); track needs event; group needs groupId;
/// - ids may arrive as numbers and are kept as their text;
/// - timestamp: an explicit <c>timestamp</c> is used as given; otherwise <c>originalTimestamp</c> corrected for
///   the client's clock skew, receivedAt − (sentAt − originalTimestamp); otherwise receivedAt.
/// </summary>
public static class SegmentMessages
{
    public const int MaxMessageBytes = 32 * 1024;
    public const int MaxBatchBytes = 500 * 1024;
    public const int MaxBatchMessages = 2500;
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromDays(1);
    public static readonly TimeSpan OldestAccepted = TimeSpan.FromDays(5 * 366);

    public static readonly string[] Types = ["identify", "track", "page", "screen", "group", "alias"];

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="routeType">The type the endpoint implies (/v1/track → track); null for batch items.</param>
    /// <param name="batchSentAt">The batch's sentAt, used when the message has none.</param>
    public static (SegmentMessage? Message, List<MessageError> Errors) Read(
        JsonElement message, string? routeType, DateTime receivedAt, DateTime? batchSentAt, Func<string> newMessageId)
    {
        var errors = new List<MessageError>();
        if (message.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("message", "must be a JSON object"));
            return (null, errors);
        }

        var type = Text(message, "type", errors) ?? routeType;
        if (type is null) errors.Add(new("type", "required"));
        else if (!Types.Contains(type)) errors.Add(new("type", $"'{type}' is not one of {string.Join(", ", Types)}"));
        else if (routeType is not null && type != routeType) errors.Add(new("type", $"'{type}' sent to the {routeType} endpoint"));

        var userId = Text(message, "userId", errors);
        var anonymousId = Text(message, "anonymousId", errors);
        var messageId = Text(message, "messageId", errors);
        var groupId = Text(message, "groupId", errors);
        var previousId = Text(message, "previousId", errors);
        var eventName = Text(message, "event", errors);
        foreach (var objectField in new[] { "properties", "traits", "context", "integrations" })
            if (message.TryGetProperty(objectField, out var value) && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                errors.Add(new(objectField, "must be an object"));

        if (type == "alias")
        {
            if (userId is null) errors.Add(new("userId", "required for alias"));
            if (previousId is null) errors.Add(new("previousId", "required for alias"));
        }
        else if (userId is null && anonymousId is null)
        {
            errors.Add(new("userId", "userId or anonymousId is required"));
        }
        if (type == "track" && string.IsNullOrWhiteSpace(eventName)) errors.Add(new("event", "required for track"));
        if (type == "group" && groupId is null) errors.Add(new("groupId", "required for group"));
        if (messageId is { Length: > 200 }) errors.Add(new("messageId", "longer than 200 characters"));

        var explicitTimestamp = Instant(message, "timestamp", errors);
        var originalTimestamp = Instant(message, "originalTimestamp", errors);
        var sentAt = Instant(message, "sentAt", errors) ?? batchSentAt;
        if (errors.Count > 0) return (null, errors);

        var timestamp = explicitTimestamp
            ?? (originalTimestamp is { } original ? sentAt is { } sent ? receivedAt - (sent - original) : original : receivedAt);
        var flag = timestamp > receivedAt + FutureTolerance ? TimestampFlag.Future
            : timestamp < receivedAt - OldestAccepted ? TimestampFlag.TooOld
            : TimestampFlag.None;
        var id = messageId ?? newMessageId();
        var name = type switch { "track" => eventName, "page" => "Page Viewed", "screen" => "Screen Viewed", _ => null };
        var payload = Payload(message, type!, id, timestamp, receivedAt);
        return (new SegmentMessage(type!, id, name, userId, anonymousId, groupId, previousId, timestamp, flag, payload), errors);
    }

    /// <summary>The stored form: the message's own fields, with type, messageId, timestamp and receivedAt settled.</summary>
    private static string Payload(JsonElement message, string type, string messageId, DateTime timestamp, DateTime receivedAt)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("messageId", messageId);
            writer.WriteString("timestamp", Format(timestamp));
            writer.WriteString("receivedAt", Format(receivedAt));
            foreach (var property in message.EnumerateObject())
            {
                if (property.Name is "type" or "messageId" or "timestamp" or "receivedAt" or "writeKey") continue;
                // The value's bytes were validated by the parser: copy them instead of serializing the tree again.
                writer.WritePropertyName(property.Name);
                writer.WriteRawValue(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(property.Value), skipInputValidation: true);
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Format(DateTime utc) =>
        utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string? Text(JsonElement message, string field, List<MessageError> errors)
    {
        if (!message.TryGetProperty(field, out var value)) return null;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null: return null;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (text.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || text.AsSpan().ContainsAnyInRange('\u007f', '\u009f'))
                {
                    // Ids and names are keys and labels: a control character (NUL above all) is a client bug.
                    errors.Add(new(field, "must not contain control characters"));
                    return null;
                }
                return text.Length == 0 ? null : text;
            case JsonValueKind.Number: return value.GetRawText();
            default:
                errors.Add(new(field, "must be a string"));
                return null;
        }
    }

    private static DateTime? Instant(JsonElement message, string field, List<MessageError> errors)
    {
        if (!message.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var instant))
            return instant.UtcDateTime;
        errors.Add(new(field, "must be an ISO 8601 date-time"));
        return null;
    }
}
