using System.Threading.Channels;
using Dapper;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Database = Lifecycle.Storage.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Tracking;

/// <summary>
/// Makes accepted tracking messages durable. Requests hand their messages to one writer loop that commits
/// whatever has queued up in a single transaction (group commit) and only then answers each request: so a 200
/// always means committed, and many small requests share one commit instead of paying for one each.
/// </summary>
public sealed class TrackingIngest(Database database, TimeProvider clock, ChannelMapping channels, ILogger<TrackingIngest> log) : BackgroundService
{
    private const int MaxRowsPerCommit = 20_000;
    // Below this one INSERT … SELECT unnest (one round trip) beats a COPY (two).
    private const int CopyThreshold = 500;

    private sealed record Pending(IReadOnlyList<SegmentMessage> Messages, TaskCompletionSource<int> Done);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    public DateTime Now() => clock.GetUtcNow().UtcDateTime;

    /// <returns>How many of the messages were new (the others were retries of stored messageIds).</returns>
    public async Task<int> StoreAsync(IReadOnlyList<SegmentMessage> messages, CancellationToken cancel)
    {
        var pending = new Pending(messages, new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending)) throw new InvalidOperationException("the server is shutting down");
        // The commit goes on even if the client leaves: once queued, the messages are stored.
        return await pending.Done.Task.WaitAsync(cancel);
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var reader = _queue.Reader;
        var group = new List<Pending>();
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            group.Clear();
            var rows = 0;
            while (rows < MaxRowsPerCommit && reader.TryRead(out var next))
            {
                group.Add(next);
                rows += next.Messages.Count;
            }
            try
            {
                var inserted = await CommitAsync(group);
                for (var i = 0; i < group.Count; i++) group[i].Done.TrySetResult(inserted[i]);
            }
            catch (Exception e)
            {
                log.LogError(e, "storing {Rows} tracking messages failed", rows);
                foreach (var pending in group) pending.Done.TrySetException(e);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancel)
    {
        // Finish what was accepted before stopping: requests waiting on a commit get their answer.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancel);
    }

    private async Task<int[]> CommitAsync(List<Pending> group)
    {
        try
        {
            return await CommitAsync(group, assumeNew: true);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation)
        {
            // A client retried a stored messageId: redo the whole commit on the path that skips stored ids.
            return await CommitAsync(group, assumeNew: false);
        }
    }

    /// <param name="assumeNew">On PostgreSQL, COPY a large group straight into the table without a savepoint (two round
    /// trips fewer); a stored messageId then fails the commit, which is redone with this false.</param>
    private async Task<int[]> CommitAsync(List<Pending> group, bool assumeNew)
    {
        await using var db = database.Open();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var connection = db.Database.GetDbConnection();
        var dbTransaction = transaction.GetDbTransaction();
        var contacts = await ResolveContactsAsync(connection, dbTransaction, group);
        var receivedAt = clock.GetUtcNow().UtcDateTime;
        EventRow Row(SegmentMessage m) => new(m.MessageId, m.Type, m.Name, ContactOf(m, contacts), m.UserId, m.AnonymousId,
            m.GroupId, m.Timestamp, receivedAt, m.Flag, m.Payload);
        int[] inserted;
        if (connection is Npgsql.NpgsqlConnection postgres)
        {
            // A round trip costs more than the statement: one write for the group, and the ids it reports as new
            // give each request its own count.
            var rows = group.SelectMany(p => p.Messages).Select(Row).ToList();
            if (assumeNew && rows.Count >= CopyThreshold)
            {
                await EventStore.CopyAllNewAsync(postgres, rows, CancellationToken.None);
                inserted = group.Select(p => p.Messages.Count).ToArray();
            }
            else
            {
                var newIds = new HashSet<string>();
                await EventStore.InsertNewAsync(connection, dbTransaction, rows, CancellationToken.None, newIds);
                inserted = group.Select(p => p.Messages.Count(m => newIds.Remove(m.MessageId))).ToArray();
            }
        }
        else
        {
            // In-process SQLite: statements are cheap and RETURNING is not, so each request's rows go on their own,
            // through prepared statements shared by the group.
            inserted = EventStore.InsertNewSqlite((Microsoft.Data.Sqlite.SqliteConnection)connection, (Microsoft.Data.Sqlite.SqliteTransaction)dbTransaction,
                group.Select(p => (IReadOnlyList<EventRow>)p.Messages.Select(Row).ToList()).ToList());
        }
        // After the events are in, so a visitor's page views in the same commit join the new contact too.
        await new IdentityStitching(db, channels).StitchAsync(group.SelectMany(p => p.Messages), CancellationToken.None);
        await transaction.CommitAsync();
        return inserted;
    }

