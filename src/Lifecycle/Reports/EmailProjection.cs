using System.Data.Common;
using System.Text.Json;
using Dapper;
using Lifecycle.Email;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Npgsql;
using NpgsqlTypes;

namespace Lifecycle.Reports;

/// <summary>
/// One e-mail message as the e-mail projection keeps it: its contact, program and campaign, and the first instant it
/// was sent, bounced, opened (not by a machine) and clicked.
/// </summary>
public sealed class ProjectedEmail
{
    public required string MessageKey { get; set; }
    public required string ContactId { get; set; }
    public string? ProgramId { get; set; }
    public string? CampaignId { get; set; }
    public DateTime? SentAt { get; set; }
    public DateTime? BouncedAt { get; set; }
    public DateTime? OpenedAt { get; set; }
    public DateTime? ClickedAt { get; set; }
}

/// <summary>A contact whose e-mail events changed hands (a merge): its messages are re-derived on the next pass.</summary>
public sealed class EmailChange
{
    public long Id { get; set; }
    public required string ContactId { get; set; }
}

public sealed class EmailProjectionConfiguration : IEntityTypeConfiguration<ProjectedEmail>, IEntityTypeConfiguration<EmailChange>
{
    public void Configure(EntityTypeBuilder<ProjectedEmail> email)
    {
        email.ToTable("report_emails");
        email.HasKey(e => e.MessageKey);
        email.Property(e => e.ContactId).HasMaxLength(200);
        email.HasIndex(e => e.ContactId);
        // Covering: a report reads a month's messages by their sending without touching the table.
        email.HasIndex(e => new { e.SentAt, e.ContactId, e.ProgramId, e.CampaignId, e.BouncedAt, e.OpenedAt, e.ClickedAt });
    }

    public void Configure(EntityTypeBuilder<EmailChange> change)
    {
        change.ToTable("report_email_changes");
        change.Property(c => c.ContactId).HasMaxLength(200);
    }
}

/// <summary>
/// E-mail messages kept up to date from their events, so the e-mail rates (lifecycle.md §3) read one narrow row per
/// message instead of parsing a month's sends and every later open, click and bounce. A pass reads the e-mail events
/// that arrived after its cursor (<see cref="EventFeed"/>) and folds each into its message's row (<see cref="Fold"/>).
/// </summary>
public static class EmailProjection
{
    private const string CursorName = "emails";
    private const long PassLock = 0x4c6966656d61696c; // "Lifemail"
    private const string Filter = "name IN ('Email Sent', 'Email Bounced', 'Email Opened', 'Email Clicked') AND contact_id IS NOT NULL";

    /// <summary>An e-mail event as read for the projection.</summary>
    private sealed class MailEvent : FedEvent
    {
        public string Name { get; set; } = "";
        public string ContactId { get; set; } = "";
        public string Payload { get; set; } = "";
    }

    /// <summary>SQLite reads by rowid from the cursor: e-mail events are most of a workspace's events, and the
    /// rowid order is the arrival order a pass needs.</summary>
    private static readonly EventFeed Feed = new(CursorName, Filter, "events NOT INDEXED",
        "message_id AS MessageId, name AS Name, contact_id AS ContactId, timestamp AS Timestamp, payload AS Payload", PassLock);

    /// <summary>
    /// A message's row after one of its events. The first send names the message's contact, program and campaign
    /// (an outcome that arrived first names them until then); each instant is the earliest seen. An open flagged
    /// properties.machine_open = true (privacy proxies, security scanners) is not an open. Pure.
    /// </summary>
    public static ProjectedEmail Fold(ProjectedEmail? row, string name, string contactId, DateTime at, EmailProperties message)
    {
        row ??= new ProjectedEmail { MessageKey = message.Key, ContactId = contactId, ProgramId = message.ProgramId, CampaignId = message.CampaignId };
        static DateTime Earliest(DateTime? known, DateTime at) => known is { } k && k <= at ? k : at;
        switch (name)
        {
            case EmailFacts.Sent:
                if (row.SentAt is null) (row.ContactId, row.ProgramId, row.CampaignId) = (contactId, message.ProgramId, message.CampaignId);
                row.SentAt = Earliest(row.SentAt, at);
                break;
            case EmailFacts.Bounced: row.BouncedAt = Earliest(row.BouncedAt, at); break;
            case EmailFacts.Opened when !message.MachineOpen: row.OpenedAt = Earliest(row.OpenedAt, at); break;
            case EmailFacts.Clicked: row.ClickedAt = Earliest(row.ClickedAt, at); break;
        }
        return row;
    }

