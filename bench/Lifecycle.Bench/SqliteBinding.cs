using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Lifecycle.Bench;

/// <summary>
/// What a multi-row INSERT's size costs on SQLite: 60,000 rows of 11 text columns (the events table's width) written
/// in one transaction by one prepared statement of N rows, rebound for each statement, for several N. Prints the
/// process CPU per row, which a shared machine moves less than the wall time. Microsoft.Data.Sqlite binds each
/// parameter by name, and SQLite finds a name by a linear scan, so the cost per row grows with N.
/// </summary>
internal static class SqliteBinding
{
    public static int Run()
    {
        const int rows = 60_000, columns = 11;
        foreach (var perStatement in new[] { 1, 5, 10, 25, 50, 100, 200 })
        {
            var file = Path.Combine(Path.GetTempPath(), $"sqlite-binding-{perStatement}.db");
            File.Delete(file);
            using (var connection = new SqliteConnection($"Data Source={file};Pooling=False"))
            {
                connection.Open();
                using (var create = connection.CreateCommand())
                {
                    create.CommandText = $"CREATE TABLE t ({string.Join(",", Enumerable.Range(0, columns).Select(c => $"c{c} TEXT"))})";
                    create.ExecuteNonQuery();
                }
                using var transaction = connection.BeginTransaction();
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO t VALUES " + string.Join(",", Enumerable.Range(0, perStatement)
                    .Select(r => $"({string.Join(",", Enumerable.Range(0, columns).Select(c => $"$p{r}_{c}"))})"));
                for (var r = 0; r < perStatement; r++)
                    for (var c = 0; c < columns; c++) insert.Parameters.Add(new SqliteParameter($"$p{r}_{c}", ""));
                insert.Prepare();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                for (var done = 0; done < rows; done += perStatement)
                {
                    for (var p = 0; p < insert.Parameters.Count; p++) insert.Parameters[p].Value = $"value {done} {p}";
                    insert.ExecuteNonQuery();
                }
                transaction.Commit();
                cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                Console.WriteLine($"{perStatement,4} rows a statement: {cpu.TotalMicroseconds / rows,6:0.0} µs of CPU a row");
            }
            File.Delete(file);
        }
        return 0;
    }
}
