using System.Data.Common;
using System.Text.Json;
using Dapper;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage;

namespace Lifecycle.Reports;

/// <summary>
/// A computed value of a closed period, kept until data that can change it is written. <see cref="DependsUntil"/> is
/// the end of the data it read: a row written with an instant before it can change the value, a later one cannot,
/// unless the metric reads <see cref="Later"/> data about the period that starts at <see cref="DependsFrom"/>.
/// A row without <see cref="Value"/> is a claim: its value is being computed under <see cref="Token"/>.
/// </summary>
public sealed class CachedReportValue
{
    public string Key { get; set; } = "";
    public DateTime DependsUntil { get; set; }
    public string? Value { get; set; }
    public string Token { get; set; } = "";
    public DateTime ClaimedAt { get; set; }
    /// <summary>The period's start, for a value that reads later data.</summary>
    public DateTime? DependsFrom { get; set; }
    /// <summary>Which later data the value reads (<see cref="LaterData"/>, snake case); null: none.</summary>
    public string? Later { get; set; }
    /// <summary>When data stamped in the future becomes visible to it (<see cref="ReportFacts.LaterDataUntil"/>); null: never.</summary>
    public DateTime? ValidUntil { get; set; }
}

public sealed class CachedReportValueConfiguration : IEntityTypeConfiguration<CachedReportValue>
{
    public void Configure(EntityTypeBuilder<CachedReportValue> value)
    {
        value.ToTable("report_cache");
        value.HasKey(v => v.Key);
        // The triggers of migration ReportCache delete by it on every write to a table a report reads.
        value.HasIndex(v => v.DependsUntil);
        // The triggers of migration ReportCacheLaterData look up the values that read later data by it.
        value.HasIndex(v => v.Later);
    }
}

/// <summary>
/// Closed months' report values, kept so a trend or an overview computes only what changed (issue 8's "a closed month
/// does not change unless late data for it arrived"). Every table a report reads carries triggers (migration
/// ReportCache) that, in the writing transaction, delete the values whose <see cref="CachedReportValue.DependsUntil"/>
/// is after the instant of a written row; a change that has no instant (a contact's source, an account's owner, a
/// campaign's channel) deletes them all.
///
/// A value is stored through a claim, so a write racing the computation cannot leave a stale value behind: the claim
/// is committed before the facts are read, and a writer's trigger that sees it deletes it, which makes the fill a
/// no-op. A writer whose trigger ran before the claim was visible is waited for (PostgreSQL: every transaction in
/// progress when the claim committed) before the facts are read, so its rows are in them. SQLite has one writer at a
/// time, so there every earlier writer has committed.
/// </summary>
public static class ReportCache
{
    /// <summary>How long a computation may wait for writers in progress before it gives up storing its values.</summary>
    private static readonly TimeSpan WriterWait = TimeSpan.FromSeconds(2);

    /// <summary>A claim left by a computation that never filled it (a crash) is taken over after this.</summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);

    /// <summary>What a value is kept against: the end of its period, and for a metric reading later data its start and kind.</summary>
    public sealed record Dependency(DateTime Until, DateTime? From = null, LaterData Later = LaterData.None);

    public static async Task<Dictionary<string, string>> ReadAsync(LifecycleDb db, IReadOnlyCollection<string> keys, DateTime now, CancellationToken cancel)
    {
        if (keys.Count == 0) return [];
        return await db.Set<CachedReportValue>().AsNoTracking()
            // One array parameter: a trend asks for a thousand keys, and a parameter each is slow to bind.
            .Where(v => EF.Parameter(keys).Contains(v.Key) && v.Value != null && (v.ValidUntil == null || v.ValidUntil > now))
            .ToDictionaryAsync(v => v.Key, v => v.Value!, StringComparer.Ordinal, cancel);
    }

