using System.Diagnostics;
using System.Text.Json;
using Lifecycle.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Lifecycle.Bench;

/// <summary>
/// The baseline of the import benchmark: the same event rows, already parsed in memory, written by the plainest
/// fast path of each engine into the same migrated `events` table (same indexes): one prepared multi-row INSERT
/// reused in one transaction on SQLite, binary COPY on PostgreSQL. No dedup, no validation, no JSON parsing.
/// </summary>
internal static class PlainEventWrite
{
    private sealed record Row(string MessageId, string Type, string? Name, string? UserId, string? AnonymousId,
        string? GroupId, DateTime Timestamp, string Payload);

    public static async Task<int> RunAsync(string folder, string db)
    {
        var rows = ReadRows(Path.Combine(folder, "events.jsonl"));
        var database = Database.Parse(db);
        await database.MigrateAsync();
        var clock = Stopwatch.StartNew();
        if (database.Engine == DatabaseEngine.Sqlite) WriteSqlite(database, rows);
        else await WritePostgresAsync(database, rows);
        clock.Stop();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            engine = database.Engine.ToString(),
            events = rows.Count,
            seconds = clock.Elapsed.TotalSeconds,
            events_per_second = rows.Count / clock.Elapsed.TotalSeconds,
        }));
        return 0;
    }

    private static List<Row> ReadRows(string file)
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadLines(file))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var type = Text("type")!;
            rows.Add(new Row(Text("messageId")!, type, type == "track" ? Text("event") : type == "page" ? "Page Viewed" : null,
                Text("userId"), Text("anonymousId"), Text("groupId"),
                DateTimeOffset.Parse(Text("timestamp") ?? Text("originalTimestamp")!).UtcDateTime, line));
        }
        return rows;
    }

    private const int RowsPerStatement = 5; // as EventStore: binding costs grow with the square of a statement's parameters
    private static readonly string[] Columns = ["message_id", "type", "name", "contact_id", "user_id", "anonymous_id", "group_id", "timestamp", "received_at", "payload"];

    private static void WriteSqlite(Database database, List<Row> rows)
    {
        using var connection = new SqliteConnection(database.ConnectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        SqliteCommand Prepare(int count)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            var values = Enumerable.Range(0, count).Select(r => "(" + string.Join(",", Columns.Select((_, c) => $"$p{r}_{c}")) + ")");
            command.CommandText = $"INSERT INTO events ({string.Join(",", Columns)}) VALUES {string.Join(",", values)}";
            for (var r = 0; r < count; r++)
                for (var c = 0; c < Columns.Length; c++)
                    command.Parameters.Add(new SqliteParameter($"$p{r}_{c}", DBNull.Value));
            command.Prepare();
            return command;
        }
        var full = Prepare(RowsPerStatement);
        var now = DateTime.UtcNow;
        for (var start = 0; start < rows.Count; start += RowsPerStatement)
        {
            var count = Math.Min(RowsPerStatement, rows.Count - start);
            var command = count == RowsPerStatement ? full : Prepare(count);
            for (var r = 0; r < count; r++)
            {
                var row = rows[start + r];
                object?[] values = [row.MessageId, row.Type, row.Name, row.UserId, row.UserId, row.AnonymousId, row.GroupId,
                    row.Timestamp.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF"), now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF"), row.Payload];
                for (var c = 0; c < values.Length; c++) command.Parameters[r * Columns.Length + c].Value = values[c] ?? DBNull.Value;
            }
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static async Task WritePostgresAsync(Database database, List<Row> rows)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var now = DateTime.UtcNow;
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY events ({string.Join(",", Columns)}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(row.MessageId, NpgsqlDbType.Varchar);
                await copy.WriteAsync(row.Type, NpgsqlDbType.Text);
                await WriteNullable(copy, row.Name);
                await WriteNullable(copy, row.UserId);
                await WriteNullable(copy, row.UserId);
                await WriteNullable(copy, row.AnonymousId);
                await WriteNullable(copy, row.GroupId);
                await copy.WriteAsync(row.Timestamp, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(row.Payload, NpgsqlDbType.Text);
            }
            await copy.CompleteAsync();
        }
        await transaction.CommitAsync();
    }

    private static Task WriteNullable(NpgsqlBinaryImporter copy, string? value) =>
        value is null ? copy.WriteNullAsync() : copy.WriteAsync(value, NpgsqlDbType.Text);
}
