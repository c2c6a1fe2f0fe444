using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Design;

namespace Lifecycle.Storage;

/// <summary>
/// Where the data lives. A PostgreSQL connection string (keywords with Host=, or a postgres:// URL) selects
/// PostgreSQL; anything else is a SQLite file, by default data/lifecycle.db under the working directory.
/// </summary>
public sealed record Database(DatabaseEngine Engine, string ConnectionString)
{
    public const string DefaultSqlitePath = "data/lifecycle.db";

    /// <summary>The workspace time zone (the server sets it from Lifecycle:Workspace:TimeZone), for rules that count
    /// local days inside a unit of work, such as the sales SLA's business days.</summary>
    public TimeZoneInfo WorkspaceZone { get; init; } = TimeZoneInfo.Utc;

    public static Database Parse(string? connection)
    {
        if (string.IsNullOrWhiteSpace(connection)) connection = DefaultSqlitePath;
        connection = connection.Trim();
        if (connection.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            connection.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return new Database(DatabaseEngine.Postgres, FromUrl(new Uri(connection)));
        if (connection.Contains("Host=", StringComparison.OrdinalIgnoreCase))
            return new Database(DatabaseEngine.Postgres, connection);
        var sqlite = connection.Contains('=') ? connection : $"Data Source={connection}";
        return new Database(DatabaseEngine.Sqlite, sqlite);
    }

    /// <summary>Opens a context on this database. The caller disposes it.</summary>
    public LifecycleDb Open()
    {
        if (Engine == DatabaseEngine.Postgres)
        {
            var options = new DbContextOptionsBuilder<PostgresLifecycleDb>().UseNpgsql(ConnectionString).Options;
            return new PostgresLifecycleDb(options) { WorkspaceZone = WorkspaceZone };
        }
        EnsureSqliteFolder();
        var sqliteOptions = new DbContextOptionsBuilder<SqliteLifecycleDb>().UseSqlite(ConnectionString).AddInterceptors(SqliteReadMap.Instance).Options;
        return new SqliteLifecycleDb(sqliteOptions) { WorkspaceZone = WorkspaceZone };
    }

    /// <summary>Brings the schema up to date. Idempotent; safe at every start.</summary>
    public async Task MigrateAsync(CancellationToken cancel = default)
    {
        await using var db = Open();
        db.Database.SetCommandTimeout(0); // a migration that rewrites a large table takes minutes
        await db.Database.MigrateAsync(cancel);
        if (Engine == DatabaseEngine.Sqlite)
        {
            // WAL lets readers (reports, the dashboard) run while a writer (import, tracking) commits.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancel);
        }
    }

    public string Describe() => Engine == DatabaseEngine.Postgres
        ? $"PostgreSQL ({new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Password = null }.ConnectionString})"
        : $"SQLite ({new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource})";

    private void EnsureSqliteFolder()
    {
        var path = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder) && path != ":memory:") Directory.CreateDirectory(folder);
    }

    /// <summary>
    /// SQLite reads the file through a memory map (up to 2 GiB): reports read large parts of it, and each page read
    /// through SQLite's small per-connection cache otherwise costs a system call and a copy. The setting stays with the
    /// pooled connection; setting it again on each open costs microseconds.
    /// </summary>
    private sealed class SqliteReadMap : DbConnectionInterceptor
    {
        public static readonly SqliteReadMap Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Map(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancel = default)
        {
            Map(connection);
            return Task.CompletedTask;
        }

        private static void Map(DbConnection connection)
        {
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA mmap_size = 2147483648";
            pragma.ExecuteNonQuery();
        }
    }

    private static string FromUrl(Uri url)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = url.Host,
            Port = url.IsDefaultPort || url.Port <= 0 ? 5432 : url.Port,
            Database = url.AbsolutePath.Trim('/'),
        };
        var userInfo = url.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0) builder.Username = Uri.UnescapeDataString(userInfo[0]);
        if (userInfo.Length > 1) builder.Password = Uri.UnescapeDataString(userInfo[1]);
        return builder.ConnectionString;
    }
}

/// <summary>Lets `dotnet ef migrations add … --context SqliteLifecycleDb` build the model without a server.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteLifecycleDb>
{
    public SqliteLifecycleDb CreateDbContext(string[] args) =>
        (SqliteLifecycleDb)Database.Parse("design-time.db").Open();
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresLifecycleDb>
{
    public PostgresLifecycleDb CreateDbContext(string[] args) =>
        (PostgresLifecycleDb)Database.Parse("Host=localhost;Database=lifecycle").Open();
}
