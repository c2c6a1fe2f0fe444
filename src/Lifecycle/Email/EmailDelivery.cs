using System.Threading.Channels;
using Dapper;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Database = Lifecycle.Storage.Database;

namespace Lifecycle.Email;

/// <summary>
/// The outbox worker. Each round claims due messages (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>, so any number of
/// server processes share the work and each message goes to one; SQLite: its single writer), drops those whose
/// address is suppressed, sends the rest over the SMTP pool, and records each server answer: sent, bounced,
/// failed, or queued again with backoff.
///
/// A claim moves the message's next attempt one lease ahead instead of holding a transaction open while
/// sending: if the worker dies, the message is due again when the lease ends. The one window for a duplicate:
/// the SMTP server accepted a message and the worker died before recording it; it is then sent again after
/// the lease, with the same Message-ID, which lets receiving systems recognise it.
/// </summary>
public sealed class EmailDelivery(Database database, IOptions<EmailOptions> options, TimeProvider clock, ILogger<EmailDelivery> log)
    : BackgroundService
{
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Tells an idle worker that a message was queued.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var settings = options.Value;
        if (!settings.CanDeliver)
        {
            log.LogInformation("e-mail delivery is off: set {Section}:SmtpHost, FromAddress, PostalAddress, PublicBaseUrl and {SigningKey}",
                EmailOptions.Section, EmailOptions.SigningKeySetting);
            return;
        }
        await using var pool = new SmtpPool(settings, log);
        while (!stopping.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await RunOnceAsync(pool);
            }
            catch (Exception e)
            {
                log.LogError(e, "an e-mail delivery round failed; its messages are due again after the lease");
            }
            if (claimed == settings.ClaimBatch) continue;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            wait.CancelAfter(settings.PollInterval);
            try { await _wake.Reader.ReadAsync(wait.Token); }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>One round: claim, send, record. A round runs to its end even during shutdown, so an accepted
    /// message is recorded as sent.</summary>
    /// <returns>How many messages were claimed.</returns>
    public async Task<int> RunOnceAsync(SmtpPool pool)
    {
        var settings = options.Value;
        var links = new MessageLinks(settings.PublicBaseUrl!, settings.SigningKey!);
        await using var db = database.Open();
        var (claimed, deliverable) = await ClaimAsync(db);
        if (claimed == 0) return 0;
        var now = clock.GetUtcNow();
        var outcomes = await pool.SendAsync(deliverable.Select(m => MessageMime.Build(m, settings, links, now)).ToList());
        await RecordAsync(db, deliverable, outcomes);
        return claimed;
    }

    private async Task<(int Claimed, List<EmailMessage> Deliverable)> ClaimAsync(LifecycleDb db)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var token = Guid.NewGuid().ToString("N");
        await using var transaction = await db.Database.BeginTransactionAsync();
        var connection = db.Database.GetDbConnection();
        var postgres = db.Engine == DatabaseEngine.Postgres;
        var ids = (await connection.QueryAsync<string>(
            $"""
            UPDATE email_messages SET attempts = attempts + 1, next_attempt_at = @lease, claim_token = @token
            WHERE id IN (SELECT id FROM email_messages WHERE status = 'queued' AND next_attempt_at <= @now
                         ORDER BY next_attempt_at LIMIT {Math.Max(1, options.Value.ClaimBatch)}{(postgres ? " FOR UPDATE SKIP LOCKED" : "")})
            RETURNING id
            """,
            new { lease = Instant(db, now + Lease), token, now = Instant(db, now) }, transaction.GetDbTransaction())).ToList();
        if (ids.Count == 0) return (0, []);
        var messages = await db.Set<EmailMessage>().Where(m => ids.Contains(m.Id)).ToListAsync();
        // Checked inside the claim: an address suppressed since the message was queued is not mailed.
        var addresses = messages.Select(m => m.ToAddress).Distinct().ToList();
        var suppressed = await db.Set<Suppression>().AsNoTracking().Where(s => addresses.Contains(s.Email)).ToDictionaryAsync(s => s.Email);
        foreach (var message in messages)
        {
            if (!suppressed.TryGetValue(message.ToAddress, out var suppression)) continue;
            message.Status = MessageStatus.Suppressed;
            message.SmtpAnswer = $"not sent: the address is suppressed ({SnakeCase.Of(suppression.Reason.ToString())})";
        }
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return (ids.Count, messages.Where(m => m.Status == MessageStatus.Queued).ToList());
    }

    private async Task RecordAsync(LifecycleDb db, List<EmailMessage> messages, SendOutcome[] outcomes)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync();
        var events = new List<EventRow>();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var outcome = outcomes[i];
            message.SmtpAnswer = outcome.Answer.Length > 1000 ? outcome.Answer[..1000] : outcome.Answer;
            switch (outcome.Result)
            {
                case SendResult.Accepted:
                    message.Status = MessageStatus.Sent;
                    message.SentAt = now;
                    if (message.ContactId is not null) events.Add(EmailFacts.Event(EmailFacts.Sent, message, now));
                    break;
                case SendResult.HardBounce:
                    message.Status = MessageStatus.Bounced;
                    if (message.ContactId is not null)
                        events.Add(EmailFacts.Event(EmailFacts.Bounced, message, now, extra: new Dictionary<string, string?>
                            { ["bounce_type"] = "hard", ["reason"] = message.SmtpAnswer, ["source"] = "smtp" }));
                    await EmailFacts.SuppressAsync(db, message.ToAddress, SuppressionReason.HardBounce, now, message.SmtpAnswer, message.Id, CancellationToken.None);
                    break;
                case SendResult.Rejected:
                    message.Status = MessageStatus.Failed;
                    break;
                case SendResult.Temporary when message.Attempts >= settings.MaxAttempts:
                    message.Status = MessageStatus.Failed;
                    break;
                case SendResult.Temporary:
                    message.NextAttemptAt = now + settings.RetryAfter * Math.Pow(2, message.Attempts - 1);
                    break;
            }
        }
        try
        {
            // The claim token is a concurrency token: a worker whose lease ran out records nothing over the next claim.
            await db.SaveChangesAsync();
        }
        catch (DbUpdateConcurrencyException e)
        {
            log.LogWarning("{Count} messages were claimed again before their answer was recorded", e.Entries.Count);
            var lost = e.Entries.Select(entry => ((EmailMessage)entry.Entity).Id).ToHashSet();
            foreach (var entry in e.Entries) entry.State = EntityState.Detached;
            events.RemoveAll(row => lost.Contains(row.MessageId.Split(':')[0]));
            await db.SaveChangesAsync();
        }
        await EmailFacts.InsertAsync(db, events, CancellationToken.None);
        await transaction.CommitAsync();
    }

    /// <summary>SQLite compares instants as EF's text form; PostgreSQL as timestamptz.</summary>
    private static object Instant(LifecycleDb db, DateTime utc) =>
        db.Engine == DatabaseEngine.Postgres ? utc : EventStore.SqliteInstant(utc);
}
