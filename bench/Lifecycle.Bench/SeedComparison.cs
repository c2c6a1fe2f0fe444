using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Lifecycle.Reports;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Bench;

/// <summary>
/// `seed compare`: whether two databases of one engine hold the same data. Each database is first caught up with
/// the traffic projection, as any report would do. Then, for every table, the row count and a SHA-256 of its rows
/// in a canonical order (sorted by every compared column; SQLite's rowid included, so rows were also inserted in the
/// same order); and the schema objects: SQLite's sqlite_master without root pages, PostgreSQL's columns, indexes,
/// triggers with their enabled state, and sequences' last values. On a difference the first differing row is shown.
/// </summary>
internal static class SeedComparison
{
    /// <summary>A column left out of the comparison, and why no two loads can agree on it.</summary>
    private sealed record Ignored(string Table, string Column, bool PostgresOnly, string Why);

    private static readonly Ignored[] IgnoredColumns =
    [
        new("events", "received_at", false, "the loading clock's now"),
        new("events", "arrival", true, "the id of the transaction that wrote the row"),
        new("consents", "at", false, "an imported consent is recorded at the loading clock's now"),
        // The import's INSERT … SELECT numbers consents in the order a sequential scan meets the contacts: where
        // PostgreSQL placed their rows in the heap, which depends on how they were written (row by row or COPY).
        new("consents", "id", true, "numbered in the heap order of the contacts"),
        new("report_projection_cursors", "projected", true, "a snapshot of transaction ids"),
    ];

    public static async Task<int> RunAsync(string imported, string seeded)
    {
        var databases = new[] { Database.Parse(imported), Database.Parse(seeded) };
        if (databases[0].Engine != databases[1].Engine)
        {
            Console.Error.WriteLine("seed compare: both databases must be of one engine");
            return 1;
        }
        foreach (var database in databases)
        {
            await using var db = database.Open();
            Console.WriteLine($"{database.Describe()}: traffic projection caught up ({await TrafficProjection.CatchUpAsync(db):N0} page views read)");
            Console.WriteLine($"{database.Describe()}: e-mail projection caught up ({await EmailProjection.CatchUpAsync(db):N0} e-mail events read)");
        }

        await using var left = databases[0].Open();
        await using var right = databases[1].Open();
        await left.Database.OpenConnectionAsync();
        await right.Database.OpenConnectionAsync();
        var (a, b) = (left.Database.GetDbConnection(), right.Database.GetDbConnection());
        var postgres = databases[0].Engine == DatabaseEngine.Postgres;
        var sources = await SourcesAsync(a, postgres);
        if (!sources.Select(s => s.Name).SequenceEqual((await SourcesAsync(b, postgres)).Select(s => s.Name)))
        {
            Console.WriteLine("different tables or columns");
            return 1;
        }

        var differences = 0;
        Console.WriteLine($"{"table",-40} {"rows (imported)",16} {"rows (seeded)",16}  sha-256 of the rows");
        foreach (var (name, sql) in sources)
        {
            var (countA, hashA) = await FingerprintAsync(a, sql);
            var (countB, hashB) = await FingerprintAsync(b, sql);
            var same = countA == countB && hashA == hashB;
            Console.WriteLine($"{name,-40} {countA,16:N0} {countB,16:N0}  {(same ? hashA[..16] : "DIFFERENT")}");
            if (same) continue;
            differences++;
            await ShowFirstDifferenceAsync(a, b, sql);
        }
        Console.WriteLine(differences == 0 ? "same: every table and schema object" : $"{differences} tables differ");
        foreach (var ignored in IgnoredColumns.Where(i => postgres || !i.PostgresOnly))
            Console.WriteLine($"not compared: {ignored.Table}.{ignored.Column} ({ignored.Why})");
        return differences == 0 ? 0 : 1;
    }

