using System.Globalization;
using Lifecycle.Contacts;
using Lifecycle.Segments;
using Lifecycle.Server;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Programs;

/// <summary>
/// Enrols contacts into active programs from their triggers. Each kind reads from a durable cursor
/// (program_cursors), so a restart neither misses nor repeats: trigger events by arrival (received_at, message_id)
/// as the scoring worker reads them; recycled contacts by transition id; missed actions by the deadline instant
/// (first event + within days) passed since the last sweep; date fields once per workspace day. Segment triggers
/// enrol the current members not enrolled (the re-entry rule decides about former ones). On PostgreSQL one
/// process sweeps at a time (a transaction-scoped advisory lock); the others skip the round.
/// </summary>
public sealed class ProgramTriggers(Database database, TimeProvider clock, Workspace workspace)
{
    private const long SweepLock = 0x70726F67; // "prog"
    private static readonly TimeSpan PostgresSettle = TimeSpan.FromSeconds(2);

    /// <returns>How many contacts were enrolled.</returns>
    public async Task<int> SweepAsync(CancellationToken cancel)
    {
        await using var db = database.Open();
        var now = clock.GetUtcNow().UtcDateTime;
        // Nothing to do (and no cursor placed) until a program is active.
        if (!await db.Set<StoredProgram>().AnyAsync(p => p.Status == ProgramStatus.Active, cancel)) return 0;
        await ProgramRunner.EnsureScoringModelAsync(db, clock, cancel); // may clear the change tracker: before any cursor is tracked
        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        if (db.Engine == DatabaseEngine.Postgres
            && !await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({SweepLock}) AS \"Value\"").SingleAsync(cancel))
            return 0;
        var programs = (await db.Set<StoredProgram>().AsNoTracking().Where(p => p.Status == ProgramStatus.Active).ToListAsync(cancel))
            .Select(p => (Stored: p, Definition: p.Parse())).ToList();
        var enrolled = 0;
        enrolled += await EventTriggersAsync(db, programs.Select(p => p.Definition).ToList(), now, cancel);
        enrolled += await RecycledTriggersAsync(db, programs.Select(p => p.Definition).ToList(), now, cancel);
        foreach (var (stored, program) in programs)
        {
            for (var i = 0; i < program.Triggers.Count; i++)
            {
                var trigger = program.Triggers[i];
                enrolled += trigger.Type switch
                {
                    "segment" => await SegmentAsync(db, program, trigger, now, cancel),
                    "missed_action" => await MissedActionAsync(db, program, stored.UpdatedAt, trigger, $"missed:{program.Id}:{i}", now, cancel),
                    "date" => await DateAsync(db, program, trigger, $"date:{program.Id}:{i}", now, cancel),
                    _ => 0,
                };
            }
        }
        await db.SaveChangesAsync(cancel);
        await transaction.CommitAsync(cancel);
        return enrolled;
    }

    private static async Task<int> EnrolAllAsync(LifecycleDb db, ProgramDefinition program, IEnumerable<string> contactIds, string trigger, DateTime now, CancellationToken cancel)
    {
        var enrolled = 0;
        foreach (var contactId in contactIds.Distinct())
            if (await ProgramEnrolments.EnrolAsync(db, program, contactId, trigger, now, cancel) is ProgramEnrolments.Enrolled) enrolled++;
        return enrolled;
    }

    private static async Task<ProgramCursor> CursorAsync(LifecycleDb db, string name, DateTime at, string key, CancellationToken cancel)
    {
        var cursor = await db.Set<ProgramCursor>().FirstOrDefaultAsync(c => c.Name == name, cancel);
        if (cursor is null) db.Add(cursor = new ProgramCursor { Name = name, At = at, Key = key });
        return cursor;
    }

    private static async Task<int> EventTriggersAsync(LifecycleDb db, List<ProgramDefinition> programs, DateTime now, CancellationToken cancel)
    {
        // The cursor starts where the first sweep finds it: activating a program does not replay all history.
        var cursor = await CursorAsync(db, "events", now, "", cancel);
        var byEvent = programs.SelectMany(p => p.Triggers.Where(t => t.Type == "event").Select(t => (Event: t.Event!, Program: p))).ToLookup(x => x.Event, x => x.Program);
        var upTo = now - (db.Engine == DatabaseEngine.Postgres ? PostgresSettle : TimeSpan.Zero);
        var enrolled = 0;
        while (true)
        {
            var events = await EventArrivals.After(db, cursor.At, cursor.Key, upTo).Take(1000)
                .Select(e => new { e.MessageId, e.Name, e.ContactId, e.ReceivedAt }).ToListAsync(cancel);
            if (events.Count == 0) return enrolled;
            foreach (var e in events.Where(e => e.Name is not null && e.ContactId is not null))
                foreach (var program in byEvent[e.Name!])
                    enrolled += await EnrolAllAsync(db, program, [e.ContactId!], "event", now, cancel);
            (cursor.At, cursor.Key) = (events[^1].ReceivedAt, events[^1].MessageId);
        }
    }

    private static async Task<int> RecycledTriggersAsync(LifecycleDb db, List<ProgramDefinition> programs, DateTime now, CancellationToken cancel)
    {
        var latest = await db.Transitions.MaxAsync(t => (long?)t.Id, cancel) ?? 0;
        var cursor = await CursorAsync(db, "recycled", now, latest.ToString(System.Globalization.CultureInfo.InvariantCulture), cancel);
        var after = long.Parse(cursor.Key, System.Globalization.CultureInfo.InvariantCulture);
        var recycled = await db.Transitions.AsNoTracking().Where(t => t.Id > after && t.Id <= latest && t.ToStatus == ContactStatus.Recycled)
            .OrderBy(t => t.Id).Select(t => new { t.ContactId, t.Reason }).ToListAsync(cancel);
        var enrolled = 0;
        foreach (var t in recycled)
            foreach (var program in programs.Where(p => p.Triggers.Any(x => x.Type == "recycled" && SameReason(x.Reason, t.Reason))))
                enrolled += await EnrolAllAsync(db, program, [t.ContactId], "recycled", now, cancel);
        cursor.Key = latest.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return enrolled;
    }

    /// <summary>
    /// Reasons compare ignoring case, spaces and underscores, and the note after a colon: a trigger "not ready" takes
    /// the sales queue's rejection "not ready: budget next quarter" and a transition reason not_ready.
    /// </summary>
    public static bool SameReason(string? trigger, string? reason) =>
        trigger is not null && reason is not null && Normal(trigger) == Normal(reason.Split(':')[0]);

    private static string Normal(string text) => new(text.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    private async Task<int> SegmentAsync(LifecycleDb db, ProgramDefinition program, EntryTrigger trigger, DateTime now, CancellationToken cancel)
    {
        var definition = trigger.SavedSegment is null ? trigger.Segment : await SavedDefinitionAsync(db, trigger.SavedSegment, cancel);
        // A saved segment deleted after the program was saved enrols nobody until it exists again.
        if (definition is null) return 0;
        var members = await SegmentQueries.MembersAsync(db, SegmentParser.Parse(definition), clock, null, 0, cancel);
        var enrolledBefore = await db.Set<Enrolment>().AsNoTracking().Where(e => e.ProgramId == program.Id)
            .Select(e => new { e.ContactId, e.State }).ToListAsync(cancel);
        // Active ones stay; with re-entry never, anyone enrolled before stays out; the rest ask EnrolAsync.
        var skip = enrolledBefore.Where(e => e.State == EnrolmentState.Active || program.ReEntry.Rule == ReEntryRule.Never).Select(e => e.ContactId).ToHashSet();
        return await EnrolAllAsync(db, program, members.Select(m => m.Id).Where(id => !skip.Contains(id)), "segment", now, cancel);
    }

    /// <summary>A saved segment's definition, found by its name or, failing that, by its id.</summary>
    private static async Task<string?> SavedDefinitionAsync(LifecycleDb db, string nameOrId, CancellationToken cancel)
    {
        var segments = db.Set<Segment>().AsNoTracking();
        return await segments.Where(s => s.Name == nameOrId).Select(s => s.Definition).FirstOrDefaultAsync(cancel)
               ?? (long.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                   ? await segments.Where(s => s.Id == id).Select(s => s.Definition).FirstOrDefaultAsync(cancel)
                   : null);
    }

    /// <summary>Contacts whose first event's deadline (its timestamp + within days) passed since the last sweep without the missing event.</summary>
    private static async Task<int> MissedActionAsync(LifecycleDb db, ProgramDefinition program, DateTime activatedAt, EntryTrigger trigger, string name,
        DateTime now, CancellationToken cancel)
    {
        var cursor = await CursorAsync(db, name, activatedAt, "", cancel);
        var within = TimeSpan.FromDays(trigger.WithinDays!.Value);
        var (from, to) = (cursor.At - within, now - within);
        var started = await db.Events.AsNoTracking()
            .Where(e => e.Name == trigger.Event && e.ContactId != null && e.Timestamp > from && e.Timestamp <= to)
            .Select(e => new { ContactId = e.ContactId!, e.Timestamp }).ToListAsync(cancel);
        var missed = new List<string>();
        foreach (var e in started)
        {
            var deadline = e.Timestamp + within;
            if (!await db.Events.AnyAsync(x => x.ContactId == e.ContactId && x.Name == trigger.Missing && x.Timestamp >= e.Timestamp && x.Timestamp <= deadline, cancel))
                missed.Add(e.ContactId);
        }
        cursor.At = now;
        return await EnrolAllAsync(db, program, missed, "missed_action", now, cancel);
    }

    /// <summary>Once per workspace day: contacts whose date field, plus the offset, falls on today's month and day (yearly).</summary>
    private async Task<int> DateAsync(LifecycleDb db, ProgramDefinition program, EntryTrigger trigger, string name, DateTime now, CancellationToken cancel)
    {
        var today = DateOnly.FromDateTime(workspace.Local(now));
        var cursor = await CursorAsync(db, name, DateTime.MinValue, "", cancel);
        if (cursor.Key == today.ToString("yyyy-MM-dd")) return 0;
        cursor.Key = today.ToString("yyyy-MM-dd");
        cursor.At = now;
        var anniversary = today.AddDays(-(trigger.OffsetDays ?? 0));
        List<(string Id, DateOnly Date)> dated = trigger.Field switch
        {
            "birthday" => (await db.Contacts.AsNoTracking().Where(c => c.Birthday != null).Select(c => new { c.Id, c.Birthday }).ToListAsync(cancel))
                .Select(c => (c.Id, c.Birthday!.Value)).ToList(),
            "created_at" => (await db.Contacts.AsNoTracking().Select(c => new { c.Id, c.CreatedAt }).ToListAsync(cancel))
                .Select(c => (c.Id, DateOnly.FromDateTime(workspace.Local(c.CreatedAt)))).ToList(),
            _ => (await db.Contacts.AsNoTracking().Select(c => new { c.Id, c.Custom }).ToListAsync(cancel))
                .Where(c => c.Custom.TryGetValue(trigger.Field![7..], out var v) && DateOnly.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out _))
                .Select(c => (c.Id, DateOnly.Parse(c.Custom[trigger.Field![7..]], System.Globalization.CultureInfo.InvariantCulture))).ToList(),
        };
        return await EnrolAllAsync(db, program, dated.Where(d => IsAnniversary(d.Date, anniversary)).Select(d => d.Id), "date", now, cancel);
    }

    /// <summary>Same month and day; a 29 February date falls on 28 February in other years.</summary>
    public static bool IsAnniversary(DateOnly date, DateOnly day) =>
        date.Month == day.Month && (date.Day == day.Day || (date is { Month: 2, Day: 29 } && day.Day == 28 && !DateTime.IsLeapYear(day.Year)));
}
