using Dapper;
using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Experiments;
using Lifecycle.Pipeline.Webhooks;
using Lifecycle.Scoring;
using Lifecycle.Segments;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Database = Lifecycle.Storage.Database;

namespace Lifecycle.Programs;

/// <summary>
/// Runs due enrolments: claims a batch (<c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL, so workers in several
/// processes never take the same one; SQLite has one writer), and moves each through its steps until a wait or
/// its end. A step's run row, its effects (the queued e-mail, the status change, the webhook event) and the
/// enrolment's new position commit in the batch's transaction, and the run is unique per enrolment, step and
/// visit: a step runs once. A step that throws is rolled back alone (a savepoint) and retried five minutes later.
/// </summary>
public sealed class ProgramRunner(Database database, TimeProvider clock, EmailOutbox outbox, Workspace workspace, ILogger<ProgramRunner> log)
{
    private const int MaxStepsAtOnce = 200;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(5);

    private abstract record Result;
    private sealed record GoTo(string? Next, string? Detail = null) : Result;
    private sealed record WaitUntil(DateTime DueAt) : Result;
    private sealed record Leave(EnrolmentState State, StepOutcome Outcome, string Detail) : Result;

    /// <returns>How many enrolments the batch claimed (0 when none is due).</returns>
    public async Task<int> RunOnceAsync(int batchSize, CancellationToken cancel)
    {
        await using var db = database.Open();
        var now = clock.GetUtcNow().UtcDateTime;
        // Idle servers (no program, nothing due) only pay this indexed look.
        if (!await db.Set<Enrolment>().AnyAsync(e => e.State == EnrolmentState.Active && e.DueAt <= now, cancel)) return 0;
        await EnsureScoringModelAsync(db, clock, cancel);
        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        var claimed = await ClaimAsync(db, now, batchSize, cancel);
        var programs = new Dictionary<string, ProgramDefinition>();
        foreach (var id in claimed)
        {
            await transaction.CreateSavepointAsync("enrolment", cancel);
            try
            {
                var enrolment = await db.Set<Enrolment>().FirstAsync(e => e.Id == id, cancel);
                if (!programs.TryGetValue(enrolment.ProgramId, out var program))
                    programs[enrolment.ProgramId] = program = (await db.Set<StoredProgram>().AsNoTracking().FirstAsync(p => p.Id == enrolment.ProgramId, cancel)).Parse();
                await AdvanceAsync(db, program, enrolment, now, cancel);
                await db.SaveChangesAsync(cancel);
            }
            catch (Exception e) when (!cancel.IsCancellationRequested)
            {
                log.LogError(e, "program enrolment {Enrolment} failed; retrying in {Retry}", id, RetryAfter);
                await transaction.RollbackToSavepointAsync("enrolment", cancel);
                db.ChangeTracker.Clear();
                var error = e.Message.Length > 500 ? e.Message[..500] : e.Message;
                await db.Set<Enrolment>().Where(x => x.Id == id)
                    .ExecuteUpdateAsync(u => u.SetProperty(x => x.DueAt, now + RetryAfter).SetProperty(x => x.LastError, error), cancel);
            }
            db.ChangeTracker.Clear();
        }
        await transaction.CommitAsync(cancel);
        return claimed.Count;
    }

    /// <summary>
    /// Conditions compile under the current scoring model. The first read of it creates the default one and clears
    /// the change tracker, so it happens before any enrolment is tracked; when several workers race to create it,
    /// one wins and the others read it.
    /// </summary>
    internal static async Task EnsureScoringModelAsync(LifecycleDb db, TimeProvider clock, CancellationToken cancel)
    {
        try
        {
            await ScoringModels.CurrentAsync(db, clock, cancel);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            await ScoringModels.CurrentAsync(db, clock, cancel);
        }
    }

    private static async Task<List<long>> ClaimAsync(LifecycleDb db, DateTime now, int batchSize, CancellationToken cancel)
    {
        if (db.Engine == DatabaseEngine.Postgres)
            return await db.Database.SqlQuery<long>($"""
                SELECT e.id AS "Value" FROM program_enrolments e
                WHERE e.state = 'active' AND e.due_at <= {now}
                  AND EXISTS (SELECT 1 FROM programs p WHERE p.id = e.program_id AND p.status = 'active')
                ORDER BY e.due_at LIMIT {batchSize}
                FOR UPDATE OF e SKIP LOCKED
                """).ToListAsync(cancel);
        return await db.Set<Enrolment>()
            .Where(e => e.State == EnrolmentState.Active && e.DueAt <= now)
            .Where(e => db.Set<StoredProgram>().Any(p => p.Id == e.ProgramId && p.Status == ProgramStatus.Active))
            .OrderBy(e => e.DueAt).Take(batchSize).Select(e => e.Id).ToListAsync(cancel);
    }

