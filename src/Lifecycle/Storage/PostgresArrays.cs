using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Lifecycle.Storage;

/// <summary>
/// Many rows in one PostgreSQL statement: each column goes as a typed array parameter, and the SQL reads the rows back
/// with unnest(...). One round trip instead of one statement a row (Dapper's list execution).
/// </summary>
public static class PostgresArrays
{
    public static async Task<int> ExecuteAsync<T>(DbConnection connection, DbTransaction tx, string sql, IReadOnlyList<T> rows,
        params (string Name, NpgsqlDbType Type, Func<T, object?> Column)[] columns)
    {
        await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)connection, (NpgsqlTransaction)tx);
        // Typed: Npgsql cannot infer timestamptz for an array of nullable instants.
        foreach (var (name, type, column) in columns)
            command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = rows.Select(r => column(r) ?? DBNull.Value).ToArray() });
        return await command.ExecuteNonQueryAsync();
    }
}
