using System.Data.Common;
using System.Globalization;
using Dapper;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Lifecycle.Reports;

/// <summary>An event as a projection reads it: where it arrived, and the columns its projection selects.</summary>
internal class FedEvent
{
    public string MessageId { get; set; } = "";
    public long Arrival { get; set; }
    /// <summary>A class with setters: Dapper converts SQLite's text instants.</summary>
    public DateTime Timestamp { get => field; set => field = DateTime.SpecifyKind(value, DateTimeKind.Utc); }
}

/// <summary>
/// The events of some names that committed after a projection's cursor, read in pages in arrival order; and the
/// pass that applies a page and moves the cursor in one transaction. SQLite: the arrival is the rowid (rowids only
/// grow: events are never deleted). PostgreSQL: each event records the id of the transaction that wrote it, and
/// the cursor keeps the snapshot whose visible transactions are all read (<see cref="ProjectionCursor"/>). Passes
/// of one feed are serialised (an advisory lock on PostgreSQL, the single writer on SQLite), so no event is
/// applied twice.
/// </summary>
/// <param name="Filter">The SQL condition on events that selects the feed's events.</param>
/// <param name="SqliteSource">The events table as SQLite reads it after a rowid (e.g. with the partial index to use).</param>
/// <param name="Columns">The select list beyond the arrival, naming the properties of the feed's event class.</param>
/// <param name="PassLock">The PostgreSQL advisory lock that serialises the feed's passes.</param>
internal sealed record EventFeed(string CursorName, string Filter, string SqliteSource, string Columns, long PassLock, int PageSize = 20_000)
{
    /// <param name="From">The cursor the page was read after.</param>
    private sealed record SqlitePage<T>(long From, List<T> Events, bool Changes);

    /// <summary>Applies every event committed so far, pass after pass (<see cref="PassAsync{T}"/>); returns how many it read.</summary>
    public async Task<int> CatchUpAsync<T>(LifecycleDb db, Func<DbConnection, Task<bool>> pendingChanges,
        Func<DbConnection, DbTransaction, List<T>, ProjectionCursor, Task> apply, CancellationToken cancel) where T : FedEvent
    {
        var total = 0;
        while (true)
        {
            var (read, more) = await PassAsync(db, pendingChanges, apply, cancel);
            total += read;
            if (!more) return total;
        }
    }

    /// <summary>
    /// One transaction: at most one page of newly arrived events, applied with the changes the projection queued
    /// (<paramref name="pendingChanges"/> says whether there are any, so an idle SQLite pass takes no write lock).
    /// </summary>
    /// <returns>How many events it read, and whether more may be waiting.</returns>
    private async Task<(int Read, bool More)> PassAsync<T>(LifecycleDb db, Func<DbConnection, Task<bool>> pendingChanges,
        Func<DbConnection, DbTransaction, List<T>, ProjectionCursor, Task> apply, CancellationToken cancel) where T : FedEvent
    {
        var postgres = db.Engine == DatabaseEngine.Postgres;
        // SQLite has one writer: read the page before taking its lock, so tracking does not wait for the read, and a
        // report with nothing new to project does not queue behind an import's long transaction.
        var sqlitePage = postgres ? null : await ReadSqlitePageAsync<T>(db, pendingChanges, cancel);
        if (sqlitePage is { Events.Count: 0, Changes: false }) return (0, false);

        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        var connection = db.Database.GetDbConnection();
        var tx = transaction.GetDbTransaction();
        if (postgres) await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@PassLock)", new { PassLock }, tx);
        var cursor = await db.Set<ProjectionCursor>().FindAsync([CursorName], cancel);
        if (cursor is null)
        {
            cursor = new ProjectionCursor { Name = CursorName, Arrival = postgres ? -1 : 0 };
            db.Add(cursor);
        }

