using Lifecycle.Contacts;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Scoring;

/// <summary>Storage of model versions and the reads scoring needs (current model, a contact's profile and changes).</summary>
public static class ScoringModels
{
    /// <summary>
    /// The current model: the most recently activated version. A database without any gets the default model as
    /// version 1, active at once (there is nobody to rescore yet).
    /// </summary>
    public static async Task<(int Version, ScoringModel Model)> CurrentAsync(LifecycleDb db, TimeProvider clock, CancellationToken cancel)
    {
        Task<ScoringModelVersion?> ActiveAsync() => db.Set<ScoringModelVersion>().AsNoTracking().Where(m => m.ActivatedAt != null)
            .OrderByDescending(m => m.ActivatedAt).ThenByDescending(m => m.Version).FirstOrDefaultAsync(cancel);
        var current = await ActiveAsync();
        if (current is not null) return (current.Version, ScoringModel.FromJson(current.Definition));
        if (await db.Set<ScoringModelVersion>().AnyAsync(cancel))
        {
            // Another process may have created (and activated) version 1 between the two reads.
            current = await ActiveAsync();
            if (current is not null) return (current.Version, ScoringModel.FromJson(current.Definition));
            throw new InvalidOperationException("no scoring model version is active; rescore one to activate it");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        db.Add(new ScoringModelVersion { Version = 1, Definition = ScoringModel.Default.ToJson(), CreatedAt = now, ActivatedAt = now });
        await db.SaveChangesAsync(cancel);
        db.ChangeTracker.Clear();
        return (1, ScoringModel.Default);
    }

    /// <summary>Stores a new version (not active until rescored). The caller has checked <see cref="ScoringModel.Problems"/>.</summary>
    public static async Task<ScoringModelVersion> AddAsync(LifecycleDb db, ScoringModel model, TimeProvider clock, CancellationToken cancel)
    {
        await CurrentAsync(db, clock, cancel); // version 1 is the default model, so a first custom model is version 2
        var next = await db.Set<ScoringModelVersion>().MaxAsync(m => (int?)m.Version, cancel) + 1 ?? 1;
        var row = new ScoringModelVersion { Version = next, Definition = model.ToJson(), CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.Add(row);
        await db.SaveChangesAsync(cancel);
        return row;
    }

    public static ScoringProfile Profile(Contact contact, Account? account) => new(
        contact.Title, account?.Industry, account?.Employees, contact.Country ?? account?.Country, contact.LeadSource,
        contact.Custom, account?.Custom ?? new Dictionary<string, string>());

    public static Task<List<ScoreChange>> ChangesAsync(LifecycleDb db, string contactId, int version, DateTime upTo, CancellationToken cancel) =>
        db.Set<ScoreChange>().AsNoTracking().Where(c => c.ContactId == contactId && c.ModelVersion == version && c.At <= upTo)
            .OrderBy(c => c.At).ThenBy(c => c.Id).ToListAsync(cancel);
}
