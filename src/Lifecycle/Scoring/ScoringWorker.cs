using System.Threading.Channels;
using Dapper;
using Lifecycle.Contacts;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
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
    private const int ChangesPerPage = 50_000;
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
            if (db.Engine == DatabaseEngine.Postgres)
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ScoringLock})", cancel);
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
            await db.Database.OpenConnectionAsync(cancel); // one connection throughout: it holds the scoring lock
            await using var exclusive = await HoldScoringLockAsync(db, cancel);
            var row = await db.Set<ScoringModelVersion>().FirstAsync(m => m.Version == version, cancel);
            var model = ScoringModel.FromJson(row.Definition);
            var (active, activeModel) = await ScoringModels.CurrentAsync(db, clock, cancel);
            var kept = active == version ? new HashSet<string>() : ScoringModel.RulesUnchanged(activeModel, model);
            var computed = model.Without(kept);
            // On PostgreSQL computed rules' rows replace the version's partition at the end; until then reads see the old ones.
            var swap = db.Engine == DatabaseEngine.Postgres && computed.HasRules;
            var readByActive = await KeepRulesAsync(db, version, active, kept, deleteOthers: !swap, cancel);
            var (contacts, written) = await ComputeAsync(db, version, computed, readByActive, cancel);
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

    internal const long ScoringLock = 0x53636f72696e6721; // "Scoring!": a worker batch and a rescore never run at once

    /// <summary>
    /// On PostgreSQL, holds the lock every worker batch takes (in any process) until disposed, so a rescore reads a
    /// cursor and score changes no batch moves meanwhile. In one process the gate does that already.
    /// </summary>
    private static async Task<IAsyncDisposable?> HoldScoringLockAsync(LifecycleDb db, CancellationToken cancel)
    {
        if (db.Database.GetDbConnection() is not NpgsqlConnection connection) return null;
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@ScoringLock)", new { ScoringLock }, cancellationToken: cancel, commandTimeout: 0));
        return new Release(() => connection.ExecuteAsync("SELECT pg_advisory_unlock(@ScoringLock)", new { ScoringLock }));
    }

    private sealed class Release(Func<Task> release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await release();
    }

    /// <summary>
    /// Records the kept rules' sources: the active version and every version the active one kept them from; and,
    /// unless a swap will replace them (<paramref name="deleteOthers"/> false), clears what an earlier rescore of the
    /// version wrote. Rows of this version that the active one reads (an older version rescored again) stay: they are
    /// the kept rules' rows already.
    /// </summary>
    /// <returns>The rules whose rows of this version the active version reads.</returns>
    private static async Task<string[]> KeepRulesAsync(LifecycleDb db, int version, int active, IReadOnlySet<string> kept, bool deleteOthers,
        CancellationToken cancel)
    {
        var activeSources = await db.Set<ScoringRuleSource>().AsNoTracking().Where(s => s.Version == active).ToListAsync(cancel);
        var readByActive = activeSources.Where(s => s.SourceVersion == version).Select(s => s.RuleId).ToArray();
        // Program points count under every later version: those written under the active version, and those it reads.
        bool Carried(string rule) => kept.Contains(rule) || rule == ScoreChange.AllProgramRules;
        var fromActive = version == active ? [] : kept.Append(ScoreChange.AllProgramRules);
        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        if (deleteOthers)
            await db.Set<ScoreChange>().Where(c => c.ModelVersion == version && !readByActive.Contains(c.RuleId) && !c.RuleId.StartsWith(ScoreChange.ProgramRulePrefix))
                .ExecuteDeleteAsync(cancel);
        await db.Set<ScoringRuleSource>().Where(s => s.Version == version).ExecuteDeleteAsync(cancel);
        db.AddRange(fromActive.Select(rule => new ScoringRuleSource { Version = version, RuleId = rule, SourceVersion = active }));
        db.AddRange(activeSources.Where(s => Carried(s.RuleId) && s.SourceVersion != version)
            .Select(s => new ScoringRuleSource { Version = version, RuleId = s.RuleId, SourceVersion = s.SourceVersion }));
        await db.SaveChangesAsync(cancel);
        await transaction.CommitAsync(cancel);
        db.ChangeTracker.Clear();
        return readByActive;
    }

    /// <summary>
    /// Writes the score changes of <paramref name="model"/>'s rules for everyone, from the events the worker has read.
    /// Everyone is scored in one pass over the contacts and their events (on two more connections) while the pages of
    /// changes already scored are written, so the database reads, the scoring and the writes overlap. On PostgreSQL
    /// the pages go into a table without indexes that then replaces the version's partition (<see cref="ScorePartitions"/>).
    /// </summary>
    /// <returns>The contacts scored (all of them when there are rules to compute) and the changes written.</returns>
    /// <param name="readByActive">The rules whose rows of this version stay (PostgreSQL moves them into the new partition).</param>
    private static async Task<(int Contacts, int Changes)> ComputeAsync(LifecycleDb db, int version, ScoringModel model, string[] readByActive,
        CancellationToken cancel)
    {
        if (!model.HasRules) return (0, 0);
        var cursor = await db.Set<ScoringCursor>().AsNoTracking().FirstOrDefaultAsync(c => c.Name == EventsCursor, cancel);
        var read = cursor is null ? (Start, "") : (cursor.ReceivedAt, cursor.MessageId);
        await db.Database.OpenConnectionAsync(cancel);
        var connection = db.Database.GetDbConnection();
        var postgres = connection as NpgsqlConnection;
        if (postgres is not null) await ScorePartitions.StartBuildAsync(postgres, version, cancel);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var pages = Channel.CreateBounded<ScoredPage>(2);
        var scoring = Task.Run(async () =>
        {
            try
            {
                await ScoreEveryoneAsync(db, version, model, read, pages.Writer, stop.Token);
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
                if (postgres is not null)
                    await ScoreChangeStore.AppendAsync(postgres, null, page.Changes, cancel, ScorePartitions.BuildTable(version));
                else
                    await using (var transaction = await db.Database.BeginTransactionAsync(cancel))
                    {
                        await ScoreChangeStore.AppendAsync(connection, transaction.GetDbTransaction(), page.Changes, cancel);
                        await transaction.CommitAsync(cancel);
                    }
                contacts += page.Contacts;
                written += page.Changes.Count;
            }
            if (postgres is not null) await ScorePartitions.SwapInAsync(postgres, version, readByActive, cancel);
        }
        catch when (postgres is not null)
        {
            await ScorePartitions.DropBuildAsync(postgres, version);
            throw;
        }
        finally
        {
            await stop.CancelAsync(); // a failed write stops the reading
            await scoring.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return (contacts, written);
    }

    private sealed record ScoredPage(int Contacts, List<ScoreChange> Changes);

    private sealed record RuleEvent(string MessageId, string? Name, string ContactId, DateTime Timestamp, string? Payload);

    /// <summary>
    /// Contacts in id order beside their rule-named events ordered by contact (each read by one query on a
    /// connection of its own), merged: a contact's events follow one another, so each contact is scored once, with
    /// all its events, and no query per page of contacts is needed (those were range scans of the contact index that
    /// fetched events all over the table).
    /// </summary>
    private static async Task ScoreEveryoneAsync(LifecycleDb db, int version, ScoringModel model, (DateTime At, string MessageId) read,
        ChannelWriter<ScoredPage> pages, CancellationToken cancel)
    {
        var (readAt, readId) = read;
        // Only events some engagement rule names are read (names compare case-insensitively, as rules match them),
        // and only those with property conditions carry their payload.
        var ruleEvents = model.Engagement.Select(r => r.Event.ToLowerInvariant()).Distinct().ToList();
        var needProperties = model.Engagement.Where(r => r.Where is { Length: > 0 }).Select(r => r.Event.ToLowerInvariant()).Distinct().ToList();
        var noProperties = new Dictionary<string, string>();
        // Both sides in byte order on PostgreSQL: a database collation may compare text through the C library, which
        // made sorting 20M events by contact a third slower. SQLite compares bytes already.
        var postgres = db.Engine == DatabaseEngine.Postgres;
        await using var people = db.OpenSibling();
        await using var activity = db.OpenSibling();
        var accounts = model.Fit.Length == 0 ? [] : await people.Accounts.AsNoTracking().ToDictionaryAsync(a => a.Id, cancel);
        // Events of a contact that no longer exists (merged away) are left out, so both sides hold the same ids.
        var ruleNamed = activity.Events.AsNoTracking()
            .Where(e => e.ContactId != null && e.Name != null && ruleEvents.Contains(e.Name.ToLower()))
            .Where(e => e.ReceivedAt < readAt || (e.ReceivedAt == readAt && string.Compare(e.MessageId, readId) <= 0))
            .Where(e => activity.Contacts.Any(c => c.Id == e.ContactId));
        var events = (postgres ? ruleNamed.OrderBy(e => EF.Functions.Collate(e.ContactId!, "C")) : ruleNamed.OrderBy(e => e.ContactId))
            .Select(e => new RuleEvent(e.MessageId, e.Name, e.ContactId!, e.Timestamp, needProperties.Contains(e.Name!.ToLower()) ? e.Payload : null))
            .AsAsyncEnumerable();
        await using var next = ruleEvents.Count == 0 ? AsyncEnumerable.Empty<RuleEvent>().GetAsyncEnumerator(cancel) : events.GetAsyncEnumerator(cancel);
        var more = await next.MoveNextAsync();
        var page = new List<ScoreChange>();
        var pageContacts = 0;
        var own = new List<ScoredEvent>();
        var contacts = postgres ? people.Contacts.AsNoTracking().OrderBy(c => EF.Functions.Collate(c.Id, "C")) : people.Contacts.AsNoTracking().OrderBy(c => c.Id);
        await foreach (var contact in contacts.AsAsyncEnumerable().WithCancellation(cancel))
        {
            own.Clear();
            for (; more && next.Current.ContactId == contact.Id; more = await next.MoveNextAsync())
            {
                var e = next.Current;
                own.Add(e.Payload is null ? new ScoredEvent(e.MessageId, e.Name, e.Timestamp, noProperties) : ScoredEvent.FromPayload(e.MessageId, e.Name, e.Timestamp, e.Payload));
            }
            var profile = ScoringModels.Profile(contact, contact.AccountId is { } a ? accounts.GetValueOrDefault(a) : null);
            var changes = Scorer.FitChanges(contact.Id, version, new Dictionary<string, int>(), Scorer.Fit(model, profile), contact.CreatedAt);
            foreach (var e in own.OrderBy(e => e.At).ThenBy(e => e.MessageId, StringComparer.Ordinal))
                changes.AddRange(Scorer.Engage(model, version, contact.Id, e, changes));
            page.AddRange(changes);
            pageContacts++;
            if (page.Count < ChangesPerPage) continue;
            await pages.WriteAsync(new ScoredPage(pageContacts, page), cancel);
            (page, pageContacts) = ([], 0);
        }
        // Both sides are ordered alike; an event left over means they were not.
        if (more) throw new InvalidOperationException($"events of contact {next.Current.ContactId} were read out of the contacts' order");
        await pages.WriteAsync(new ScoredPage(pageContacts, page), cancel);
    }
}