    /// <summary>Records, inside the caller's transaction, that these contacts' e-mail events moved (a merge).</summary>
    public static async Task NoticeAsync(LifecycleDb db, IEnumerable<string> contactIds, CancellationToken cancel)
    {
        db.Set<EmailChange>().AddRange(contactIds.Distinct(StringComparer.Ordinal).Select(c => new EmailChange { ContactId = c }));
        await db.SaveChangesAsync(cancel);
    }

    /// <summary>Projects every e-mail event committed so far; returns how many it read.</summary>
    public static Task<int> CatchUpAsync(LifecycleDb db, CancellationToken cancel = default) =>
        Feed.CatchUpAsync<MailEvent>(db, connection => connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM report_email_changes)"),
            async (connection, tx, events, cursor) =>
            {
                var changed = await db.Set<EmailChange>().OrderBy(c => c.Id).ToListAsync(cancel);
                var rederive = changed.Select(c => c.ContactId).ToHashSet(StringComparer.Ordinal);
                await ApplyAsync(connection, tx, events.Where(e => !rederive.Contains(e.ContactId)).ToList());
                if (rederive.Count > 0) await RederiveAsync(connection, tx, rederive, EventFeed.Projected(db.Engine == DatabaseEngine.Postgres, cursor));
                db.Set<EmailChange>().RemoveRange(changed);
            }, cancel);

    /// <summary>Folds events into their messages' stored rows.</summary>
    private static async Task ApplyAsync(DbConnection connection, DbTransaction tx, List<MailEvent> events)
    {
        if (events.Count == 0) return;
        var parsed = events.Select(e => (Event: e, Message: EmailProperties.Read(e.ContactId, e.Payload))).ToList();
        var rows = new Dictionary<string, ProjectedEmail>(StringComparer.Ordinal);
        foreach (var chunk in parsed.Select(p => p.Message.Key).Distinct(StringComparer.Ordinal).Chunk(1000))
            // SQLite's instants come back unspecified; they only go back to SQLite, which stores them as they are.
            foreach (var row in await connection.QueryAsync<ProjectedEmail>($"""
                         SELECT message_key AS MessageKey, contact_id AS ContactId, program_id AS ProgramId, campaign_id AS CampaignId, sent_at AS SentAt,
                                bounced_at AS BouncedAt, opened_at AS OpenedAt, clicked_at AS ClickedAt
                         FROM report_emails WHERE {EventFeed.In(connection, "message_key")}
                         """, new { chunk }, tx))
                rows[row.MessageKey] = row;
        foreach (var (e, message) in parsed)
            rows[message.Key] = Fold(rows.GetValueOrDefault(message.Key), e.Name, e.ContactId, e.Timestamp, message);
        await UpsertAsync(connection, tx, rows.Values.ToList());
    }

    /// <summary>Replaces these contacts' messages by those derived from all their projected e-mail events.</summary>
    private static async Task RederiveAsync(DbConnection connection, DbTransaction tx, HashSet<string> contacts, (string Sql, object Parameters) projected)
    {
        foreach (var chunk in contacts.Chunk(1000))
        {
            await connection.ExecuteAsync($"DELETE FROM report_emails WHERE {EventFeed.In(connection, "contact_id")}", new { chunk }, tx);
            var parameters = new DynamicParameters(projected.Parameters);
            parameters.Add("chunk", chunk);
            var events = (await connection.QueryAsync<MailEvent>(
                $"SELECT message_id AS MessageId, name AS Name, contact_id AS ContactId, timestamp AS Timestamp, payload AS Payload FROM events WHERE {Filter} AND {EventFeed.In(connection, "contact_id")} AND {projected.Sql} ORDER BY timestamp, message_id",
                parameters, tx)).ToList();
            await ApplyAsync(connection, tx, events);
        }
    }

    /// <summary>Writes rows, replacing stored ones: one statement of arrays on PostgreSQL, one prepared statement a row on SQLite.</summary>
    private static Task UpsertAsync(DbConnection connection, DbTransaction tx, List<ProjectedEmail> rows)
    {
        const string update = """
            ON CONFLICT (message_key) DO UPDATE SET contact_id = excluded.contact_id, program_id = excluded.program_id, campaign_id = excluded.campaign_id,
                sent_at = excluded.sent_at, bounced_at = excluded.bounced_at, opened_at = excluded.opened_at, clicked_at = excluded.clicked_at
            """;
        const string insert = "INSERT INTO report_emails (message_key, contact_id, program_id, campaign_id, sent_at, bounced_at, opened_at, clicked_at)";
        if (connection is NpgsqlConnection)
            return PostgresArrays.ExecuteAsync(connection, tx, $"""
                {insert}
                SELECT * FROM unnest(@keys, @contacts, @programs, @campaigns, @sent, @bounced, @opened, @clicked)
                {update}
                """, rows,
                ("keys", NpgsqlDbType.Text, r => r.MessageKey), ("contacts", NpgsqlDbType.Text, r => r.ContactId),
                ("programs", NpgsqlDbType.Text, r => r.ProgramId), ("campaigns", NpgsqlDbType.Text, r => r.CampaignId),
                ("sent", NpgsqlDbType.TimestampTz, r => r.SentAt), ("bounced", NpgsqlDbType.TimestampTz, r => r.BouncedAt),
                ("opened", NpgsqlDbType.TimestampTz, r => r.OpenedAt), ("clicked", NpgsqlDbType.TimestampTz, r => r.ClickedAt));
        return connection.ExecuteAsync($"""
            {insert}
            VALUES (@MessageKey, @ContactId, @ProgramId, @CampaignId, @SentAt, @BouncedAt, @OpenedAt, @ClickedAt)
            {update}
            """, rows, tx);
    }

    /// <summary>
    /// The messages first sent within [from, to) and by <paramref name="now"/>, with whether each bounced, was opened
    /// and was clicked by <paramref name="now"/>, as projected so far (the caller catches up first): each message when
    /// <paramref name="eachMessage"/> (a drill-down lists them), else only their tallies per 15-minute bucket.
    /// </summary>
    /// <returns>The messages (if asked for), their tallies, and the earliest bounce, open or click of theirs stamped
    /// after now (it counts from then on).</returns>
    public static async Task<(List<EmailFact> Messages, List<EmailTally> Tallies, DateTime? NextOutcome)> ReadAsync(LifecycleDb db,
        DateTime from, DateTime to, DateTime now, bool eachMessage, CancellationToken cancel)
    {
        var sent = db.Set<ProjectedEmail>().AsNoTracking().Where(e => e.SentAt >= from && e.SentAt < to && e.SentAt <= now);
        List<EmailFact> messages = [];
        List<EmailTally> tallies;
        if (eachMessage)
        {
            // Outcomes compare in SQL: SQLite's instants are text that would be parsed four times a row.
            messages = await sent.Select(e => new EmailFact(e.ContactId, e.ProgramId, e.CampaignId, e.SentAt!.Value,
                e.BouncedAt != null && e.BouncedAt <= now, e.OpenedAt != null && e.OpenedAt <= now, e.ClickedAt != null && e.ClickedAt <= now)).ToListAsync(cancel);
            tallies = messages.Select(EmailTally.Of).ToList();
        }
        else tallies = await TalliesAsync(db, from, to, now, cancel);
        var next = await sent.GroupBy(e => 1).Select(g => new
        {
            Bounce = g.Min(e => e.BouncedAt > now ? e.BouncedAt : null), Open = g.Min(e => e.OpenedAt > now ? e.OpenedAt : null),
            Click = g.Min(e => e.ClickedAt > now ? e.ClickedAt : null),
        }).FirstOrDefaultAsync(cancel);
        return (messages, tallies, next is null ? null : new[] { next.Bounce, next.Open, next.Click }.Min());
    }

    /// <summary>
    /// The messages counted in SQL per program, campaign and 15-minute bucket of sending: a month at a million contacts
    /// is 450,000 messages, which take seconds to bring over one by one and a few tens of thousands of rows counted.
    /// Buckets answer any period whose bounds fall on them (<see cref="TrafficProjection.Aligned"/>: every zone's midnight).
    /// </summary>
    private static async Task<List<EmailTally>> TalliesAsync(LifecycleDb db, DateTime from, DateTime to, DateTime now, CancellationToken cancel)
    {
        var bucket = db.Engine == DatabaseEngine.Postgres
            ? "date_bin('15 minutes', sent_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
            // SQLite keeps instants as 'yyyy-MM-dd HH:mm:ss…' text: the minutes floored to a quarter of an hour.
            : "substr(sent_at, 1, 14) || printf('%02d', CAST(substr(sent_at, 15, 2) AS INTEGER) / 15 * 15)";
        const string delivered = "(bounced_at IS NULL OR bounced_at > @now)";
        var connection = db.Database.GetDbConnection();
        var rows = await connection.QueryAsync<TallyRow>(new CommandDefinition($"""
            SELECT {bucket} AS Bucket, program_id AS ProgramId, campaign_id AS CampaignId, count(*) AS Sent,
                   count(CASE WHEN {delivered} THEN 1 END) AS Delivered,
                   count(CASE WHEN {delivered} AND opened_at <= @now THEN 1 END) AS Opened,
                   count(CASE WHEN {delivered} AND clicked_at <= @now THEN 1 END) AS Clicked
            FROM report_emails
            WHERE sent_at >= @from AND sent_at < @to AND sent_at <= @now
            GROUP BY 1, 2, 3
            """, new { from, to, now }, cancellationToken: cancel));
        return rows.Select(r => new EmailTally(r.ProgramId, r.CampaignId, r.Bucket switch
        {
            DateTime instant => DateTime.SpecifyKind(instant, DateTimeKind.Utc),
            var text => DateTime.ParseExact((string)text, "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal),
        }, (int)r.Sent, (int)r.Delivered, (int)r.Opened, (int)r.Clicked)).ToList();
    }

    private sealed class TallyRow
    {
        public object Bucket { get; set; } = "";
        public string? ProgramId { get; set; }
        public string? CampaignId { get; set; }
        public long Sent { get; set; }
        public long Delivered { get; set; }
        public long Opened { get; set; }
        public long Clicked { get; set; }
    }
}

/// <summary>The properties of an e-mail event that identify its message.</summary>
public sealed record EmailProperties(string Key, string? ProgramId, string? CampaignId, bool MachineOpen)
{
    /// <summary>A message is properties.message_id, else (contact, email_id, program_id).</summary>
    public static EmailProperties Read(string contactId, string payload)
    {
        using var document = JsonDocument.Parse(payload);
        var properties = document.RootElement.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        string? Text(string name) =>
            properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var v)
                ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null }
                : null;
        var programId = Text("program_id");
        var key = Text("message_id") is { Length: > 0 } messageId
            ? "m:" + messageId
            : JsonSerializer.Serialize(new[] { contactId, Text("email_id"), programId });
        var machine = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty("machine_open", out var m) && m.ValueKind == JsonValueKind.True;
        return new EmailProperties(key, programId, Text("campaign_id"), machine);
    }
}
