using System.Data.Common;
using Lifecycle.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Lifecycle.Scoring;

/// <summary>
/// Appends score changes by each engine's fast path, for a rescore that writes millions: binary COPY on PostgreSQL,
/// one prepared multi-row INSERT reused on SQLite. The worker's few rows a batch go through EF Core instead.
/// </summary>
public static class ScoreChangeStore
{
    private const string Columns = "contact_id, at, model_version, rule_id, kind, points, half_life_days, message_id";
    // Few rows a statement: SQLite binds named parameters at a cost that grows with the square of their number (EventStore).
    private const int SqliteRowsPerStatement = 5;
    private static readonly string[] KindNames = Enum.GetValues<ScoreKind>().Select(k => SnakeCase.Of(k.ToString())).ToArray();

    /// <param name="table">score_changes, or on PostgreSQL a version's build table (<see cref="ScorePartitions"/>).</param>
    public static async Task AppendAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<ScoreChange> changes, CancellationToken cancel,
        string table = "score_changes")
    {
        switch (connection)
        {
            case NpgsqlConnection postgres:
                await using (var copy = await postgres.BeginBinaryImportAsync($"COPY {table} ({Columns}) FROM STDIN (FORMAT BINARY)", cancel))
                {
                    foreach (var c in changes)
                    {
                        await copy.StartRowAsync(cancel);
                        await copy.WriteAsync(c.ContactId, NpgsqlDbType.Varchar, cancel);
                        await copy.WriteAsync(c.At, NpgsqlDbType.TimestampTz, cancel);
                        await copy.WriteAsync(c.ModelVersion, NpgsqlDbType.Integer, cancel);
                        await copy.WriteAsync(c.RuleId, NpgsqlDbType.Varchar, cancel);
                        await copy.WriteAsync(KindNames[(int)c.Kind], NpgsqlDbType.Varchar, cancel);
                        await copy.WriteAsync(c.Points, NpgsqlDbType.Integer, cancel);
                        if (c.HalfLifeDays is { } halfLife) await copy.WriteAsync(halfLife, NpgsqlDbType.Double, cancel);
                        else await copy.WriteNullAsync(cancel);
                        if (c.MessageId is { } id) await copy.WriteAsync(id, NpgsqlDbType.Varchar, cancel);
                        else await copy.WriteNullAsync(cancel);
                    }
                    await copy.CompleteAsync(cancel);
                }
                break;
            case SqliteConnection sqlite:
                AppendSqlite(sqlite, (SqliteTransaction)transaction!, changes);
                break;
            default:
                throw new NotSupportedException(connection.GetType().Name);
        }
    }

    private static void AppendSqlite(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<ScoreChange> changes)
    {
        SqliteCommand? full = null;
        try
        {
            for (var start = 0; start < changes.Count; start += SqliteRowsPerStatement)
            {
                var count = Math.Min(SqliteRowsPerStatement, changes.Count - start);
                var command = count == SqliteRowsPerStatement ? full ??= Prepare(connection, transaction, count) : Prepare(connection, transaction, count);
                for (var r = 0; r < count; r++)
                {
                    var c = changes[start + r];
                    var p = r * 8;
                    command.Parameters[p].Value = c.ContactId;
                    command.Parameters[p + 1].Value = Tracking.EventStore.SqliteInstant(c.At);
                    command.Parameters[p + 2].Value = c.ModelVersion;
                    command.Parameters[p + 3].Value = c.RuleId;
                    command.Parameters[p + 4].Value = KindNames[(int)c.Kind];
                    command.Parameters[p + 5].Value = c.Points;
                    command.Parameters[p + 6].Value = (object?)c.HalfLifeDays ?? DBNull.Value;
                    command.Parameters[p + 7].Value = (object?)c.MessageId ?? DBNull.Value;
                }
                command.ExecuteNonQuery();
                if (!ReferenceEquals(command, full)) command.Dispose();
            }
        }
        finally
        {
            full?.Dispose();
        }
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, int rows)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var values = string.Join(",", Enumerable.Range(0, rows).Select(r => "(" + string.Join(",", Enumerable.Range(0, 8).Select(c => $"$p{r}_{c}")) + ")"));
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < 8; c++) command.Parameters.Add(new SqliteParameter($"$p{r}_{c}", DBNull.Value));
        command.CommandText = $"INSERT INTO score_changes ({Columns}) VALUES {values}";
        command.Prepare();
        return command;
    }
}
