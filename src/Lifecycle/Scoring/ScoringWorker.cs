using System.Threading.Channels;
using Lifecycle.Contacts;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Database = Lifecycle.Storage.Database;

namespace Lifecycle.Scoring;

/// <summary>
/// Lifecycle:Scoring settings: whether this process runs the worker (Worker, default true), how often it looks for
/// new events and how many it takes at once.
/// </summary>
public sealed record ScoringOptions(TimeSpan PollInterval, int BatchSize, TimeSpan PostgresSettle, bool Worker = true)
{
    public static readonly ScoringOptions Default = new(TimeSpan.FromMilliseconds(250), 1000, TimeSpan.FromSeconds(2));

    public static ScoringOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Lifecycle:Scoring");
        return new ScoringOptions(
            TimeSpan.FromMilliseconds(section.GetValue("PollMilliseconds", Default.PollInterval.TotalMilliseconds)),
            section.GetValue("BatchSize", Default.BatchSize),
            TimeSpan.FromMilliseconds(section.GetValue("PostgresSettleMilliseconds", Default.PostgresSettle.TotalMilliseconds)),
            section.GetValue("Worker", true));
    }
}

/// <summary>What a rescore did: the contacts it scored from their events, the changes it wrote, the rules it kept.</summary>
public sealed record RescoreResult(int Version, int Contacts, int Changes, int RulesKept = 0);

