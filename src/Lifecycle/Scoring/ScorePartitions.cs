using Dapper;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lifecycle.Scoring;

/// <summary>
/// On PostgreSQL, score_changes is partitioned by model version: each version's rows live in score_changes_v{n}, and
/// rows of a version without a partition of its own in score_changes_other. So a full recompute can write its
/// millions of rows into a new table without indexes, build the indexes once at the end (several times cheaper than
/// maintaining them row by row), and swap that table in for the version's partition; and an old version's rows go
/// with one DROP. SQLite keeps one table.
/// </summary>
public static class ScorePartitions
{
    public static string Partition(int version) => $"score_changes_v{version}";
    public static string BuildTable(int version) => $"score_changes_build_v{version}";

    /// <summary>
    /// Gives a new version its partition, in the caller's transaction, before the version's first row. Rows a version
    /// had before it was created (written for a number no model had yet) move from score_changes_other into it.
    /// </summary>
    public static async Task CreateAsync(LifecycleDb db, int version, CancellationToken cancel)
    {
        // The whole table first: creating a partition needs it, and concurrent creators of one version queue here.
        await db.Database.ExecuteSqlRawAsync("LOCK TABLE score_changes IN ACCESS EXCLUSIVE MODE", cancel);
        var partition = Partition(version);
        // Only the version number (an int) is written into the SQL.
        var create = $"""
            DO $$
            BEGIN
                IF to_regclass('{partition}') IS NULL THEN
                    CREATE TEMP TABLE score_changes_moved ON COMMIT DROP AS
                        WITH moved AS (DELETE FROM score_changes_other WHERE model_version = {version} RETURNING *) SELECT * FROM moved;
                    CREATE TABLE {partition} PARTITION OF score_changes FOR VALUES IN ({version});
                    INSERT INTO score_changes SELECT * FROM score_changes_moved;
                END IF;
            END $$;
            """;
        await db.Database.ExecuteSqlRawAsync(create, cancel);
    }

    /// <summary>A fresh, unindexed table shaped like score_changes (ids from its sequence) to write a version's rows into.</summary>
    public static async Task StartBuildAsync(NpgsqlConnection connection, int version, CancellationToken cancel)
    {
        var build = BuildTable(version);
        await connection.ExecuteAsync(new CommandDefinition(
            $"DROP TABLE IF EXISTS {build}; CREATE TABLE {build} (LIKE score_changes INCLUDING DEFAULTS)", cancellationToken: cancel));
    }

    /// <summary>Drops a build that failed half-way.</summary>
    public static Task DropBuildAsync(NpgsqlConnection connection, int version) =>
        connection.ExecuteAsync($"DROP TABLE IF EXISTS {BuildTable(version)}");

    /// <summary>
    /// Indexes the build table as the partitioned table's indexes require. Then, in one transaction, moves the
    /// version's rows of <paramref name="carried"/> rules and of programs into it, drops the version's old partition
    /// and attaches the build table in its place. The version's CHECK constraint spares the attach a scan.
    /// </summary>
    public static async Task SwapInAsync(NpgsqlConnection connection, int version, string[] carried, CancellationToken cancel)
    {
        var build = BuildTable(version);
        var partition = Partition(version);
        await using (var indexing = await connection.BeginTransactionAsync(cancel))
        {
            await connection.ExecuteAsync(new CommandDefinition($"""
                SET LOCAL maintenance_work_mem = '512MB';
                CREATE INDEX {build}_contact_id_model_version_at_idx ON {build} (contact_id, model_version, at);
                CREATE INDEX {build}_model_version_at_idx ON {build} (model_version, at);
                ALTER TABLE {build} ADD CONSTRAINT {build}_pkey PRIMARY KEY (id, model_version),
                    ADD CONSTRAINT {build}_model_version_check CHECK (model_version = {version});
                """, transaction: indexing, cancellationToken: cancel, commandTimeout: 0));
            await indexing.CommitAsync(cancel);
        }
        await using var swap = await connection.BeginTransactionAsync(cancel);
        // The whole table first: the drop and the attach need it, and taking it at once cannot deadlock with a reader.
        await connection.ExecuteAsync(new CommandDefinition("LOCK TABLE score_changes IN ACCESS EXCLUSIVE MODE", transaction: swap, cancellationToken: cancel));
        var own = await ExistsAsync(connection, partition, cancel);
        var source = own ? partition : "score_changes_other";
        await connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO {build} SELECT * FROM {source} WHERE model_version = {version} AND (rule_id = ANY(@carried) OR starts_with(rule_id, @program))",
            new { carried, program = ScoreChange.ProgramRulePrefix },
            transaction: swap, cancellationToken: cancel, commandTimeout: 0));
        await connection.ExecuteAsync(new CommandDefinition(own
                ? $"DROP TABLE {partition}"
                : $"DELETE FROM score_changes_other WHERE model_version = {version}",
            transaction: swap, cancellationToken: cancel, commandTimeout: 0));
        await connection.ExecuteAsync(new CommandDefinition(
            // The names PostgreSQL gives a partition's own indexes, so a swapped-in partition looks like a created one.
            $"""
            ALTER TABLE {build} RENAME TO {partition};
            ALTER INDEX {build}_contact_id_model_version_at_idx RENAME TO {partition}_contact_id_model_version_at_idx;
            ALTER INDEX {build}_model_version_at_idx RENAME TO {partition}_model_version_at_idx;
            ALTER TABLE {partition} RENAME CONSTRAINT {build}_pkey TO {partition}_pkey;
            ALTER TABLE {partition} RENAME CONSTRAINT {build}_model_version_check TO {partition}_model_version_check;
            ALTER TABLE score_changes ATTACH PARTITION {partition} FOR VALUES IN ({version});
            """,
            transaction: swap, cancellationToken: cancel));
        await swap.CommitAsync(cancel);
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string table, CancellationToken cancel) =>
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT to_regclass(@table) IS NOT NULL", new { table }, cancellationToken: cancel));
}