    private async Task AdvanceAsync(LifecycleDb db, ProgramDefinition program, Enrolment enrolment, DateTime now, CancellationToken cancel)
    {
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == enrolment.ContactId, cancel);
        if (contact is null)
        {
            await EndAsync(db, enrolment, EnrolmentState.Dropped, StepOutcome.Dropped, "the contact no longer exists", now, cancel);
            return;
        }
        // Goals hold wherever the contact is: one that holds now ends the enrolment before any further step.
        foreach (var goal in program.Steps.Where(s => s.Type == ProgramStepTypes.Goal))
        {
            if (!await MatchesAsync(db, goal.Condition!, contact.Id, cancel)) continue;
            await EndAsync(db, enrolment, EnrolmentState.Goal, StepOutcome.Goal, $"goal '{goal.Id}' reached", now, cancel);
            if (enrolment.CurrentStepId != goal.Id) AddRun(db, enrolment, goal.Id!, now, StepOutcome.Goal, "goal reached");
            return;
        }

        for (var executed = 0; executed < MaxStepsAtOnce; executed++)
        {
            var step = program.Step(enrolment.CurrentStepId);
            if (step is null)
            {
                await EndAsync(db, enrolment, EnrolmentState.Dropped, StepOutcome.Dropped, $"step '{enrolment.CurrentStepId}' was removed from the program", now, cancel);
                return;
            }
            Result result;
            StepRun run;
            if (enrolment.Waiting)
            {
                run = await OpenRunAsync(db, enrolment, cancel) ?? AddRun(db, enrolment, step.Id!, now, null, null);
                enrolment.Waiting = false;
                // A wait is over when it is due; a test-first split held the contact for its decision, taken now.
                result = step.Type == ProgramStepTypes.AbSplit ? await SplitAsync(db, program, step, contact, now, cancel) : new GoTo(step.Next);
            }
            else
            {
                enrolment.Visit++;
                run = AddRun(db, enrolment, step.Id!, now, null, null);
                result = await ExecuteAsync(db, program, enrolment, step, contact, now, cancel);
            }
            switch (result)
            {
                case WaitUntil wait:
                    enrolment.Waiting = true;
                    enrolment.DueAt = wait.DueAt;
                    return;
                case Leave leave:
                    (run.EndedAt, run.Outcome, run.Detail) = (now, leave.Outcome, leave.Detail);
                    End(enrolment, leave.State, leave.Detail, now);
                    return;
                case GoTo go:
                    (run.EndedAt, run.Outcome, run.Detail) = (now, StepOutcome.Completed, go.Detail);
                    if (go.Next is null)
                    {
                        End(enrolment, EnrolmentState.Completed, $"finished after step '{step.Id}'", now);
                        return;
                    }
                    enrolment.CurrentStepId = go.Next;
                    break;
            }
        }
        // A long run of instant steps: the rest continues in the next batch, so one enrolment cannot hold a worker.
        enrolment.DueAt = now;
    }

    /// <summary>
    /// An A/B split: a contact in the test sample (everyone, without <c>sample</c>) takes its variant by hash; the rest
    /// wait until the test has run <c>decide_after</c> from its first entry, then take the decided variant. The first
    /// worker past that instant decides and stores the decision (one per step: a racing worker's insert fails, its
    /// enrolment is retried and reads the stored one).
    /// </summary>
    private static async Task<Result> SplitAsync(LifecycleDb db, ProgramDefinition program, ProgramStep step, Contact contact, DateTime now, CancellationToken cancel)
    {
        if (ProgramSplits.InSample(program.Id!, step, contact.Id))
        {
            var arm = ProgramSplits.ArmOf(program.Id!, step, contact.Id);
            return new GoTo(step.Variants![arm].Next, ProgramSplits.VariantName(step, arm));
        }
        var decision = await db.Set<SplitDecision>().AsNoTracking().FirstOrDefaultAsync(d => d.ProgramId == program.Id && d.StepId == step.Id, cancel);
        if (decision is null)
        {
            var started = await db.Set<StepRun>().Where(r => r.ProgramId == program.Id && r.StepId == step.Id)
                .MinAsync(r => (DateTime?)r.EnteredAt, cancel) ?? now;
            var decideAt = started + ProgramCheck.WaitDuration(step.DecideAfter!)!.Value;
            if (now < decideAt) return new WaitUntil(decideAt);
            decision = ProgramSplits.Decide(program.Id!, step, await ProgramSplits.ReportAsync(db, program.Id!, step, cancel), now);
            db.Add(decision);
        }
        var chosen = step.Variants!.FindIndex(v => (v.Name ?? "") == decision.Winner);
        if (chosen < 0) chosen = 0; // the variant was renamed since: the control
        // The held contact is not part of the test: its run records the variant with the decision, not as a sample arm.
        return new GoTo(step.Variants[chosen].Next, $"rest: {ProgramSplits.VariantName(step, chosen)}");
    }

    private async Task<Result> ExecuteAsync(LifecycleDb db, ProgramDefinition program, Enrolment enrolment, ProgramStep step, Contact contact,
        DateTime now, CancellationToken cancel)
    {
        switch (step.Type)
        {
            case ProgramStepTypes.SendEmail:
                var template = await db.Set<EmailTemplate>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == step.TemplateId, cancel);
                if (template is null) return new Leave(EnrolmentState.Dropped, StepOutcome.Dropped, $"no e-mail template '{step.TemplateId}'");
                var account = contact.AccountId is null ? null : await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == contact.AccountId, cancel);
                return await outbox.QueueAsync(db, template, new Recipient(contact, account, program.Id, step.Id, contact.CampaignId), cancel) switch
                {
                    EmailOutbox.Queued queued => new GoTo(step.Next, queued.Message.Id),
                    // A server without e-mail settings must not drop its contacts: the step fails and is retried.
                    EmailOutbox.Refused { NotConfigured: true } refused => throw new InvalidOperationException(refused.Reason),
                    EmailOutbox.Refused refused => new Leave(EnrolmentState.Dropped, StepOutcome.Dropped, refused.Reason),
                    _ => throw new InvalidOperationException("unknown outbox outcome"),
                };
            case ProgramStepTypes.Wait:
                var due = ProgramWaits.DueAt(step, now, ProgramWaits.ZoneOf(contact.Custom, workspace.TimeZone));
                return due <= now ? new GoTo(step.Next) : new WaitUntil(due);
            case ProgramStepTypes.Branch:
                bool holds;
                if (step.Condition is not null)
                {
                    await db.SaveChangesAsync(cancel); // the condition reads the database: earlier steps' changes first
                    holds = await MatchesAsync(db, step.Condition, contact.Id, cancel);
                }
                else
                {
                    var since = await db.Set<StepRun>().AsNoTracking()
                        .Where(r => r.EnrolmentId == enrolment.Id && r.Visit == enrolment.Visit - 1).Select(r => (DateTime?)r.EnteredAt).FirstOrDefaultAsync(cancel)
                        ?? enrolment.EnteredAt;
                    holds = await db.Events.AnyAsync(e => e.ContactId == contact.Id && e.Name == step.Event && e.Timestamp >= since, cancel);
                }
                return new GoTo(holds ? step.Yes : step.No, holds ? "yes" : "no");
            case ProgramStepTypes.AbSplit:
                return await SplitAsync(db, program, step, contact, now, cancel);
            case ProgramStepTypes.UpdateField:
                SetField(contact, step.Field!, step.Value);
                return new GoTo(step.Next);
            case ProgramStepTypes.AddPoints:
                var (version, _) = await ScoringModels.CurrentAsync(db, clock, cancel);
                var rule = $"{ScoreChange.ProgramRulePrefix}{program.Id}:{step.Id}";
                db.Add(new ScoreChange
                {
                    ContactId = contact.Id, At = now, ModelVersion = version, RuleId = rule.Length > 64 ? rule[..64] : rule,
                    Kind = ScoreKind.Engagement, Points = step.Points!.Value,
                });
                return new GoTo(step.Next);
            case ProgramStepTypes.ChangeStatus:
                SnakeCase.TryParseEnum<ContactStatus>(step.Status, out var status);
                var change = await StatusChanges.ChangeAsync(db, contact, status, now, step.Reason, $"program:{program.Id}", cancel: cancel);
                return new GoTo(step.Next, change.Applied ? $"status {status.ToName()}" : $"status unchanged: {change.Decision.Refusal}");
            case ProgramStepTypes.NotifyOwner:
                await WebhookOutbox.EnqueueAsync(db, "program.notify_owner", new
                {
                    program_id = program.Id, step_id = step.Id, contact_id = contact.Id, owner_id = contact.OwnerId, message = step.Message,
                }, now, cancel);
                return new GoTo(step.Next, contact.OwnerId is null ? "no owner" : $"owner {contact.OwnerId}");
            case ProgramStepTypes.Webhook:
                await WebhookOutbox.EnqueueAsync(db, step.Event!, new { program_id = program.Id, step_id = step.Id, contact_id = contact.Id, email = contact.Email }, now, cancel);
                return new GoTo(step.Next);
            case ProgramStepTypes.Goal:
                await db.SaveChangesAsync(cancel);
                return await MatchesAsync(db, step.Condition!, contact.Id, cancel)
                    ? new Leave(EnrolmentState.Goal, StepOutcome.Goal, "goal reached")
                    : new GoTo(step.Next, "goal not reached");
            case ProgramStepTypes.Exit:
                return new Leave(EnrolmentState.Completed, StepOutcome.Completed, "exit");
            default:
                throw new InvalidOperationException($"step '{step.Id}' has unknown type '{step.Type}'");
        }
    }

    private static void SetField(Contact contact, string field, string? value)
    {
        switch (field)
        {
            case "first_name": contact.FirstName = value; break;
            case "last_name": contact.LastName = value; break;
            case "title": contact.Title = value; break;
            case "country": contact.Country = value; break;
            case "lead_source": contact.LeadSource = value; break;
            default:
                // A new dictionary, so the change tracker sees the JSON column change.
                var custom = new Dictionary<string, string>(contact.Custom);
                if (value is null) custom.Remove(field[7..]);
                else custom[field[7..]] = value;
                contact.Custom = custom;
                break;
        }
    }

    /// <summary>Whether one contact matches a condition in the segment language, read inside the batch's transaction.</summary>
    private async Task<bool> MatchesAsync(LifecycleDb db, string condition, string contactId, CancellationToken cancel)
    {
        var query = await SegmentQueries.CompileAsync(db, SegmentParser.Parse(condition), clock, cancel);
        var parameters = query.ToDapper();
        parameters.Add("program_contact", contactId);
        var count = await db.Database.GetDbConnection().ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) {SegmentQuery.From} WHERE c.id = @program_contact AND {query.Where}", parameters,
            db.Database.CurrentTransaction?.GetDbTransaction(), cancellationToken: cancel));
        return count > 0;
    }

    private static StepRun AddRun(LifecycleDb db, Enrolment enrolment, string stepId, DateTime now, StepOutcome? outcome, string? detail)
    {
        var run = new StepRun
        {
            EnrolmentId = enrolment.Id, ProgramId = enrolment.ProgramId, StepId = stepId, Visit = enrolment.Visit, ContactId = enrolment.ContactId,
            EnteredAt = now, EndedAt = outcome is null ? null : now, Outcome = outcome, Detail = detail,
        };
        db.Add(run);
        return run;
    }

    private static Task<StepRun?> OpenRunAsync(LifecycleDb db, Enrolment enrolment, CancellationToken cancel) =>
        db.Set<StepRun>().FirstOrDefaultAsync(r => r.EnrolmentId == enrolment.Id && r.StepId == enrolment.CurrentStepId && r.Visit == enrolment.Visit, cancel);

    /// <summary>Ends the enrolment where it stands: the open run of a waiting enrolment ends with the same outcome.</summary>
    private static async Task EndAsync(LifecycleDb db, Enrolment enrolment, EnrolmentState state, StepOutcome outcome, string reason, DateTime now, CancellationToken cancel)
    {
        if (enrolment.Waiting && await OpenRunAsync(db, enrolment, cancel) is { } run)
            (run.EndedAt, run.Outcome, run.Detail) = (now, outcome, reason);
        End(enrolment, state, reason, now);
    }

    private static void End(Enrolment enrolment, EnrolmentState state, string reason, DateTime now)
    {
        enrolment.State = state;
        enrolment.Waiting = false;
        enrolment.EndedAt = now;
        enrolment.EndReason = reason.Length > 500 ? reason[..500] : reason;
    }
}
