using System.Text.Json;

namespace Lifecycle.Email;

public enum EspEventKind { Delivered, Bounce, Complaint, Unsubscribe }

/// <summary>One recipient's event as an ESP reported it. <see cref="MessageIdHeader"/> is the Message-ID we sent.</summary>
public sealed record EspEvent(EspEventKind Kind, string Email, bool Permanent, string? Reason, string? MessageIdHeader);

/// <summary>
/// Reads the webhook payloads of SendGrid (an array of events), Mailgun (one <c>event-data</c>) and Amazon SES
/// (a notification, raw or inside its SNS envelope). Pure; events we do not act on are left out.
/// </summary>
public static class EspWebhooks
{
    public static readonly string[] Providers = ["sendgrid", "mailgun", "ses"];

    /// <exception cref="FormatException">The payload is not the provider's shape.</exception>
    public static List<EspEvent> Read(string provider, JsonElement body) => provider switch
    {
        "sendgrid" => SendGrid(body),
        "mailgun" => Mailgun(body),
        "ses" => Ses(body),
        _ => throw new FormatException($"unknown provider '{provider}' (one of {string.Join(", ", Providers)})"),
    };

    private static List<EspEvent> SendGrid(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Array) throw new FormatException("SendGrid posts a JSON array of events");
        var events = new List<EspEvent>();
        foreach (var item in body.EnumerateArray())
        {
            var email = Text(item, "email");
            if (email is null) continue;
            var reason = Text(item, "reason") ?? Text(item, "status");
            var messageId = Text(item, "smtp-id");
            EspEvent? read = Text(item, "event") switch
            {
                "delivered" => new(EspEventKind.Delivered, email, true, Text(item, "response"), messageId),
                // "blocked" is SendGrid's soft bounce; "bounce" is permanent.
                "bounce" => new(EspEventKind.Bounce, email, Text(item, "type") != "blocked", reason, messageId),
                "spamreport" => new(EspEventKind.Complaint, email, true, reason, messageId),
                "unsubscribe" or "group_unsubscribe" => new(EspEventKind.Unsubscribe, email, true, reason, messageId),
                _ => null,
            };
            if (read is not null) events.Add(read);
        }
        return events;
    }

    private static List<EspEvent> Mailgun(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("event-data", out var data) || data.ValueKind != JsonValueKind.Object)
            throw new FormatException("Mailgun posts an object with event-data");
        var email = Text(data, "recipient");
        if (email is null) return [];
        var messageId = data.TryGetProperty("message", out var message) && message.TryGetProperty("headers", out var headers)
            ? Text(headers, "message-id") : null;
        var status = data.TryGetProperty("delivery-status", out var delivery) ? delivery : default;
        var reason = (status.ValueKind == JsonValueKind.Object ? Text(status, "description") is { Length: > 0 } d ? d : Text(status, "message") : null)
                     ?? Text(data, "reason");
        EspEvent? read = Text(data, "event") switch
        {
            "delivered" => new(EspEventKind.Delivered, email, true, reason, messageId),
            "failed" => new(EspEventKind.Bounce, email, Text(data, "severity") == "permanent", reason, messageId),
            "complained" => new(EspEventKind.Complaint, email, true, reason, messageId),
            "unsubscribed" => new(EspEventKind.Unsubscribe, email, true, reason, messageId),
            _ => null,
        };
        return read is null ? [] : [read];
    }

    private static List<EspEvent> Ses(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new FormatException("SES posts a JSON object");
        // Through SNS the notification is a JSON string in Message; with raw delivery it is the body itself.
        if (Text(body, "Type") is not null)
        {
            if (Text(body, "Type") != "Notification" || Text(body, "Message") is not { } inner) return [];
            using var document = JsonDocument.Parse(inner);
            return Ses(document.RootElement.Clone());
        }
        var type = Text(body, "notificationType") ?? Text(body, "eventType");
        string? messageId = null;
        if (body.TryGetProperty("mail", out var mail))
        {
            if (mail.TryGetProperty("commonHeaders", out var common)) messageId = Text(common, "messageId");
            if (messageId is null && mail.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Array)
                messageId = headers.EnumerateArray().Where(h => string.Equals(Text(h, "name"), "Message-ID", StringComparison.OrdinalIgnoreCase))
                    .Select(h => Text(h, "value")).FirstOrDefault();
        }
        switch (type)
        {
            case "Bounce" when body.TryGetProperty("bounce", out var bounce):
                var permanent = Text(bounce, "bounceType") == "Permanent";
                return Recipients(bounce, "bouncedRecipients")
                    .Select(r => new EspEvent(EspEventKind.Bounce, Text(r, "emailAddress")!, permanent, Text(r, "diagnosticCode") ?? Text(bounce, "bounceSubType"), messageId))
                    .ToList();
            case "Complaint" when body.TryGetProperty("complaint", out var complaint):
                return Recipients(complaint, "complainedRecipients")
                    .Select(r => new EspEvent(EspEventKind.Complaint, Text(r, "emailAddress")!, true, Text(complaint, "complaintFeedbackType"), messageId))
                    .ToList();
            case "Delivery" when body.TryGetProperty("delivery", out var delivered) && delivered.TryGetProperty("recipients", out var recipients):
                return recipients.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String)
                    .Select(r => new EspEvent(EspEventKind.Delivered, r.GetString()!, true, Text(delivered, "smtpResponse"), messageId)).ToList();
            default:
                return [];
        }
    }

    private static IEnumerable<JsonElement> Recipients(JsonElement parent, string field) =>
        parent.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(r => Text(r, "emailAddress") is not null)
            : [];

    private static string? Text(JsonElement element, string field) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() : null;
}
