using System.Linq.Expressions;
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
        await SaveNewAsync(db, new ScoringModelVersion { Version = 1, Definition = ScoringModel.Default.ToJson(), CreatedAt = now, ActivatedAt = now }, cancel);
        db.ChangeTracker.Clear();
        return (1, ScoringModel.Default);
    }

    /// <summary>Stores a new version (not active until rescored). The caller has checked <see cref="ScoringModel.Problems"/>.</summary>
    public static async Task<ScoringModelVersion> AddAsync(LifecycleDb db, ScoringModel model, TimeProvider clock, CancellationToken cancel)
    {
        await CurrentAsync(db, clock, cancel); // version 1 is the default model, so a first custom model is version 2
        var next = await db.Set<ScoringModelVersion>().MaxAsync(m => (int?)m.Version, cancel) + 1 ?? 1;
        var row = new ScoringModelVersion { Version = next, Definition = model.ToJson(), CreatedAt = clock.GetUtcNow().UtcDateTime };
        await SaveNewAsync(db, row, cancel);
        return row;
    }

    /// <summary>Stores a version, and on PostgreSQL its score partition with it (<see cref="ScorePartitions"/>).</summary>
    private static async Task SaveNewAsync(LifecycleDb db, ScoringModelVersion row, CancellationToken cancel)
    {
        db.Add(row);
        if (db.Engine != DatabaseEngine.Postgres)
        {
            await db.SaveChangesAsync(cancel);
            return;
        }
        await using var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancel) : null;
        await ScorePartitions.CreateAsync(db, row.Version, cancel);
        await db.SaveChangesAsync(cancel);
        if (own is not null) await own.CommitAsync(cancel);
    }

    public static ScoringProfile Profile(Contact contact, Account? account) => new(
        contact.Title, account?.Industry, account?.Employees, contact.Country ?? account?.Country, contact.LeadSource,
        contact.Custom, account?.Custom ?? new Dictionary<string, string>());

    public static async Task<List<ScoreChange>> ChangesAsync(LifecycleDb db, string contactId, int version, DateTime upTo, CancellationToken cancel) =>
        await db.Set<ScoreChange>().AsNoTracking().Where((await RowsAsync(db, version, cancel)).Predicate())
            .Where(c => c.ContactId == contactId && c.At <= upTo)
            .OrderBy(c => c.At).ThenBy(c => c.Id).ToListAsync(cancel);

    /// <summary>Which score changes count under a version (its own and its kept rules').</summary>
    public static async Task<ScoreRows> RowsAsync(LifecycleDb db, int version, CancellationToken cancel)
    {
        var kept = await db.Set<ScoringRuleSource>().AsNoTracking().Where(s => s.Version == version).ToListAsync(cancel);
        return new ScoreRows(version, kept.GroupBy(s => s.SourceVersion).OrderBy(g => g.Key)
            .ToDictionary(g => g.Key, g => g.Select(s => s.RuleId).Order(StringComparer.Ordinal).ToArray()));
    }
}

/// <summary>
/// The score changes that count under a model version: the rows written under it, and for each rule it kept
/// unchanged the rows that rule wrote under earlier versions (<see cref="KeptFrom"/>: source version → rule ids).
/// </summary>
public sealed record ScoreRows(int Version, IReadOnlyDictionary<int, string[]> KeptFrom)
{
    /// <summary>
    /// model_version = Version OR (model_version = source AND (rule_id IN kept rules OR rule_id LIKE 'program:%' when
    /// the source's program rules are kept)) for each source.
    /// </summary>
    public Expression<Func<ScoreChange, bool>> Predicate()
    {
        var change = Expression.Parameter(typeof(ScoreChange), "c");
        var version = Expression.Property(change, nameof(ScoreChange.ModelVersion));
        var rule = Expression.Property(change, nameof(ScoreChange.RuleId));
        Expression body = Expression.Equal(version, Expression.Constant(Version));
        foreach (var (source, rules) in KeptFrom)
        {
            var (named, programs) = Split(rules);
            Expression? kept = named.Length == 0 ? null
                : Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)], Expression.Constant(named), rule);
            if (programs)
            {
                var program = Expression.Call(rule, typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!,
                    Expression.Constant(ScoreChange.ProgramRulePrefix));
                kept = kept is null ? program : Expression.OrElse(kept, program);
            }
            if (kept is not null) body = Expression.OrElse(body, Expression.AndAlso(Expression.Equal(version, Expression.Constant(source)), kept));
        }
        return Expression.Lambda<Func<ScoreChange, bool>>(body, change);
    }

    /// <summary>A source's kept rule ids, apart from the marker that keeps all its program rules.</summary>
    public static (string[] Named, bool Programs) Split(string[] rules) =>
        (rules.Where(r => r != ScoreChange.AllProgramRules).ToArray(), rules.Contains(ScoreChange.AllProgramRules));
}
