using System.Data.Common;
using System.Globalization;
using Lifecycle.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Lifecycle.Tracking;

/// <summary>One event row as written; the columns of the events table.</summary>
public sealed record EventRow(
    string MessageId, string Type, string? Name, string? ContactId, string? UserId, string? AnonymousId,
    string? GroupId, DateTime Timestamp, DateTime ReceivedAt, TimestampFlag Flag, string Payload);

/// <summary>
/// Writes events that are not stored yet (by messageId), inside the caller's transaction, by the fastest plain
/// path of each engine: prepared multi-row INSERTs on SQLite; on PostgreSQL array parameters (unnest) for small
/// batches and binary COPY through a staging table for large ones. The one place where the engines differ.
/// </summary>
public static class EventStore
{
    private static readonly string[] Columns =
        ["message_id", "type", "name", "contact_id", "user_id", "anonymous_id", "group_id", "timestamp", "received_at", "flag", "payload"];
    // SQLite looks each named parameter up by a linear scan of the statement's names, so binding costs grow with the
    // square of the parameters: 5 rows (55 parameters) a statement cost 5 µs of CPU a row, 200 rows 41 µs
    // (`Lifecycle.Bench sqlite-binding`, BENCHMARKS.md).
    private const int SqliteRowsPerStatement = 5;
    private const int CopyThreshold = 5_000;
    // Below this a savepoint and a COPY cost more round trips than one INSERT … SELECT unnest.
    private const int DirectCopyThreshold = 500;