    private static string? ContactOf(SegmentMessage message, Dictionary<string, string> contacts) =>
        message.UserId is { } user && contacts.TryGetValue(user, out var byUser) ? byUser
        : message.AnonymousId is { } anonymous && contacts.TryGetValue(AnonymousKey(anonymous), out var byAnonymous) ? byAnonymous
        : null;

    private static string AnonymousKey(string anonymousId) => "anonymous:" + anonymousId;

    /// <summary>
    /// Which contact each identifier names: userId as a contact id, an e-mail, or an id merged into another
    /// contact; anonymousId once its visitor identified (keyed "anonymous:&lt;id&gt;").
    /// </summary>
    private static async Task<Dictionary<string, string>> ResolveContactsAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, List<Pending> group)
    {
        var messages = group.SelectMany(p => p.Messages).ToList();
        var userIds = messages.Select(m => m.UserId).OfType<string>().Distinct().ToArray();
        var anonymousIds = messages.Select(m => m.AnonymousId).OfType<string>().Distinct().ToArray();
        var postgres = connection is Npgsql.NpgsqlConnection;
        // Npgsql takes the arrays whole; SQLite reads them as one JSON parameter each, so the statement text stays
        // the same whatever the number of ids (Dapper's IN expansion made a new statement to compile per commit).
        string In(string column, string parameter) => postgres ? $"{column} = ANY(@{parameter})" : $"{column} IN (SELECT value FROM json_each(@{parameter}))";
        object List(string[] values) => postgres ? values : System.Text.Json.JsonSerializer.Serialize(values);
        var found = new Dictionary<string, string>();
        if (userIds.Length == 0 && anonymousIds.Length == 0) return found;
        // One round trip: what each userId (as id, e-mail or merged id) and each anonymousId names. Only a userId
        // that looks like an e-mail can name a contact by its e-mail.
        var emails = userIds.Where(IdentityStitching.LooksLikeEmail).Select(u => u.Trim().ToLowerInvariant()).Distinct().ToArray();
        var rows = await connection.QueryAsync<(string Kind, string Value, string ContactId)>(
            $"""
            SELECT 'id', id, id FROM contacts WHERE {In("id", "ids")}
            UNION ALL SELECT 'email', email, id FROM contacts WHERE {In("email", "emails")}
            UNION ALL SELECT kind, value, contact_id FROM identities
              WHERE (kind = 'user' AND {In("value", "ids")}) OR (kind = 'anonymous' AND {In("value", "anonymous")})
            """,
            new { ids = List(userIds), emails = List(emails), anonymous = List(anonymousIds) }, transaction);
        var byEmail = new Dictionary<string, string>();
        foreach (var (kind, value, contactId) in rows)
        {
            switch (kind)
            {
                case "id": found[value] = contactId; break;
                case "email": byEmail[value] = contactId; break;
                case "user": found.TryAdd(value, contactId); break;
                case "anonymous": found[AnonymousKey(value)] = contactId; break;
            }
        }
        foreach (var userId in userIds)
            if (!found.ContainsKey(userId) && byEmail.TryGetValue(userId.Trim().ToLowerInvariant(), out var contact)) found[userId] = contact;
        return found;
    }
}