        var backfilling = cursor.Arrival == -1;
        List<T> events;
        if (sqlitePage is null) events = await NextPostgresPageAsync<T>(connection, tx, cursor);
        else if (cursor.Arrival != sqlitePage.From) return (0, true); // another process projected it meanwhile: read again
        else (events, cursor.Arrival) = (sqlitePage.Events, sqlitePage.Events.Count > 0 ? sqlitePage.Events[^1].Arrival : cursor.Arrival);
        await apply(connection, tx, events, cursor);
        await db.SaveChangesAsync(cancel);
        await transaction.CommitAsync(cancel);
        return (events.Count, events.Count == PageSize || backfilling);
    }

    /// <summary>
    /// The next page after the cursor, read outside any transaction: SQLite has one writer and rowids only grow, so
    /// an event committed later has a higher rowid than any read now.
    /// </summary>
    private async Task<SqlitePage<T>> ReadSqlitePageAsync<T>(LifecycleDb db, Func<DbConnection, Task<bool>> pendingChanges, CancellationToken cancel) where T : FedEvent
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancel);
        try
        {
            var from = await connection.ExecuteScalarAsync<long?>("SELECT arrival FROM report_projection_cursors WHERE name = @CursorName", new { CursorName }) ?? 0;
            var events = (await connection.QueryAsync<T>($"""
                SELECT rowid AS Arrival, {Columns} FROM {SqliteSource}
                WHERE {Filter} AND rowid > @from ORDER BY rowid LIMIT {PageSize}
                """, new { from })).ToList();
            return new SqlitePage<T>(from, events, await pendingChanges(connection));
        }
        finally { await db.Database.CloseConnectionAsync(); }
    }

    /// <summary>
    /// The rows of transactions that committed between the projected snapshot and the target one: those running
    /// or not yet started when the projected snapshot was taken, and visible now. A transaction still running
    /// delays only its own rows. Arrival -1: the rows from before arrivals were recorded, by messageId.
    /// The order names the table's columns: a bare "arrival" would be the select list's bigint alias, which no index
    /// is sorted by, so every page would read and sort all the rows after the cursor.
    /// </summary>
    private async Task<List<T>> NextPostgresPageAsync<T>(DbConnection connection, DbTransaction tx, ProjectionCursor cursor) where T : FedEvent
    {
        if (cursor.Arrival == -1)
        {
            var old = (await connection.QueryAsync<T>(
                $"SELECT CAST(-1 AS bigint) AS Arrival, {Columns} FROM events WHERE arrival IS NULL AND message_id > @MessageId AND {Filter} ORDER BY message_id LIMIT {PageSize}",
                new { cursor.MessageId }, tx)).ToList();
            if (old.Count > 0)
            {
                cursor.MessageId = old[^1].MessageId;
                return old;
            }
            (cursor.Arrival, cursor.MessageId) = (0, ""); // all read; from now on by arrival
        }
        cursor.Target ??= await connection.ExecuteScalarAsync<string>("SELECT pg_current_snapshot()::text", transaction: tx);
        var (xmax, running) = ParseSnapshot(cursor.Projected);
        // The position within the target only once a page has set one: beside `arrival >= xmax` the planner starts the
        // index scan at the row bound, so (0, '') read the whole index to find nothing (a second for the e-mail feed at 1M).
        var after = cursor.Arrival == 0 ? "" : "AND (arrival, message_id) > (@Arrival::text::xid8, @MessageId)";
        var events = (await connection.QueryAsync<T>($"""
            SELECT arrival::text::bigint AS Arrival, {Columns} FROM events
            WHERE (arrival >= @xmax::text::xid8 OR arrival = ANY(@running::text[]::xid8[]))
              AND pg_visible_in_snapshot(arrival, CAST(@Target AS pg_snapshot))
              {after} AND {Filter}
            ORDER BY events.arrival, events.message_id LIMIT {PageSize}
            """, new { xmax, running, cursor.Target, cursor.Arrival, cursor.MessageId }, tx)).ToList();
        if (events.Count == PageSize)
            (cursor.Arrival, cursor.MessageId) = (events[^1].Arrival, events[^1].MessageId);
        else
            (cursor.Projected, cursor.Target, cursor.Arrival, cursor.MessageId) = (cursor.Target!, null, 0, ""); // the target is reached
        return events;
    }

    /// <summary>The xmax and the running transactions of a pg_snapshot's text (xmin:xmax:xip,...).</summary>
    private static (long Xmax, long[] Running) ParseSnapshot(string snapshot)
    {
        var parts = snapshot.Split(':');
        return (long.Parse(parts[1], CultureInfo.InvariantCulture),
            parts[2].Length == 0 ? [] : parts[2].Split(',').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>The SQL condition for "applied by now", after this pass's page.</summary>
    public static (string Sql, object Parameters) Projected(bool postgres, ProjectionCursor cursor) =>
        !postgres ? ("rowid <= @Arrival", new { cursor.Arrival })
        : cursor.Arrival == -1 ? ("arrival IS NULL AND message_id <= @MessageId", new { cursor.MessageId })
        : cursor.Target is null ? ("(arrival IS NULL OR pg_visible_in_snapshot(arrival, CAST(@Projected AS pg_snapshot)))", new { cursor.Projected })
        : ("""
           (arrival IS NULL OR pg_visible_in_snapshot(arrival, CAST(@Projected AS pg_snapshot))
            OR (pg_visible_in_snapshot(arrival, CAST(@Target AS pg_snapshot)) AND (arrival, message_id) <= (@Arrival::text::xid8, @MessageId)))
           """, new { cursor.Projected, cursor.Target, cursor.Arrival, cursor.MessageId });

    /// <summary>A column among the list parameter @chunk: Dapper expands IN on SQLite; PostgreSQL takes the array.</summary>
    public static string In(DbConnection connection, string column) =>
        connection is Npgsql.NpgsqlConnection ? $"{column} = ANY(@chunk)" : $"{column} IN @chunk";
}
