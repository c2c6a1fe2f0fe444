using System.Data.Common;
using Dapper;
using Lifecycle.Contacts;
using Lifecycle.Scoring;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifecycle.Tests.Scoring;

/// <summary>PostgreSQL keeps each model version's score changes in a partition of their own (Scoring/ScorePartitions).</summary>
public class ScorePartitionTests
{
    private static readonly DateTime T = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>The rows in each partition of score_changes; and no build table is left.</summary>
    private static async Task<Dictionary<string, long>> RowsPerPartitionAsync(DbConnection connection)
    {
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname LIKE 'score_changes_build%' AND relkind = 'r'"));
        return (await connection.QueryAsync<(string Table, long Rows)>("""
            SELECT c.relname, (SELECT count(*) FROM score_changes s WHERE s.tableoid = c.oid)
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'score_changes'::regclass
            """)).ToDictionary(r => r.Table, r => r.Rows);
    }

    [Fact]
    public async Task A_version_gets_its_partition_and_a_full_rescore_replaces_it_whole()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        var model = new ScoringModel
        {
            Fit = [new("vp", "title", "contains", ["VP"], null, null, 25)],
            Engagement = [new("webinar", "Webinar Attended", null, 20, null, null)],
        };
        await using var db = test.Database.Open();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        db.Contacts.Add(new Contact { Id = "c1", Title = "VP Sales", Status = ContactStatus.Lead, CreatedAt = T.AddDays(-5) });
        await ScoringModels.CurrentAsync(db, TimeProvider.System, default); // version 1, the default model
        // A row for a number no model has yet goes to the default partition.
        db.Add(new ScoreChange { ContactId = "c1", ModelVersion = 2, RuleId = "manual", Kind = ScoreKind.Fit, Points = 5, At = T });
        await db.SaveChangesAsync();
        Assert.Equal(new Dictionary<string, long> { ["score_changes_v1"] = 0, ["score_changes_other"] = 1 }, await RowsPerPartitionAsync(connection));

        // Version 2 is created: it gets a partition, and its row moves there.
        await ScoringModels.AddAsync(db, model, TimeProvider.System, default);
        Assert.Equal(new Dictionary<string, long> { ["score_changes_v1"] = 0, ["score_changes_v2"] = 1, ["score_changes_other"] = 0 }, await RowsPerPartitionAsync(connection));

        db.Events.Add(new TrackedEvent
        {
            MessageId = "m1", Type = "track", Name = "Webinar Attended", ContactId = "c1", Timestamp = T.AddDays(-1), ReceivedAt = DateTime.UtcNow.AddMinutes(-1),
            Payload = """{"event":"Webinar Attended","properties":{}}""",
        });
        await db.SaveChangesAsync();
        var worker = new ScoringWorker(test.Database, TimeProvider.System, ScoringOptions.Default with { PostgresSettle = TimeSpan.Zero }, NullLogger<ScoringWorker>.Instance);
        Assert.Equal(1, await worker.ScoreNextBatchAsync(default)); // under version 1: default model's webinar rule and fit
        var v1 = (await RowsPerPartitionAsync(connection))["score_changes_v1"];
        Assert.True(v1 > 0);

        // The full rescore of version 2 writes its partition anew: vp 25 and webinar 20; the row version 2 had is not
        // one of its rules' and no other version reads it, so it goes (as a rescore always cleared it).
        Assert.Equal(new RescoreResult(2, 1, 2), await worker.RescoreAsync(2, default));
        Assert.Equal(new Dictionary<string, long> { ["score_changes_v1"] = v1, ["score_changes_v2"] = 2, ["score_changes_other"] = 0 }, await RowsPerPartitionAsync(connection));
        // Its indexes are named as those of a partition PostgreSQL created (version 1's).
        async Task<List<string>> IndexesAsync(int version) => (await connection.QueryAsync<string>(
            "SELECT replace(indexname, @table, '') FROM pg_indexes WHERE tablename = @table ORDER BY 1", new { table = $"score_changes_v{version}" })).ToList();
        Assert.Equal(["_contact_id_model_version_at_idx", "_model_version_at_idx", "_pkey"], await IndexesAsync(2));
        Assert.Equal(await IndexesAsync(1), await IndexesAsync(2));
        var changes = await ScoringModels.ChangesAsync(db, "c1", 2, T, default);
        Assert.Equal([("vp", 25), ("webinar", 20)], changes.Select(c => (c.RuleId, c.Points)).Order());
        // New ids follow the sequence past every earlier row, and the worker writes into the swapped-in partition.
        var ids = await db.Set<ScoreChange>().Select(c => new { c.ModelVersion, c.Id }).ToListAsync();
        Assert.True(ids.Where(i => i.ModelVersion == 2).Min(i => i.Id) > ids.Where(i => i.ModelVersion == 1).Max(i => i.Id));
        db.Events.Add(new TrackedEvent
        {
            MessageId = "m2", Type = "track", Name = "Webinar Attended", ContactId = "c1", Timestamp = T, ReceivedAt = DateTime.UtcNow,
            Payload = """{"event":"Webinar Attended","properties":{}}""",
        });
        await db.SaveChangesAsync();
        Assert.Equal(1, await worker.ScoreNextBatchAsync(default));
        Assert.Equal(3, (await RowsPerPartitionAsync(connection))["score_changes_v2"]);
    }

    [Fact]
    public async Task Partitioning_an_existing_table_keeps_every_row_and_its_id_and_can_be_undone()
    {
        await using var test = await TestDatabase.CreateAsync("postgres");
        await using var db = test.Database.Open();
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync("ForgetNpsKeptAcrossATrend"); // the migration before partitioning: its Down runs
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        Assert.Equal('r', await connection.ExecuteScalarAsync<char>("SELECT relkind FROM pg_class WHERE relname = 'score_changes'"));
        await connection.ExecuteAsync("""
            INSERT INTO scoring_models (version, definition, created_at, activated_at) VALUES (1, '{}', now(), now());
            INSERT INTO score_changes (id, contact_id, at, model_version, rule_id, kind, points) VALUES
                (7, 'c1', '2026-06-01', 1, 'vp', 'fit', 25), (9, 'c1', '2026-06-02', 3, 'webinar', 'engagement', 20);
            """);
        await migrator.MigrateAsync();
        Assert.Equal('p', await connection.ExecuteScalarAsync<char>("SELECT relkind FROM pg_class WHERE relname = 'score_changes'"));
        Assert.Equal([(1, 7L), (3, 9L)], (await connection.QueryAsync<(int, long)>(
            "SELECT model_version, id FROM score_changes ORDER BY id")).ToList());
        // A partition for the model's version and for the version only rows had.
        Assert.Equal(["score_changes_other", "score_changes_v1", "score_changes_v3"], (await connection.QueryAsync<string>(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'score_changes'::regclass ORDER BY 1")).ToList());
        var next = await connection.ExecuteScalarAsync<long>(
            "INSERT INTO score_changes (contact_id, at, model_version, rule_id, kind, points) VALUES ('c1', now(), 1, 'vp', 'fit', 1) RETURNING id");
        Assert.Equal(10, next);
    }
}
