using System.Text.Json;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Attribution;

/// <summary>Every model run over one query, as the dashboard last computed it.</summary>
public sealed class AttributionSnapshot
{
    public string Key { get; set; } = "";
    public string Query { get; set; } = "";
    public string Models { get; set; } = "";
    public string Reports { get; set; } = "";
    public DateTime ComputedAt { get; set; }
    public DateTime ReadAt { get; set; }
}

public sealed class AttributionSnapshotConfiguration : IEntityTypeConfiguration<AttributionSnapshot>
{
    public void Configure(EntityTypeBuilder<AttributionSnapshot> snapshot)
    {
        snapshot.ToTable("attribution_snapshots");
        snapshot.HasKey(s => s.Key);
        snapshot.HasIndex(s => s.ComputedAt);
    }
}

/// <summary>
/// The dashboard's attribution page reads the models from a snapshot at most <see cref="MaxAge"/> old, with the
/// instant it was computed shown beside it. Every model is fitted on a year of journeys read from the events, seconds
/// of work that a page cannot redo on each view; the worker below recomputes the snapshots people read before they
/// age out, so the page answers at once and its numbers lag the data by minutes. The API (/api/attribution) computes
/// afresh on every call.
/// </summary>
public static class AttributionSnapshots
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    /// <summary>The worker recomputes a snapshot this old, so a reader rarely meets one past <see cref="MaxAge"/>.</summary>
    private static readonly TimeSpan RefreshAfter = TimeSpan.FromMinutes(2);
    /// <summary>A snapshot nobody read for this long is no longer refreshed.</summary>
    private static readonly TimeSpan Unread = TimeSpan.FromDays(1);

    private static readonly JsonSerializerOptions Json = new();

    public static async Task<(List<AttributionReport> Reports, DateTime ComputedAt)> GetAsync(LifecycleDb db, AttributionQuery query,
        IReadOnlyList<AttributionModel> models, DateTime now, CancellationToken cancel = default)
    {
        var key = Key(query, models);
        var stored = await db.Set<AttributionSnapshot>().FindAsync([key], cancel);
        if (stored is not null && now - stored.ComputedAt <= MaxAge && Read(stored.Reports) is { } reports)
        {
            // Marking it read is a write: once an hour is enough to keep it refreshed.
            if (now - stored.ReadAt > TimeSpan.FromHours(1))
            {
                stored.ReadAt = now;
                await db.SaveChangesAsync(cancel);
            }
            return (reports, stored.ComputedAt);
        }
        var fresh = await StoredAttribution.RunAllAsync(db, query, models, cancel);
        await StoreAsync(db, stored, key, query, models, fresh, now, cancel);
        return (fresh, now);
    }

    /// <summary>Recomputes the snapshots read lately that are about to age out; returns how many.</summary>
    public static async Task<int> RefreshAsync(LifecycleDb db, DateTime now, CancellationToken cancel)
    {
        var due = await db.Set<AttributionSnapshot>().Where(s => s.ComputedAt < now - RefreshAfter && s.ReadAt > now - Unread).ToListAsync(cancel);
        foreach (var snapshot in due)
        {
            var query = JsonSerializer.Deserialize<AttributionQuery>(snapshot.Query, Json)!;
            var models = JsonSerializer.Deserialize<AttributionModel[]>(snapshot.Models, Json)!;
            await StoreAsync(db, snapshot, snapshot.Key, query, models, await StoredAttribution.RunAllAsync(db, query, models, cancel), now, cancel);
        }
        await db.Set<AttributionSnapshot>().Where(s => s.ReadAt <= now - Unread).ExecuteDeleteAsync(cancel);
        return due.Count;
    }

    private static async Task StoreAsync(LifecycleDb db, AttributionSnapshot? stored, string key, AttributionQuery query, IReadOnlyList<AttributionModel> models,
        List<AttributionReport> reports, DateTime now, CancellationToken cancel)
    {
        if (stored is null)
        {
            stored = new AttributionSnapshot { Key = key, Query = JsonSerializer.Serialize(query, Json), Models = JsonSerializer.Serialize(models, Json), ReadAt = now };
            db.Add(stored);
        }
        stored.Reports = JsonSerializer.Serialize(reports, Json);
        stored.ComputedAt = now;
        try
        {
            await db.SaveChangesAsync(cancel);
        }
        catch (DbUpdateException)
        {
            // Another reader stored the same snapshot first; theirs is as fresh.
            db.ChangeTracker.Clear();
        }
    }

    private static string Key(AttributionQuery query, IReadOnlyList<AttributionModel> models) =>
        JsonSerializer.Serialize(new { query, models }, Json);

    private static List<AttributionReport>? Read(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<List<AttributionReport>>(text, Json);
        }
        catch (JsonException)
        {
            return null; // written by an older version: computed afresh
        }
    }
}

/// <summary>Keeps the attribution snapshots people read younger than <see cref="AttributionSnapshots.MaxAge"/>.</summary>
public sealed class AttributionSnapshotWorker(Database database, TimeProvider clock, ILogger<AttributionSnapshotWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var db = database.Open();
                await AttributionSnapshots.RefreshAsync(db, clock.GetUtcNow().UtcDateTime, stopping);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                log.LogError(e, "refreshing the attribution snapshots failed; it tries again in a minute");
            }
            try { await Task.Delay(TimeSpan.FromMinutes(1), stopping); }
            catch (OperationCanceledException) { }
        }
    }
}