    /// <param name="insertedIds">When given, receives the messageIds that were new (the others were stored before).</param>
    /// <param name="likelyNew">The caller expects no stored messageId among the rows (a first import):
    /// batches on PostgreSQL then COPY straight into the table, and fall back to the staging path only if one was
    /// stored or repeated.</param>
    /// <returns>How many rows were new.</returns>
    public static Task<int> InsertNewAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventRow> rows,
        CancellationToken cancel, HashSet<string>? insertedIds = null, bool likelyNew = false) =>
        connection switch
        {
            SqliteConnection sqlite => Task.FromResult(InsertSqlite(sqlite, (SqliteTransaction)transaction, rows, insertedIds)),
            NpgsqlConnection postgres when rows.Count >= DirectCopyThreshold && likelyNew => CopyDirectOrStagedAsync(postgres, rows, insertedIds, cancel),
            NpgsqlConnection postgres when rows.Count >= CopyThreshold => CopyPostgresAsync(postgres, rows, insertedIds, cancel),
            NpgsqlConnection postgres => InsertPostgresAsync(postgres, rows, insertedIds, cancel),
            _ => throw new NotSupportedException(connection.GetType().Name),
        };

    private static string Returning(HashSet<string>? insertedIds) => insertedIds is null ? "" : " RETURNING message_id";

    private static async Task<int> ExecuteAsync(DbCommand command, HashSet<string>? insertedIds, CancellationToken cancel)
    {
        if (insertedIds is null) return await command.ExecuteNonQueryAsync(cancel);
        var count = 0;
        await using var reader = await command.ExecuteReaderAsync(cancel);
        while (await reader.ReadAsync(cancel))
        {
            insertedIds.Add(reader.GetString(0));
            count++;
        }
        return count;
    }

    /// <summary>
    /// Writes several requests' rows on SQLite in the caller's transaction, reusing one prepared statement per row
    /// count across them (live tracking groups many requests of the same size into one commit).
    /// </summary>
    /// <returns>How many rows of each request were new.</returns>
    public static int[] InsertNewSqlite(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<IReadOnlyList<EventRow>> requests)
    {
        var prepared = new Dictionary<int, SqliteCommand>();
        try
        {
            return requests.Select(rows => InsertSqlite(connection, transaction, rows, null, prepared)).ToArray();
        }
        finally
        {
            foreach (var command in prepared.Values) command.Dispose();
        }
    }

    private static int InsertSqlite(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<EventRow> rows, HashSet<string>? insertedIds)
    {
        var prepared = new Dictionary<int, SqliteCommand>();
        try
        {
            return InsertSqlite(connection, transaction, rows, insertedIds, prepared);
        }
        finally
        {
            foreach (var command in prepared.Values) command.Dispose();
        }
    }

    private static int InsertSqlite(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<EventRow> rows, HashSet<string>? insertedIds,
        Dictionary<int, SqliteCommand> prepared)
    {
        var inserted = 0;
        for (var start = 0; start < rows.Count; start += SqliteRowsPerStatement)
        {
            var count = Math.Min(SqliteRowsPerStatement, rows.Count - start);
            if (!prepared.TryGetValue(count, out var command)) prepared[count] = command = PrepareSqlite(connection, transaction, count, insertedIds);
            var parameters = command.Parameters;
            for (var r = 0; r < count; r++)
            {
                var row = rows[start + r];
                var p = r * Columns.Length;
                parameters[p].Value = row.MessageId;
                parameters[p + 1].Value = row.Type;
                parameters[p + 2].Value = (object?)row.Name ?? DBNull.Value;
                parameters[p + 3].Value = (object?)row.ContactId ?? DBNull.Value;
                parameters[p + 4].Value = (object?)row.UserId ?? DBNull.Value;
                parameters[p + 5].Value = (object?)row.AnonymousId ?? DBNull.Value;
                parameters[p + 6].Value = (object?)row.GroupId ?? DBNull.Value;
                parameters[p + 7].Value = SqliteInstant(row.Timestamp);
                parameters[p + 8].Value = SqliteInstant(row.ReceivedAt);
                parameters[p + 9].Value = FlagNames[(int)row.Flag];
                parameters[p + 10].Value = row.Payload;
            }
            // SQLite runs synchronously; the async wrapper completes at once.
            inserted += ExecuteAsync(command, insertedIds, CancellationToken.None).GetAwaiter().GetResult();
        }
        return inserted;
    }

    private static SqliteCommand PrepareSqlite(SqliteConnection connection, SqliteTransaction transaction, int count, HashSet<string>? insertedIds)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var values = new System.Text.StringBuilder();
        for (var r = 0; r < count; r++)
        {
            values.Append(r == 0 ? "(" : ",(");
            for (var c = 0; c < Columns.Length; c++)
            {
                var name = $"$p{r}_{c}";
                values.Append(c == 0 ? name : "," + name);
                command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
            }
            values.Append(')');
        }
        command.CommandText = $"INSERT INTO events ({string.Join(",", Columns)}) VALUES {values} ON CONFLICT (message_id) DO NOTHING{Returning(insertedIds)}";
        command.Prepare();
        return command;
    }

    /// <summary>EF Core's SQLite text form of a DateTime, so EF and raw SQL read and compare the same values.</summary>
    public static string SqliteInstant(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    private static async Task<int> InsertPostgresAsync(NpgsqlConnection connection, IReadOnlyList<EventRow> rows, HashSet<string>? insertedIds, CancellationToken cancel)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO events ({string.Join(",", Columns)})
            SELECT * FROM unnest(@message_id, @type, @name, @contact_id, @user_id, @anonymous_id, @group_id, @timestamp, @received_at, @flag, @payload)
            ON CONFLICT (message_id) DO NOTHING{Returning(insertedIds)}
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]>("message_id", rows.Select(r => r.MessageId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("type", rows.Select(r => r.Type).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("name", rows.Select(r => r.Name).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("contact_id", rows.Select(r => r.ContactId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("user_id", rows.Select(r => r.UserId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("anonymous_id", rows.Select(r => r.AnonymousId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("group_id", rows.Select(r => r.GroupId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("timestamp", rows.Select(r => r.Timestamp).ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("received_at", rows.Select(r => r.ReceivedAt).ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string[]>("flag", rows.Select(r => SnakeCase.Of(r.Flag.ToString())).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("payload", rows.Select(r => r.Payload).ToArray()));
        return await ExecuteAsync(command, insertedIds, cancel);
    }

    /// <summary>
    /// COPY straight into the table, with no savepoint: the fastest write, for a caller that expects every row to be
    /// new. A stored or repeated messageId raises a unique violation that aborts the caller's whole transaction;
    /// the caller then redoes it with <see cref="InsertNewAsync"/>.
    /// </summary>
    public static Task CopyAllNewAsync(NpgsqlConnection connection, IReadOnlyList<EventRow> rows, CancellationToken cancel) =>
        CopyAsync(connection, "events", rows, cancel);

    /// <summary>COPY into the table itself under a savepoint; a duplicate messageId undoes it and takes the staging path.</summary>
    private static async Task<int> CopyDirectOrStagedAsync(NpgsqlConnection connection, IReadOnlyList<EventRow> rows,
        HashSet<string>? insertedIds, CancellationToken cancel)
    {
        await Execute(connection, "SAVEPOINT events_copy", cancel);
        try
        {
            await CopyAsync(connection, "events", rows, cancel);
            await Execute(connection, "RELEASE SAVEPOINT events_copy", cancel);
            insertedIds?.UnionWith(rows.Select(r => r.MessageId));
            return rows.Count;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await Execute(connection, "ROLLBACK TO SAVEPOINT events_copy", cancel);
            return await CopyPostgresAsync(connection, rows, insertedIds, cancel);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancel)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancel);
    }

    private static async Task<int> CopyPostgresAsync(NpgsqlConnection connection, IReadOnlyList<EventRow> rows, HashSet<string>? insertedIds, CancellationToken cancel)
    {
        await Execute(connection, "CREATE TEMP TABLE IF NOT EXISTS events_staging (LIKE events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS", cancel);
        await CopyAsync(connection, "events_staging", rows, cancel);
        // A messageId repeated inside the batch conflicts with its first copy and is skipped like any stored one.
        // Named columns: the columns this code does not write (arrival) take the table's own defaults.
        var columns = string.Join(",", Columns);
        await using var insert = new NpgsqlCommand(
            $"INSERT INTO events ({columns}) SELECT {columns} FROM events_staging ON CONFLICT (message_id) DO NOTHING{Returning(insertedIds)}", connection);
        var inserted = await ExecuteAsync(insert, insertedIds, cancel);
        await Execute(connection, "TRUNCATE events_staging", cancel);
        return inserted;
    }

    /// <summary>
    /// Binary COPY of the rows. Written synchronously: the caller is one writer at a time, and a profile of the
    /// tracking path showed the per-field async calls (a state machine and a cancellation-timer lock per flush)
    /// costing more than the rows themselves.
    /// </summary>
    private static Task CopyAsync(NpgsqlConnection connection, string table, IReadOnlyList<EventRow> rows, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        using (var copy = connection.BeginBinaryImport($"COPY {table} ({string.Join(",", Columns)}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in rows)
            {
                copy.StartRow();
                copy.Write(row.MessageId, NpgsqlDbType.Varchar);
                copy.Write(row.Type, NpgsqlDbType.Text);
                WriteText(copy, row.Name);
                WriteText(copy, row.ContactId);
                WriteText(copy, row.UserId);
                WriteText(copy, row.AnonymousId);
                WriteText(copy, row.GroupId);
                copy.Write(row.Timestamp, NpgsqlDbType.TimestampTz);
                copy.Write(row.ReceivedAt, NpgsqlDbType.TimestampTz);
                copy.Write(FlagNames[(int)row.Flag], NpgsqlDbType.Text);
                copy.Write(row.Payload, NpgsqlDbType.Text);
            }
            copy.Complete();
        }
        return Task.CompletedTask;
    }

    private static readonly string[] FlagNames = Enum.GetValues<TimestampFlag>().Select(f => SnakeCase.Of(f.ToString())).ToArray();

    private static void WriteText(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null) copy.WriteNull();
        else copy.Write(value, NpgsqlDbType.Text);
    }

}
