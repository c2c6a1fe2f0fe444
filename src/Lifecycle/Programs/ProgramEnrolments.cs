using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Programs;

/// <summary>Enrols a contact into a program (by API or a trigger), honouring one active enrolment and the re-entry rule.</summary>
public static class ProgramEnrolments
{
    public abstract record Outcome;
    public sealed record Enrolled(Enrolment Enrolment) : Outcome;
    public sealed record AlreadyActive(long EnrolmentId) : Outcome;
    public sealed record Refused(string Reason) : Outcome;

    /// <summary>Why a contact last enrolled at <paramref name="lastEntered"/> may not enter again now, or null when it may.</summary>
    public static string? ReEntryRefusal(ReEntry reEntry, DateTime? lastEntered, DateTime now) => (reEntry.Rule, lastEntered) switch
    {
        (_, null) => null,
        (ReEntryRule.Always, _) => null,
        (ReEntryRule.Never, { } last) => $"the contact entered this program at {last:O} and its re-entry rule is never",
        (ReEntryRule.AfterDays, { } last) when now < last.AddDays(reEntry.Days!.Value) =>
            $"the contact entered this program at {last:O}; it may enter again {reEntry.Days} days after that, from {last.AddDays(reEntry.Days!.Value):O}",
        _ => null,
    };

    /// <summary>
    /// Adds the enrolment and saves it; the partial unique index settles a race between two enrolers. Inside a
    /// PostgreSQL transaction (a trigger sweep) the losing insert aborts that transaction: the sweep fails and its
    /// next round, which reads from the same cursors, enrols the rest.
    /// </summary>
    public static async Task<Outcome> EnrolAsync(LifecycleDb db, ProgramDefinition program, string contactId, string trigger, DateTime now, CancellationToken cancel)
    {
        var earlier = await db.Set<Enrolment>().AsNoTracking().Where(e => e.ProgramId == program.Id && e.ContactId == contactId)
            .OrderByDescending(e => e.EnteredAt).Select(e => new { e.Id, e.State, e.EnteredAt }).ToListAsync(cancel);
        if (earlier.FirstOrDefault(e => e.State == EnrolmentState.Active) is { } active) return new AlreadyActive(active.Id);
        if (ReEntryRefusal(program.ReEntry, earlier.FirstOrDefault()?.EnteredAt, now) is { } refusal) return new Refused(refusal);

        var enrolment = new Enrolment
        {
            ProgramId = program.Id!, ContactId = contactId, State = EnrolmentState.Active, CurrentStepId = program.Start!.Id!,
            DueAt = now, Trigger = trigger, EnteredAt = now,
        };
        db.Add(enrolment);
        try
        {
            await db.SaveChangesAsync(cancel);
        }
        catch (DbUpdateException)
        {
            db.Entry(enrolment).State = EntityState.Detached;
            var winner = await db.Set<Enrolment>().AsNoTracking()
                .Where(e => e.ProgramId == program.Id && e.ContactId == contactId && e.State == EnrolmentState.Active).Select(e => (long?)e.Id).FirstOrDefaultAsync(cancel);
            if (winner is { } id) return new AlreadyActive(id);
            throw;
        }
        return new Enrolled(enrolment);
    }
}
