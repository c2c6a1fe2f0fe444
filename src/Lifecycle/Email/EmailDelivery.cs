using System.Text.Json;
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
/// failed, or queued again with backoff. While a round is being sent, the previous round's answers are recorded
/// and the next round is claimed, so the SMTP connections do not wait for the database.
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

    static EmailDelivery() => SqlMapper.AddTypeHandler(new InlineImagesHandler());

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>The messages of one claim: all of them count as claimed; the deliverable ones are sent under its token.</summary>
    private sealed record Claim(string Token, int Count, List<EmailMessage> Deliverable);

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
            try
            {
                await DrainAsync(pool, stopping);
            }
            catch (Exception e)
            {
                log.LogError(e, "an e-mail delivery round failed; its messages are due again after the lease");
            }
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
        var claim = await ClaimAsync();
        if (claim.Count == 0) return 0;
        await RecordAsync(claim, await SendAsync(pool, claim));
        return claim.Count;
    }

    /// <summary>
    /// Sends rounds until nothing is due, each round's sending overlapped with recording the round before and
    /// claiming the round after. On a stop no further round is sent: one claimed ahead is released (due again at
    /// once, never sent), and every round sent is recorded.
    /// </summary>
    /// <returns>How many messages were claimed and sent or settled.</returns>
    public async Task<int> DrainAsync(SmtpPool pool, CancellationToken stopping)
    {
        var total = 0;
        Claim? ahead = await ClaimAsync();
        (Claim Claim, SendOutcome[] Outcomes)? unrecorded = null;
        try
        {
            while (ahead is { Count: > 0 } current && !stopping.IsCancellationRequested)
            {
                ahead = null;
                var previous = unrecorded;
                unrecorded = null;
                var sending = SendAsync(pool, current);
                var bookkeeping = Task.Run(async () =>
                {
                    if (previous is { } done) await RecordAsync(done.Claim, done.Outcomes);
                    return stopping.IsCancellationRequested ? null : await ClaimAsync();
                }, CancellationToken.None);
                try
                {
                    unrecorded = (current, await sending);
                    total += current.Count;
                }
                finally
                {
                    ahead = await bookkeeping;
                }
            }
        }
        finally
        {
            if (unrecorded is { } last) await RecordAsync(last.Claim, last.Outcomes);
            if (ahead is { Count: > 0 } unsent) await ReleaseAsync(unsent);
        }
        return total;
    }

    private Task<SendOutcome[]> SendAsync(SmtpPool pool, Claim claim)
    {
        var settings = options.Value;
        var links = new MessageLinks(settings.PublicBaseUrl!, settings.SigningKey!);
        var now = clock.GetUtcNow();
        // MIME is built by the send tasks, in parallel, as each connection takes its next message.
        return pool.SendAsync(claim.Deliverable, m => MessageMime.Build(m, settings, links, now));
    }

    private async Task<Claim> ClaimAsync()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var token = Guid.NewGuid().ToString("N");
        await using var db = database.Open();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var connection = db.Database.GetDbConnection();
        var postgres = db.Engine == DatabaseEngine.Postgres;
        var messages = (await connection.QueryAsync<EmailMessage>(
            $"""
            UPDATE email_messages SET attempts = attempts + 1, next_attempt_at = @lease, claim_token = @token
            WHERE id IN (SELECT id FROM email_messages WHERE status = 'queued' AND next_attempt_at <= @now
                         ORDER BY next_attempt_at LIMIT {Math.Max(1, options.Value.ClaimBatch)}{(postgres ? " FOR UPDATE SKIP LOCKED" : "")})
            RETURNING id AS Id, contact_id AS ContactId, template_id AS TemplateId, program_id AS ProgramId, step_id AS StepId,
                      campaign_id AS CampaignId, to_address AS ToAddress, language AS Language, subject AS Subject, html AS Html,
                      text AS Text, inline_images AS InlineImages, attempts AS Attempts
            """,
            new { lease = Instant(db, now + Lease), token, now = Instant(db, now) }, transaction.GetDbTransaction())).ToList();
        if (messages.Count == 0) return new Claim(token, 0, []);
        // Checked inside the claim: an address suppressed since the message was queued is not mailed.
        var addresses = messages.Select(m => m.ToAddress).Distinct().ToList();
        var suppressed = await db.Set<Suppression>().AsNoTracking().Where(s => addresses.Contains(s.Email)).ToDictionaryAsync(s => s.Email);
        foreach (var message in messages)
        {
            if (!suppressed.TryGetValue(message.ToAddress, out var suppression)) continue;
            message.Status = MessageStatus.Suppressed;
            await connection.ExecuteAsync("UPDATE email_messages SET status = 'suppressed', smtp_answer = @answer WHERE id = @id",
                new { id = message.Id, answer = $"not sent: the address is suppressed ({SnakeCase.Of(suppression.Reason.ToString())})" },
                transaction.GetDbTransaction());
        }
        await transaction.CommitAsync();
        return new Claim(token, messages.Count, messages.Where(m => m.Status == MessageStatus.Queued).ToList());
    }

    /// <summary>
    /// Records a round's answers in one statement (and its events and bounces in the same transaction). Only rows
    /// still under this claim's token are written: a worker whose lease ran out records nothing over the next claim.
    /// </summary>
    private async Task RecordAsync(Claim claim, SendOutcome[] outcomes)
    {
        if (claim.Deliverable.Count == 0) return;
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = database.Open();
        var rows = new List<Dictionary<string, object?>>(claim.Deliverable.Count);
        for (var i = 0; i < claim.Deliverable.Count; i++)
        {
            var message = claim.Deliverable[i];
            var outcome = outcomes[i];
            message.SmtpAnswer = outcome.Answer.Length > 1000 ? outcome.Answer[..1000] : outcome.Answer;
            DateTime? retryAt = null;
            message.Status = outcome.Result switch
            {
                SendResult.Accepted => MessageStatus.Sent,
                SendResult.HardBounce => MessageStatus.Bounced,
                SendResult.Temporary when message.Attempts < settings.MaxAttempts => MessageStatus.Queued,
                _ => MessageStatus.Failed,
            };
            if (message.Status == MessageStatus.Queued) retryAt = now + settings.RetryAfter * Math.Pow(2, message.Attempts - 1);
            if (message.Status == MessageStatus.Sent) message.SentAt = now;
            rows.Add(new()
            {
                ["id"] = message.Id, ["status"] = SnakeCase.Of(message.Status.ToString()), ["answer"] = message.SmtpAnswer,
                ["sent_at"] = message.SentAt is { } sentAt ? Instant(db, sentAt) : null,
                ["next_attempt_at"] = retryAt is { } retry ? Instant(db, retry) : null,
            });
        }
        var postgres = db.Engine == DatabaseEngine.Postgres;
        await using var transaction = await db.Database.BeginTransactionAsync();
        var connection = db.Database.GetDbConnection();
        var recorded = (await connection.QueryAsync<string>(postgres
            ? """
              UPDATE email_messages AS m SET status = v.status, smtp_answer = v.answer, sent_at = v.sent_at,
                     next_attempt_at = COALESCE(v.next_attempt_at, m.next_attempt_at)
              FROM jsonb_to_recordset(CAST(@rows AS jsonb)) AS v(id text, status text, answer text, sent_at timestamptz, next_attempt_at timestamptz)
              WHERE m.id = v.id AND m.claim_token = @token
              RETURNING m.id
              """
            : """
              UPDATE email_messages SET status = v.status, smtp_answer = v.answer, sent_at = v.sent_at,
                     next_attempt_at = COALESCE(v.next_attempt_at, email_messages.next_attempt_at)
              FROM (SELECT value ->> 'id' AS id, value ->> 'status' AS status, value ->> 'answer' AS answer,
                           value ->> 'sent_at' AS sent_at, value ->> 'next_attempt_at' AS next_attempt_at FROM json_each(@rows)) AS v
              WHERE email_messages.id = v.id AND email_messages.claim_token = @token
              RETURNING id
              """,
            new { rows = JsonSerializer.Serialize(rows), token = claim.Token }, transaction.GetDbTransaction())).ToHashSet();
        if (recorded.Count < claim.Deliverable.Count)
            log.LogWarning("{Count} messages were claimed again before their answer was recorded", claim.Deliverable.Count - recorded.Count);
        var events = new List<EventRow>();
        foreach (var message in claim.Deliverable.Where(m => recorded.Contains(m.Id)))
        {
            if (message.Status == MessageStatus.Bounced)
                await EmailFacts.SuppressAsync(db, message.ToAddress, SuppressionReason.HardBounce, now, message.SmtpAnswer, message.Id, CancellationToken.None);
            if (message.ContactId is null) continue;
            if (message.Status == MessageStatus.Sent) events.Add(EmailFacts.Event(EmailFacts.Sent, message, now));
            if (message.Status == MessageStatus.Bounced)
                events.Add(EmailFacts.Event(EmailFacts.Bounced, message, now, extra: new Dictionary<string, string?>
                    { ["bounce_type"] = "hard", ["reason"] = message.SmtpAnswer, ["source"] = "smtp" }));
        }
        await EmailFacts.InsertAsync(db, events, CancellationToken.None);
        await transaction.CommitAsync();
    }

    /// <summary>Gives back a claimed round that was never sent: due again at once, the attempt not counted.</summary>
    private async Task ReleaseAsync(Claim claim)
    {
        await using var db = database.Open();
        await db.Database.GetDbConnection().ExecuteAsync(
            "UPDATE email_messages SET attempts = attempts - 1, next_attempt_at = @now, claim_token = NULL WHERE claim_token = @token AND status = 'queued'",
            new { now = Instant(db, clock.GetUtcNow().UtcDateTime), token = claim.Token });
    }

    /// <summary>SQLite compares instants as EF's text form; PostgreSQL as timestamptz.</summary>
    private static object Instant(LifecycleDb db, DateTime utc) =>
        db.Engine == DatabaseEngine.Postgres ? utc : EventStore.SqliteInstant(utc);
}