    /// <summary>Every table and schema catalog as a name and a query of its rows in canonical order.</summary>
    private static async Task<List<(string Name, string Sql)>> SourcesAsync(DbConnection connection, bool postgres)
    {
        var sources = new List<(string Name, string Sql)>();
        var tables = postgres
            ? await connection.QueryAsync<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1")
            : await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1");
        foreach (var table in tables)
        {
            var columns = (postgres
                    ? await connection.QueryAsync<string>("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table ORDER BY ordinal_position", new { table })
                    : await connection.QueryAsync<string>("SELECT name FROM pragma_table_info(@table) ORDER BY cid", new { table }))
                .Except(IgnoredColumns.Where(i => i.Table == table && (postgres || !i.PostgresOnly)).Select(i => i.Column))
                .Select(c => $"\"{c}\"").ToList();
            var definition = postgres ? null : await connection.ExecuteScalarAsync<string?>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = @table", new { table });
            if (!postgres && definition?.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase) != true) columns.Insert(0, "rowid");
            sources.Add(($"{table} ({columns.Count} columns)", Ordered($"\"{table}\"", columns, postgres)));
        }
        if (postgres)
        {
            sources.Add(("[columns]", Ordered("information_schema.columns WHERE table_schema = current_schema()",
                ["table_name", "column_name", "data_type", "column_default", "is_nullable"], postgres)));
            sources.Add(("[indexes]", Ordered("pg_indexes WHERE schemaname = current_schema()", ["tablename", "indexname", "indexdef"], postgres)));
            sources.Add(("[triggers]", Ordered("pg_trigger WHERE NOT tgisinternal", ["tgrelid::regclass", "tgname", "tgenabled"], postgres)));
            sources.Add(("[sequences]", Ordered("pg_sequences WHERE schemaname = current_schema()", ["sequencename", "last_value"], postgres)));
        }
        else sources.Add(("[sqlite_master]", Ordered("sqlite_master", ["type", "name", "tbl_name", "sql"], postgres)));
        return sources;
    }

    /// <summary>PostgreSQL gives every value as text (ordered as text, so any type sorts); SQLite's values keep their storage class.</summary>
    private static string Ordered(string from, List<string> columns, bool postgres)
    {
        var selected = postgres ? columns.Select(c => $"CAST({c} AS text)") : columns;
        return $"SELECT {string.Join(", ", selected)} FROM {from} ORDER BY {string.Join(", ", Enumerable.Range(1, columns.Count))}";
    }

    private static async Task<(long Count, string Hash)> FingerprintAsync(DbConnection connection, string sql)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long count = 0;
        await foreach (var row in RowsAsync(connection, sql))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(row));
            count++;
        }
        return (count, Convert.ToHexString(hash.GetHashAndReset()));
    }

    private static async Task ShowFirstDifferenceAsync(DbConnection a, DbConnection b, string sql)
    {
        await using var left = RowsAsync(a, sql).GetAsyncEnumerator();
        await using var right = RowsAsync(b, sql).GetAsyncEnumerator();
        for (var index = 0; ; index++)
        {
            var (hasLeft, hasRight) = (await left.MoveNextAsync(), await right.MoveNextAsync());
            if (!hasLeft && !hasRight) return;
            var (l, r) = (hasLeft ? left.Current : "(none)", hasRight ? right.Current : "(none)");
            if (l == r) continue;
            Console.WriteLine($"  first difference, row {index + 1:N0} in order:\n    imported: {Shown(l)}\n    seeded:   {Shown(r)}");
            return;
        }
    }

    private static string Shown(string row) => (row.Length > 400 ? row[..400] + "…" : row).Replace('\u001f', '|').Replace("\u001e", "");

    /// <summary>Each row as one string: values joined by unit separators, a null distinct from any text.</summary>
    private static async IAsyncEnumerable<string> RowsAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var row = new StringBuilder();
        while (await reader.ReadAsync())
        {
            row.Clear();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var value = reader.GetValue(i);
                row.Append(value is DBNull ? "\u0000null" : $"{value.GetType().Name}:{Convert.ToString(value, CultureInfo.InvariantCulture)}").Append('\u001f');
            }
            yield return row.Append('\u001e').ToString();
        }
    }
}
