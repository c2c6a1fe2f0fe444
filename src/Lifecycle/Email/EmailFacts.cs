using System.Text.Json;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Lifecycle.Email;

/// <summary>
/// What happens to a message becomes a tracked event (so scoring, segments and reports see it), written through
/// Tracking's <see cref="EventStore"/>; and what must stop mail to an address becomes a suppression.
/// Event ids are derived from the message (one Email Opened per message, one Email Clicked per link), so a
/// repeated open or a retried webhook does not count twice.
/// </summary>
public static class EmailFacts
{
    public const string Sent = "Email Sent";
    public const string Delivered = "Email Delivered";
    public const string Opened = "Email Opened";
    public const string Clicked = "Email Clicked";
    public const string Bounced = "Email Bounced";
    public const string Unsubscribed = "Email Unsubscribed";
    public const string Complained = "Email Complained";

    public static EventRow Event(string name, EmailMessage message, DateTime at, string? key = null,
        IReadOnlyDictionary<string, string?>? extra = null)
    {
        var id = $"{message.Id}:{name.Replace("Email ", "").ToLowerInvariant()}{(key is null ? "" : ":" + key)}";
        var properties = new Dictionary<string, string?>
        {
            ["message_id"] = message.Id, ["email_id"] = message.TemplateId, ["program_id"] = message.ProgramId,
            ["step_id"] = message.StepId, ["campaign_id"] = message.CampaignId, ["language"] = message.Language,
        };
        foreach (var (field, value) in extra ?? new Dictionary<string, string?>()) properties[field] = value;
        var payload = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["type"] = "track", ["event"] = name, ["messageId"] = id, ["userId"] = message.ContactId,
            ["timestamp"] = SegmentMessages.Format(at), ["receivedAt"] = SegmentMessages.Format(at), ["properties"] = properties,
        });
        return new EventRow(id, "track", name, message.ContactId, message.ContactId, null, null, at, at, TimestampFlag.None, payload);
    }

    /// <summary>Writes events inside the caller's transaction (the facts they report are in the same commit).</summary>
    public static Task InsertAsync(LifecycleDb db, IReadOnlyList<EventRow> events, CancellationToken cancel) =>
        events.Count == 0 ? Task.CompletedTask
            : EventStore.InsertNewAsync(db.Database.GetDbConnection(), db.Database.CurrentTransaction!.GetDbTransaction(), events, cancel);

    /// <summary>Suppresses an address; the first reason recorded stays.</summary>
    public static Task SuppressAsync(LifecycleDb db, string email, SuppressionReason reason, DateTime at, string? detail,
        string? messageId, CancellationToken cancel)
    {
        var address = email.Trim().ToLowerInvariant();
        var why = SnakeCase.Of(reason.ToString());
        detail = detail is { Length: > 500 } ? detail[..500] : detail;
        return db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO suppressions (email, reason, at, detail, message_id) VALUES ({address}, {why}, {at}, {detail}, {messageId}) ON CONFLICT (email) DO NOTHING",
            cancel);
    }

    /// <summary>Records an event and, for an unsubscribe, bounce or complaint, the suppression, in one transaction.</summary>
    public static async Task RecordAsync(LifecycleDb db, EmailMessage message, EventRow fact, SuppressionReason? suppress,
        string? detail, CancellationToken cancel)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        await InsertAsync(db, [fact], cancel);
        if (suppress is { } reason) await SuppressAsync(db, message.ToAddress, reason, fact.Timestamp, detail, message.Id, cancel);
        await transaction.CommitAsync(cancel);
    }
}
