using System.Threading.Channels;
using Dapper;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Tracking;

/// <summary>
/// Makes accepted tracking messages durable. Requests hand their messages to one writer loop that commits
/// whatever has queued up in a single transaction (group commit) and only then answers each request: so a 200
/// always means committed, and many small requests share one commit instead of paying for one each.
/// </summary>
public sealed class TrackingIngest(Database database, TimeProvider clock, ILogger<TrackingIngest> log) : BackgroundService
{
    private const int MaxRowsPerCommit = 20_000;

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
        await using var db = database.Open();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        await using var transaction = await connection.BeginTransactionAsync();
        var contacts = await ResolveContactsAsync(connection, transaction, group);
        var inserted = new int[group.Count];
        for (var i = 0; i < group.Count; i++)
        {
            var rows = group[i].Messages.Select(m => new EventRow(
                m.MessageId, m.Type, m.Name, m.UserId is { } u ? contacts.GetValueOrDefault(u) : null, m.UserId, m.AnonymousId,
                m.GroupId, m.Timestamp, DateTime.SpecifyKind(clock.GetUtcNow().UtcDateTime, DateTimeKind.Utc), m.Flag, m.Payload)).ToList();
            inserted[i] = await EventStore.InsertNewAsync(connection, transaction, rows, CancellationToken.None);
        }
        await transaction.CommitAsync();
        return inserted;
    }

    /// <summary>userId is a contact id or an e-mail address; map each to the contact it names, if any.</summary>
    private static async Task<Dictionary<string, string>> ResolveContactsAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, List<Pending> group)
    {
        var userIds = group.SelectMany(p => p.Messages).Select(m => m.UserId).OfType<string>().Distinct().ToArray();
        var found = new Dictionary<string, string>();
        foreach (var chunk in userIds.Chunk(500))
        {
            var emails = chunk.Select(u => u.Trim().ToLowerInvariant()).ToArray();
            // Dapper expands IN @list on SQLite; Npgsql takes the arrays whole.
            var sql = connection is Npgsql.NpgsqlConnection
                ? "SELECT id, email FROM contacts WHERE id = ANY(@ids) OR email = ANY(@emails)"
                : "SELECT id, email FROM contacts WHERE id IN @ids OR email IN @emails";
            var rows = await connection.QueryAsync<(string Id, string? Email)>(sql, new { ids = chunk, emails }, transaction);
            foreach (var (id, email) in rows)
            {
                found[id] = id;
                if (email is not null) foreach (var u in chunk.Where(u => u.Trim().ToLowerInvariant() == email)) found.TryAdd(u, id);
            }
        }
        return found;
    }
}
