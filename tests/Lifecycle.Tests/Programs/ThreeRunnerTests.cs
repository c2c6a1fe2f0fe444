using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Programs;
using Lifecycle.Server;
using Lifecycle.Tests.Email;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Lifecycle.Tests.Programs;

public class ThreeRunnerTests
{
    /// <summary>
    /// Three runners (as in three server processes) share one PostgreSQL database and run a two-e-mail program for
    /// 40 contacts at once, each claiming small batches; three delivery workers send the outbox to the real SMTP
    /// server. Every contact gets each e-mail exactly once, and every step ran once per contact.
    /// </summary>
    [Fact]
    public async Task Three_runners_on_one_postgres_send_each_contact_each_email_exactly_once()
    {
        var (host, port) = EmailTestServer.Smtp();
        await using var database = await TestDatabase.CreateAsync("postgres");
        var domain = $"{Guid.NewGuid():N}.runners.example";
        var options = new EmailOptions
        {
            SmtpHost = host, SmtpPort = port, SmtpSecurity = "none", FromAddress = $"news@{domain}", PostalAddress = "1 Main St",
            PublicBaseUrl = "http://127.0.0.1:1", SigningKey = "k", Connections = 2, RatePerSecond = 10_000, ClaimBatch = 5,
            // A send refused for a moment (a loaded SMTP server) is retried soon; this test is about exactly once, not about no retries.
            RetryAfter = TimeSpan.FromMilliseconds(200),
        };
        // Work that failed for a moment comes back: a runner or worker that finds nothing due keeps looking while any is left.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        async Task<bool> LeftAsync(bool messages)
        {
            await using var db = database.Database.Open();
            var left = messages
                ? await db.Set<EmailMessage>().AnyAsync(m => m.Status == MessageStatus.Queued)
                : await db.Set<Enrolment>().AnyAsync(e => e.State == EnrolmentState.Active);
            if (left && DateTime.UtcNow < deadline) await Task.Delay(100);
            return left && DateTime.UtcNow < deadline;
        }
        var program = new ProgramDefinition
        {
            Id = "onboarding", Name = "Onboarding", Status = ProgramStatus.Active,
            Steps =
            [
                new() { Id = "hello", Type = "send_email", TemplateId = "hello", Next = "pause" },
                new() { Id = "pause", Type = "wait", Until = DateTime.UtcNow.AddSeconds(-1), Next = "tips" },
                new() { Id = "tips", Type = "send_email", TemplateId = "tips", Next = "done" },
                new() { Id = "done", Type = "exit" },
            ],
        };
        const int count = 40;
        await using (var db = database.Database.Open())
        {
            db.AddRange(ProgramApiTests.Template("hello"), ProgramApiTests.Template("tips"));
            db.Add(new StoredProgram { Id = program.Id!, Name = program.Name!, Status = ProgramStatus.Active, Definition = program.ToJson(), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            for (var i = 0; i < count; i++)
            {
                db.Contacts.Add(new Contact { Id = $"r{i}", Email = $"r{i}@{domain}", FirstName = $"R{i}" });
                db.Add(new Enrolment { ProgramId = "onboarding", ContactId = $"r{i}", State = EnrolmentState.Active, CurrentStepId = "hello", DueAt = DateTime.UtcNow, Trigger = "api", EnteredAt = DateTime.UtcNow });
            }
            await db.SaveChangesAsync();
        }

        var delivery = new EmailDelivery(database.Database, Options.Create(options), TimeProvider.System, NullLogger<EmailDelivery>.Instance);
        var claims = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var runner = new ProgramRunner(database.Database, TimeProvider.System, new EmailOutbox(Options.Create(options), TimeProvider.System, delivery),
                Workspace.Default, NullLogger<ProgramRunner>.Instance);
            var claimed = 0;
            int round;
            while ((round = await runner.RunOnceAsync(3, default)) > 0 || await LeftAsync(messages: false)) claimed += round;
            return claimed;
        })));
        // Each contact is claimed once: its steps until the wait's past instant all run in that claim.
        Assert.Equal(count, claims.Sum());

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var worker = new EmailDelivery(database.Database, Options.Create(options), TimeProvider.System, NullLogger<EmailDelivery>.Instance);
            await using var pool = new SmtpPool(options, NullLogger.Instance);
            while (await worker.RunOnceAsync(pool) > 0 || await LeftAsync(messages: true)) { }
        })));

        await using (var db = database.Database.Open())
        {
            Assert.Equal(count, await db.Set<Enrolment>().CountAsync(e => e.State == EnrolmentState.Completed));
            var runs = await db.Set<StepRun>().AsNoTracking().ToListAsync();
            Assert.Equal(count * 4, runs.Count);
            Assert.All(runs.GroupBy(r => (r.ContactId, r.StepId)), g => Assert.Single(g));
            Assert.Equal(count * 2, await db.Set<EmailMessage>().CountAsync(m => m.Status == MessageStatus.Sent));
        }
        // The SMTP server's own record: each contact has exactly one "hello" and one "tips".
        var received = Directory.EnumerateFiles(Path.Combine(EmailTestServer.Mailbox(), "new"))
            .Select(file => { using var stream = File.OpenRead(file); return HeaderList.Load(stream); })
            .Where(headers => headers[HeaderId.To]?.Contains(domain) == true)
            .Select(headers => (To: headers[HeaderId.To]!.Trim(), Subject: headers[HeaderId.Subject]!.Split(' ')[0]))
            .ToList();
        Assert.Equal(count * 2, received.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Single(received, m => m.To.Contains($"r{i}@{domain}") && m.Subject == "hello");
            Assert.Single(received, m => m.To.Contains($"r{i}@{domain}") && m.Subject == "tips");
        }
    }
}