/// <summary>
/// Scores the events the tracking API (and imports) commit, in arrival order, from a durable cursor
/// (scoring_cursors: the last received_at and message_id scored), so ingest never waits for scoring and a restart
/// resumes where it stopped. Each batch (its score changes, status changes and the cursor) commits in one
/// transaction, so a crash scores nothing twice and loses nothing.
///
/// Arrival order is received_at then message_id. On PostgreSQL several processes may commit events concurrently,
/// so the worker leaves the newest events (PostgresSettle, default 2 s) until earlier commits are surely visible.
/// A large import commits its events in one long transaction stamped with its start: rescore after it if live
/// tracking ran meanwhile. Events stitched to a contact later (anonymous history joining on identify, merges) are
/// caught up when the identify or alias is scored: every event of that contact not yet scored is scored then.
/// </summary>
public sealed class ScoringWorker(Database database, TimeProvider clock, ScoringOptions options, ILogger<ScoringWorker> log) : BackgroundService
{
    public const string EventsCursor = "events";
    private const int RescorePage = 5000;
    private static readonly DateTime Start = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    // One scorer at a time in this process: the worker's batches and a rescore never interleave.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        var options = ScoringOptions.From(configuration);
        services.AddSingleton(options);
        services.AddSingleton<ScoringWorker>(); // also serves rescores when this process does not run the loop
        if (options.Worker) services.AddHostedService(sp => sp.GetRequiredService<ScoringWorker>());
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            int scored;
            try
            {
                scored = await ScoreNextBatchAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "scoring events failed; retrying");
                scored = 0;
            }
            if (scored == 0)
            {
                try { await Task.Delay(options.PollInterval, clock, stopping); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <returns>How many events the batch read (0 when nothing new was committed).</returns>
    public async Task<int> ScoreNextBatchAsync(CancellationToken cancel)
    {
        await _gate.WaitAsync(cancel);
        try
        {
            await using var db = database.Open();
            var (version, model) = await ScoringModels.CurrentAsync(db, clock, cancel);
            await using var transaction = await db.Database.BeginTransactionAsync(cancel);
            var cursor = await db.Set<ScoringCursor>().FirstOrDefaultAsync(c => c.Name == EventsCursor, cancel);
            if (cursor is null)
            {
                cursor = new ScoringCursor { Name = EventsCursor, ReceivedAt = Start, MessageId = "" };
                db.Add(cursor);
            }
            var upTo = clock.GetUtcNow().UtcDateTime - (db.Engine == DatabaseEngine.Postgres ? options.PostgresSettle : TimeSpan.Zero);
            var events = await EventArrivals.After(db, cursor.ReceivedAt, cursor.MessageId, upTo)
                .Take(options.BatchSize)
                .Select(e => new { e.MessageId, e.Type, e.Name, e.ContactId, e.Timestamp, e.ReceivedAt, e.Payload })
                .ToListAsync(cancel);
            if (events.Count == 0) return 0;

            // Set-based: what every touched contact needs is read in one query per kind, not per contact.
            var touched = events.Where(e => e.ContactId is not null).GroupBy(e => e.ContactId!).ToList();
            var catchUp = touched.Where(g => g.Any(e => e.Type is "identify" or "alias")).Select(g => g.Key).ToHashSet();
            var rows = await ScoringModels.RowsAsync(db, version, cancel);
            var state = await BatchState.LoadAsync(db, rows, touched.Select(g => g.Key).ToList(), catchUp, cancel);
            foreach (var contact in touched)
            {
                var batch = contact.Select(e => ScoredEvent.FromPayload(e.MessageId, e.Name, e.Timestamp, e.Payload)).ToList();
                await ScoreContactAsync(db, version, model, state, contact.Key, batch, cancel);
            }
            var last = events[^1];
            cursor.ReceivedAt = last.ReceivedAt;
            cursor.MessageId = last.MessageId;
            await db.SaveChangesAsync(cancel);
            await transaction.CommitAsync(cancel);
            return events.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The batch's touched contacts (tracked, for status changes), their accounts, score changes under the
    /// version, latest transition, and for those that identified in the batch their earlier events.</summary>
    private sealed record BatchState(
        Dictionary<string, Contact> Contacts, Dictionary<string, Account> Accounts, ILookup<string, ScoreChange> Changes,
        Dictionary<string, DateTime> LatestTransition, ILookup<string, ScoredEvent> Earlier)
    {
        public static async Task<BatchState> LoadAsync(LifecycleDb db, ScoreRows rows, List<string> ids, HashSet<string> catchUp, CancellationToken cancel)
        {
            var contacts = await db.Contacts.Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, cancel);
            var accountIds = contacts.Values.Select(c => c.AccountId).OfType<string>().Distinct().ToList();
            var accounts = await db.Accounts.AsNoTracking().Where(a => accountIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, cancel);
            var changes = (await db.Set<ScoreChange>().AsNoTracking().Where(rows.Predicate())
                    .Where(c => ids.Contains(c.ContactId)).OrderBy(c => c.At).ThenBy(c => c.Id).ToListAsync(cancel))
                .ToLookup(c => c.ContactId);
            var latest = await db.Transitions.Where(t => ids.Contains(t.ContactId)).GroupBy(t => t.ContactId)
                .Select(g => new { ContactId = g.Key, At = g.Max(t => t.At) }).ToDictionaryAsync(t => t.ContactId, t => t.At, cancel);
            var catchUpIds = catchUp.ToList();
            var earlier = catchUpIds.Count == 0
                ? Array.Empty<ScoredEvent>().ToLookup(_ => "")
                : (await db.Events.AsNoTracking().Where(e => e.ContactId != null && catchUpIds.Contains(e.ContactId) && e.Name != null)
                        .Select(e => new { e.ContactId, e.MessageId, e.Name, e.Timestamp, e.Payload }).ToListAsync(cancel))
                    .ToLookup(e => e.ContactId!, e => ScoredEvent.FromPayload(e.MessageId, e.Name, e.Timestamp, e.Payload));
            return new BatchState(contacts, accounts, changes, latest, earlier);
        }
    }

    private static async Task ScoreContactAsync(LifecycleDb db, int version, ScoringModel model, BatchState state, string contactId,
        List<ScoredEvent> batch, CancellationToken cancel)
    {
        if (!state.Contacts.TryGetValue(contactId, out var contact)) return; // merged away since; its events moved to the survivor, scored on its identify
        var changes = state.Changes[contactId].ToList();
        var scored = changes.Select(c => c.MessageId).OfType<string>().ToHashSet();
        var inBatch = batch.Select(e => e.MessageId).ToHashSet();
        batch.AddRange(state.Earlier[contactId].Where(e => !inBatch.Contains(e.MessageId)));
        var toScore = batch.Where(e => e.Name is not null && !scored.Contains(e.MessageId)).OrderBy(e => e.At).ThenBy(e => e.MessageId, StringComparer.Ordinal).ToList();

        var profile = ScoringModels.Profile(contact, contact.AccountId is { } account ? state.Accounts.GetValueOrDefault(account) : null);
        var fitAt = changes.Any(c => c.Kind == ScoreKind.Fit) && toScore.Count > 0 ? toScore[0].At : contact.CreatedAt;
        var fit = Scorer.FitChanges(contactId, version, Scorer.CurrentFit(changes), Scorer.Fit(model, profile), fitAt);
        changes.AddRange(fit);
        db.AddRange(fit);

        DateTime? latest = state.LatestTransition.TryGetValue(contactId, out var since) ? since : null;
        foreach (var e in toScore)
        {
            var earned = Scorer.Engage(model, version, contactId, e, changes);
            changes.AddRange(earned);
            db.AddRange(earned);
            if (ScoreStatusRules.Decide(model, contact.Status, latest, e, changes) is not { } decision) continue;
            // A transition never goes before the contact's latest one (history is not rewritten).
            var at = latest is { } last && last > e.At ? last : e.At;
            var result = await StatusChanges.ChangeAsync(db, contact, decision.To, at, decision.Reason, decision.Actor, cancel: cancel);
            if (result.Applied)
            {
                await db.SaveChangesAsync(cancel);
                latest = at;
            }
        }
    }

    /// <summary>
    /// Scores everyone again under <paramref name="version"/> from all events the worker has read, then makes it the
    /// current version. Rules the version has unchanged from the current one keep their score changes
    /// (scoring_rule_sources); the others are computed from the events. Rescoring the current version recomputes
    /// every rule (after an import that the worker may have read out of order).
    /// Statuses are left as they are: a rescore changes scores, not history; the next scored event of a contact
    /// applies the thresholds under the new version. Until the version is activated, reads go on under the current one.
    /// </summary>
    public async Task<RescoreResult> RescoreAsync(int version, CancellationToken cancel)
    {
        await _gate.WaitAsync(cancel);
        try
        {
            await using var db = database.Open();
            var row = await db.Set<ScoringModelVersion>().FirstAsync(m => m.Version == version, cancel);
            var model = ScoringModel.FromJson(row.Definition);
            var (active, activeModel) = await ScoringModels.CurrentAsync(db, clock, cancel);
            var kept = active == version ? new HashSet<string>() : ScoringModel.RulesUnchanged(activeModel, model);
            await KeepRulesAsync(db, version, active, kept, cancel);
            var (contacts, written) = await ComputeAsync(db, version, model.Without(kept), cancel);
            await db.Set<ScoringModelVersion>().Where(m => m.Version == version)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.ActivatedAt, clock.GetUtcNow().UtcDateTime), cancel);
            log.LogInformation("rescored {Contacts} contacts under scoring model {Version}: {Changes} score changes, {Kept} rules kept",
                contacts, version, written, kept.Count);
            return new RescoreResult(version, contacts, written, kept.Count);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Clears what an earlier rescore of the version wrote, and records the kept rules' sources: the active version
    /// and every version the active one kept them from. Rows of this version that the active one reads (an older
    /// version rescored again) stay: they are the kept rules' rows already.
    /// </summary>
    private static async Task KeepRulesAsync(LifecycleDb db, int version, int active, IReadOnlySet<string> kept, CancellationToken cancel)
    {
        var activeSources = await db.Set<ScoringRuleSource>().AsNoTracking().Where(s => s.Version == active).ToListAsync(cancel);
        var readByActive = activeSources.Where(s => s.SourceVersion == version).Select(s => s.RuleId).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        await db.Set<ScoreChange>().Where(c => c.ModelVersion == version && !readByActive.Contains(c.RuleId)).ExecuteDeleteAsync(cancel);
        await db.Set<ScoringRuleSource>().Where(s => s.Version == version).ExecuteDeleteAsync(cancel);
        db.AddRange(kept.Select(rule => new ScoringRuleSource { Version = version, RuleId = rule, SourceVersion = active }));
        db.AddRange(activeSources.Where(s => kept.Contains(s.RuleId) && s.SourceVersion != version)
            .Select(s => new ScoringRuleSource { Version = version, RuleId = s.RuleId, SourceVersion = s.SourceVersion }));
        await db.SaveChangesAsync(cancel);
        await transaction.CommitAsync(cancel);
        db.ChangeTracker.Clear();
    }

    /// <summary>
    /// Writes the score changes of <paramref name="model"/>'s rules for everyone, from the events the worker has read.
    /// Pages of contacts are read and scored on a second connection while the previous page is written, so the
    /// database reads, the scoring and the writes overlap.
    /// </summary>
    /// <returns>The contacts scored (all of them when there are rules to compute) and the changes written.</returns>
    private async Task<(int Contacts, int Changes)> ComputeAsync(LifecycleDb db, int version, ScoringModel model, CancellationToken cancel)
    {
        if (model.Fit.Length == 0 && model.Engagement.Length == 0) return (0, 0);
        var cursor = await db.Set<ScoringCursor>().AsNoTracking().FirstOrDefaultAsync(c => c.Name == EventsCursor, cancel);
        var read = cursor is null ? (Start, "") : (cursor.ReceivedAt, cursor.MessageId);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var pages = Channel.CreateBounded<ScoredPage>(1);
        var scoring = Task.Run(async () =>
        {
            try
            {
                await using var source = database.Open();
                await ScorePagesAsync(source, version, model, read, pages.Writer, stop.Token);
                pages.Writer.Complete();
            }
            catch (Exception e)
            {
                pages.Writer.Complete(e);
            }
        }, CancellationToken.None);
        int contacts = 0, written = 0;
        try
        {
            await foreach (var page in pages.Reader.ReadAllAsync(cancel))
            {
                await using (var transaction = await db.Database.BeginTransactionAsync(cancel))
                {
                    await ScoreChangeStore.AppendAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), page.Changes, cancel);
                    await transaction.CommitAsync(cancel);
                }
                contacts += page.Contacts;
                written += page.Changes.Count;
            }
        }
        finally
        {
            await stop.CancelAsync(); // a failed write stops the reading
            await scoring.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return (contacts, written);
    }

    private sealed record ScoredPage(int Contacts, List<ScoreChange> Changes);

    private static async Task ScorePagesAsync(LifecycleDb db, int version, ScoringModel model, (DateTime At, string MessageId) read,
        ChannelWriter<ScoredPage> pages, CancellationToken cancel)
    {
        var (readAt, readId) = read;
        // Only events some engagement rule names are read (names compare case-insensitively, as rules match them),
        // and only those with property conditions carry their payload.
        var ruleEvents = model.Engagement.Select(r => r.Event.ToLowerInvariant()).Distinct().ToList();
        var needProperties = model.Engagement.Where(r => r.Where is { Length: > 0 }).Select(r => r.Event.ToLowerInvariant()).Distinct().ToList();
        var noProperties = new Dictionary<string, string>();
        var accounts = model.Fit.Length == 0 ? [] : await db.Accounts.AsNoTracking().ToDictionaryAsync(a => a.Id, cancel);
        var after = "";
        while (true)
        {
            // A page of contacts by id, and their events by one range scan of the (contact_id, timestamp) index.
            var page = await db.Contacts.AsNoTracking().Where(c => string.Compare(c.Id, after) > 0).OrderBy(c => c.Id).Take(RescorePage).ToListAsync(cancel);
            if (page.Count == 0) return;
            var (first, last) = (page[0].Id, page[^1].Id);
            after = last;
            var events = ruleEvents.Count == 0 ? Array.Empty<ScoredEvent>().ToLookup(_ => "") : (await db.Events.AsNoTracking()
                    .Where(e => e.ContactId != null && string.Compare(e.ContactId, first) >= 0 && string.Compare(e.ContactId, last) <= 0 && e.Name != null)
                    .Where(e => ruleEvents.Contains(e.Name!.ToLower()))
                    .Where(e => e.ReceivedAt < readAt || (e.ReceivedAt == readAt && string.Compare(e.MessageId, readId) <= 0))
                    .Select(e => new { e.MessageId, e.Name, e.ContactId, e.Timestamp, Payload = needProperties.Contains(e.Name!.ToLower()) ? e.Payload : null })
                    .ToListAsync(cancel))
                .ToLookup(e => e.ContactId!, e => e.Payload is null
                    ? new ScoredEvent(e.MessageId, e.Name, e.Timestamp, noProperties)
                    : ScoredEvent.FromPayload(e.MessageId, e.Name, e.Timestamp, e.Payload));
            var pageChanges = new List<ScoreChange>();
            foreach (var contact in page)
            {
                var profile = ScoringModels.Profile(contact, contact.AccountId is { } a ? accounts.GetValueOrDefault(a) : null);
                var changes = Scorer.FitChanges(contact.Id, version, new Dictionary<string, int>(), Scorer.Fit(model, profile), contact.CreatedAt);
                foreach (var e in events[contact.Id].OrderBy(e => e.At).ThenBy(e => e.MessageId, StringComparer.Ordinal))
                    changes.AddRange(Scorer.Engage(model, version, contact.Id, e, changes));
                pageChanges.AddRange(changes);
            }
            await pages.WriteAsync(new ScoredPage(page.Count, pageChanges), cancel);
        }
    }
}
