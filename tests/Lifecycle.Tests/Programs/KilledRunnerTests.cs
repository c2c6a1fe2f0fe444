using System.Diagnostics;
using Dapper;
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
using Npgsql;

namespace Lifecycle.Tests.Programs;

public class KilledRunnerTests
{
    /// <summary>
    /// A real server process (`lifecycle serve`) runs a two-e-mail program in claimed batches and is killed with
    /// SIGKILL while a batch's transaction holds claimed enrolments. Its uncommitted batch rolls back with it (the
    /// step runs and the queued e-mails commit with the enrolments' new positions), so another runner takes those
    /// enrolments up and finishes them. The killed process composes but does not deliver (no SmtpHost), so the
    /// SMTP server's Maildir is the record of what was queued: every contact got each e-mail exactly once.
    /// </summary>
    [Fact]
    public async Task A_runner_killed_mid_batch_loses_and_repeats_nothing()
    {
        var (host, port) = EmailTestServer.Smtp();
        await using var database = await TestDatabase.CreateAsync("postgres");
        var domain = $"{Guid.NewGuid():N}.killed.example";
        var options = new EmailOptions
        {
            SmtpHost = host, SmtpPort = port, SmtpSecurity = "none", FromAddress = $"news@{domain}", PostalAddress = "1 Main St",
            PublicBaseUrl = "http://127.0.0.1:1", SigningKey = "killed-runner", Connections = 2, RatePerSecond = 10_000,
        };
        var program = new ProgramDefinition
        {
            Id = "onboarding", Name = "Onboarding", Status = ProgramStatus.Active,
            Steps =
            [
                new() { Id = "hello", Type = "send_email", TemplateId = "hello", Next = "tips" },
                new() { Id = "tips", Type = "send_email", TemplateId = "tips", Next = "done" },
                new() { Id = "done", Type = "exit" },
            ],
        };
        const int count = 300;
        await using (var db = database.Database.Open())
        {
            db.AddRange(ProgramApiTests.Template("hello"), ProgramApiTests.Template("tips"));
            db.Add(new StoredProgram { Id = program.Id!, Name = program.Name!, Status = ProgramStatus.Active, Definition = program.ToJson(), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            for (var i = 0; i < count; i++)
            {
                db.Contacts.Add(new Contact { Id = $"k{i}", Email = $"k{i}@{domain}", FirstName = $"K{i}" });
                db.Add(new Enrolment { ProgramId = "onboarding", ContactId = $"k{i}", State = EnrolmentState.Active, CurrentStepId = "hello", DueAt = DateTime.UtcNow, Trigger = "api", EnteredAt = DateTime.UtcNow });
            }
            await db.SaveChangesAsync();
        }

        const string application = "killed-runner";
        var connection = new NpgsqlConnectionStringBuilder(database.Database.ConnectionString) { ApplicationName = application }.ConnectionString;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Lifecycle.Cli.dll"), "serve", "--urls", "http://127.0.0.1:0" }) start.ArgumentList.Add(arg);
        start.Environment["LIFECYCLE_DB"] = connection;
        start.Environment["Lifecycle__Email__FromAddress"] = options.FromAddress;
        start.Environment["Lifecycle__Email__PostalAddress"] = options.PostalAddress;
        start.Environment["Lifecycle__Email__PublicBaseUrl"] = options.PublicBaseUrl;
        start.Environment["Lifecycle__Email__SigningKey"] = options.SigningKey;
        start.Environment["Lifecycle__Programs__BatchSize"] = "20";
        start.Environment["Lifecycle__Programs__PollMilliseconds"] = "100";
        using var runner = Process.Start(start)!;
        _ = runner.StandardOutput.ReadToEndAsync();
        _ = runner.StandardError.ReadToEndAsync();

        // Kill it once it has committed some batches and has another one open (claimed rows locked, not committed).
        var killedWithOpenBatch = false;
        int finishedBeforeKill;
        await using (var watch = new NpgsqlConnection(database.Database.ConnectionString))
        {
            await watch.OpenAsync();
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (true)
            {
                Assert.False(runner.HasExited, "the runner process ended before it could be killed");
                Assert.True(DateTime.UtcNow < deadline, "the runner process did not start running the program in 3 minutes");
                finishedBeforeKill = await watch.ExecuteScalarAsync<int>("SELECT COUNT(*)::int FROM program_enrolments WHERE state = 'completed'");
                // A claim (SELECT ... FOR UPDATE) holds a RowShareLock on program_enrolments until its batch commits.
                var open = await watch.ExecuteScalarAsync<int>(
                    """
                    SELECT COUNT(*)::int FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE a.application_name = @application AND l.relation = 'program_enrolments'::regclass AND l.mode = 'RowShareLock'
                    """, new { application });
                if (finishedBeforeKill > 0 && open > 0)
                {
                    runner.Kill(entireProcessTree: true); // SIGKILL
                    killedWithOpenBatch = true;
                    break;
                }
                await Task.Delay(10);
            }
        }
        await runner.WaitForExitAsync();
        Assert.True(killedWithOpenBatch);
        Assert.InRange(finishedBeforeKill, 1, count - 1);

        // Another runner finishes the program, and the outbox is delivered.
        var delivery = new EmailDelivery(database.Database, Options.Create(options), TimeProvider.System, NullLogger<EmailDelivery>.Instance);
        var other = new ProgramRunner(database.Database, TimeProvider.System, new EmailOutbox(Options.Create(options), TimeProvider.System, delivery),
            Workspace.Default, NullLogger<ProgramRunner>.Instance);
        var deadlineForLocks = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            while (await other.RunOnceAsync(50, default) > 0) { }
            await using var db = database.Database.Open();
            // The killed process's backend rolls back once PostgreSQL notices the closed socket; its rows are then claimable.
            if (await db.Set<Enrolment>().CountAsync(e => e.State == EnrolmentState.Completed) == count || DateTime.UtcNow > deadlineForLocks) break;
            await Task.Delay(200);
        }
        await using (var pool = new SmtpPool(options, NullLogger.Instance))
            await delivery.DrainAsync(pool, CancellationToken.None);

        await using (var db = database.Database.Open())
        {
            Assert.Equal(count, await db.Set<Enrolment>().CountAsync(e => e.State == EnrolmentState.Completed));
            var runs = await db.Set<StepRun>().AsNoTracking().ToListAsync();
            Assert.Equal(count * 3, runs.Count);
            Assert.All(runs.GroupBy(r => (r.ContactId, r.StepId)), g => Assert.Single(g));
            Assert.Equal(count * 2, await db.Set<EmailMessage>().CountAsync(m => m.Status == MessageStatus.Sent));
        }
        var received = Directory.EnumerateFiles(Path.Combine(EmailTestServer.Mailbox(), "new"))
            .Select(file => { using var stream = File.OpenRead(file); return HeaderList.Load(stream); })
            .Where(headers => headers[HeaderId.To]?.Contains(domain) == true)
            .Select(headers => (To: headers[HeaderId.To]!.Trim(), Subject: headers[HeaderId.Subject]!.Split(' ')[0]))
            .ToList();
        Assert.Equal(count * 2, received.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Single(received, m => m.To.Contains($"k{i}@{domain}") && m.Subject == "hello");
            Assert.Single(received, m => m.To.Contains($"k{i}@{domain}") && m.Subject == "tips");
        }
    }
}
