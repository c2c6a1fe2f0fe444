using Lifecycle.Storage;
using Npgsql;

namespace Lifecycle.Tests.Support;

/// <summary>
/// A throwaway database on one engine: a temp SQLite file, or a fresh database on the PostgreSQL server that
/// test.sh starts (LIFECYCLE_TEST_POSTGRES). Storage tests run on both via <see cref="Engines"/>.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _sqliteFile;
    private readonly string? _postgresName;

    private TestDatabase(Database database, string? sqliteFile, string? postgresName)
    {
        Database = database;
        _sqliteFile = sqliteFile;
        _postgresName = postgresName;
    }

    public Database Database { get; }

    public static async Task<TestDatabase> CreateAsync(string engine)
    {
        TestDatabase created;
        if (engine == "sqlite")
        {
            var file = Path.Combine(Path.GetTempPath(), $"lifecycle-test-{Guid.NewGuid():N}.db");
            created = new TestDatabase(Database.Parse(file), file, null);
        }
        else
        {
            var server = PostgresServer();
            var name = $"t_{Guid.NewGuid():N}";
            await using (var connection = new NpgsqlConnection(server))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await command.ExecuteNonQueryAsync();
            }
            var builder = new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = false };
            created = new TestDatabase(Database.Parse(builder.ConnectionString), null, name);
        }
        await created.Database.MigrateAsync();
        return created;
    }

    public static string PostgresServer() =>
        Environment.GetEnvironmentVariable("LIFECYCLE_TEST_POSTGRES") is { Length: > 0 } server
            ? server
            : throw new InvalidOperationException(
                "LIFECYCLE_TEST_POSTGRES is not set. Run the tests with ./test.sh, which installs and starts PostgreSQL.");

    public async ValueTask DisposeAsync()
    {
        if (_sqliteFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                File.Delete(_sqliteFile + suffix);
        }
        if (_postgresName is not null)
        {
            await using var connection = new NpgsqlConnection(PostgresServer());
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>Theory data: every storage test body runs once per engine.</summary>
public sealed class Engines : TheoryData<string>
{
    public Engines()
    {
        Add("sqlite");
        Add("postgres");
    }
}