    /// <summary>
    /// Claims the keys nobody else is computing; returns the token and the keys it holds, after every writer that
    /// could have missed the claim has finished. Null when a writer is still running after <see cref="WriterWait"/>.
    /// </summary>
    public static async Task<(string Token, HashSet<string> Keys)?> ClaimAsync(LifecycleDb db, IReadOnlyDictionary<string, Dependency> dependencies,
        DateTime now, CancellationToken cancel)
    {
        if (dependencies.Count == 0) return null;
        var token = Guid.NewGuid().ToString("N");
        var postgres = db.Engine == DatabaseEngine.Postgres;
        var connection = db.Database.GetDbConnection();
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancel);
            // In key order, as every claim and fill, so two reports sharing months lock them in the same order.
            var rows = dependencies.OrderBy(e => e.Key, StringComparer.Ordinal)
                .Select(e => new
                {
                    Key = e.Key, DependsUntil = e.Value.Until, DependsFrom = e.Value.From, Token = token, Now = now, Abandoned = now - AbandonedAfter,
                    Later = e.Value.Later == LaterData.None ? null : SnakeCase.Of(e.Value.Later.ToString()),
                }).ToList();
            // A filled value (still valid) or a live claim stays; an abandoned claim or an expired value is taken over.
            const string Upsert = """
                INSERT INTO report_cache (key, depends_until, depends_from, later, value, token, claimed_at)
                VALUES (@Key, @DependsUntil, @DependsFrom, @Later, NULL, @Token, @Now)
                ON CONFLICT (key) DO UPDATE SET token = excluded.token, claimed_at = excluded.claimed_at, depends_until = excluded.depends_until,
                    depends_from = excluded.depends_from, later = excluded.later, value = NULL, valid_until = NULL
                WHERE (report_cache.value IS NULL AND report_cache.claimed_at < @Abandoned) OR report_cache.valid_until <= @Now
                """;
            await connection.ExecuteAsync(Upsert, rows, transaction.GetDbTransaction());
            await transaction.CommitAsync(cancel);
        }
        catch (DbException e) when (Contended(e))
        {
            return null; // kept next time
        }
        var held = (await db.Set<CachedReportValue>().AsNoTracking().Where(v => v.Token == token).Select(v => v.Key).ToListAsync(cancel))
            .ToHashSet(StringComparer.Ordinal);
        if (held.Count == 0) return null;
        if (postgres && !await WritersFinishedAsync(db, cancel)) return null;
        return (token, held);
    }

    /// <summary>
    /// Stores the values of a claim, each valid until the instant given with it (null: until a write forgets it); a
    /// value whose claim a writer deleted meanwhile is not stored.
    /// </summary>
    public static async Task FillAsync(LifecycleDb db, string token, IReadOnlyDictionary<string, (string Value, DateTime? ValidUntil)> values, CancellationToken cancel)
    {
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancel);
            foreach (var (key, (value, validUntil)) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
                await db.Set<CachedReportValue>().Where(v => v.Key == key && v.Token == token && v.Value == null)
                    .ExecuteUpdateAsync(u => u.SetProperty(v => v.Value, value).SetProperty(v => v.ValidUntil, validUntil), cancel);
            await transaction.CommitAsync(cancel);
        }
        catch (DbException e) when (Contended(e))
        {
            // Not kept this time: the values were computed and answered all the same.
        }
    }

    /// <summary>A deadlock with a writer's trigger or another report, or SQLite busy past its timeout: keeping values is best effort.</summary>
    private static bool Contended(DbException e) => e switch
    {
        Npgsql.PostgresException pg => pg.SqlState is Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.SerializationFailure
            or Npgsql.PostgresErrorCodes.LockNotAvailable,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6, // SQLITE_BUSY, SQLITE_LOCKED
        _ => false,
    };

    /// <summary>Waits until every transaction in progress now has ended (committed or rolled back).</summary>
    private static async Task<bool> WritersFinishedAsync(LifecycleDb db, CancellationToken cancel)
    {
        var connection = db.Database.GetDbConnection();
        var running = (await connection.QueryAsync<string>("SELECT x::text FROM pg_snapshot_xip(pg_current_snapshot()) AS x")).ToArray();
        var deadline = DateTime.UtcNow + WriterWait;
        while (running.Length > 0)
        {
            running = (await connection.QueryAsync<string>(
                "SELECT x FROM unnest(@running) AS x WHERE pg_xact_status(x::xid8) = 'in progress'", new { running })).ToArray();
            if (running.Length == 0) return true;
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(5, cancel);
        }
        return true;
    }

    /// <summary>A value with its type, so a cached value reads back as the object the metric computed.</summary>
    public static string Encode(object? value) => value is null ? "null"
        : JsonSerializer.Serialize(new TypedValue(value.GetType().AssemblyQualifiedName!, JsonSerializer.SerializeToElement(value, value.GetType())));

    /// <summary>The object <see cref="Encode"/> wrote; false when its type no longer reads (a value of an older version).</summary>
    public static bool TryDecode(string text, out object? value)
    {
        value = null;
        if (text == "null") return true;
        try
        {
            var typed = JsonSerializer.Deserialize<TypedValue>(text);
            if (typed is null || Type.GetType(typed.Type) is not { } type) return false;
            value = typed.Value.Deserialize(type);
            return true;
        }
        catch (JsonException) { return false; }
        catch (NotSupportedException) { return false; }
    }

    private sealed record TypedValue(string Type, JsonElement Value);
}
