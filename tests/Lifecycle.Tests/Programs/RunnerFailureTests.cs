using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Programs;
using Lifecycle.Server;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Lifecycle.Tests.Programs;

public class RunnerFailureTests
{
    private static StoredProgram Program(string id, params ProgramStep[] steps)
    {
        var definition = new ProgramDefinition { Id = id, Name = id, Status = ProgramStatus.Active, Steps = [.. steps] };
        return new StoredProgram { Id = id, Name = id, Status = ProgramStatus.Active, Definition = definition.ToJson() };
    }

    /// <summary>
    /// A step that throws (here: e-mail is not configured, so the message cannot be composed) is rolled back alone:
    /// no run is recorded for it, its enrolment is retried five minutes later with the error kept, and the other
    /// enrolment of the same batch completes.
    /// </summary>
    [Theory, ClassData(typeof(Engines))]
    public async Task A_failing_step_is_rolled_back_alone_and_retried_later(string engine)
    {
        var now = DateTime.Parse("2026-11-25T10:00:00Z").ToUniversalTime();
        var clock = new FakeTimeProvider(new DateTimeOffset(now));
        await using var database = await TestDatabase.CreateAsync(engine);
        await using (var db = database.Database.Open())
        {
            db.Add(ProgramApiTests.Template("hello"));
            db.AddRange(
                Program("mail", new ProgramStep { Id = "hello", Type = "send_email", TemplateId = "hello" }),
                Program("plain", new ProgramStep { Id = "tag", Type = "update_field", Field = "title", Value = "Nurtured", Next = "end" }, new ProgramStep { Id = "end", Type = "exit" }));
            db.Contacts.Add(new Contact { Id = "x", Email = "x@failure.example" });
            db.AddRange(
                new Enrolment { ProgramId = "mail", ContactId = "x", State = EnrolmentState.Active, CurrentStepId = "hello", DueAt = now, Trigger = "api", EnteredAt = now },
                new Enrolment { ProgramId = "plain", ContactId = "x", State = EnrolmentState.Active, CurrentStepId = "tag", DueAt = now, Trigger = "api", EnteredAt = now });
            await db.SaveChangesAsync();
        }
        var unconfigured = Options.Create(new EmailOptions());
        var runner = new ProgramRunner(database.Database, clock,
            new EmailOutbox(unconfigured, clock, new EmailDelivery(database.Database, unconfigured, clock, NullLogger<EmailDelivery>.Instance)),
            Workspace.Default, NullLogger<ProgramRunner>.Instance);

        Assert.Equal(2, await runner.RunOnceAsync(10, default));

        await using (var db = database.Database.Open())
        {
            var mail = await db.Set<Enrolment>().SingleAsync(e => e.ProgramId == "mail");
            Assert.Equal((EnrolmentState.Active, "hello", 0, now.AddMinutes(5)), (mail.State, mail.CurrentStepId, mail.Visit, mail.DueAt));
            Assert.NotNull(mail.LastError);
            Assert.False(await db.Set<StepRun>().AnyAsync(r => r.ProgramId == "mail"));
            Assert.Equal(0, await db.Set<EmailMessage>().CountAsync());
            Assert.Equal(EnrolmentState.Completed, (await db.Set<Enrolment>().SingleAsync(e => e.ProgramId == "plain")).State);
            Assert.Equal("Nurtured", (await db.Contacts.SingleAsync(c => c.Id == "x")).Title);
        }
        // Not due again until the retry instant.
        Assert.Equal(0, await runner.RunOnceAsync(10, default));
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await runner.RunOnceAsync(10, default));
    }
}
