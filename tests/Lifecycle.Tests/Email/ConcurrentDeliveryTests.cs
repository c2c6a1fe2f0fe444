using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Lifecycle.Tests.Email;

public class ConcurrentDeliveryTests
{
    /// <summary>
    /// Three workers (as in three server processes) drain one outbox in small claims at the same time: every
    /// message reaches the SMTP server exactly once, and is recorded sent once with one Email Sent event.
    /// </summary>
    [Theory, ClassData(typeof(Engines))]
    public Task Three_workers_on_one_database_send_each_message_exactly_once(string engine) =>
        ThreeWorkersSendEachOnceAsync(engine, async (worker, pool) =>
        {
            var claimed = 0;
            int round;
            while ((round = await worker.RunOnceAsync(pool)) > 0) claimed += round;
            return claimed;
        });

    /// <summary>The same with the pipelined rounds the background worker runs (send one round while recording the
    /// one before and claiming the one after).</summary>
    [Theory, ClassData(typeof(Engines))]
    public Task Three_pipelined_workers_send_each_message_exactly_once(string engine) =>
        ThreeWorkersSendEachOnceAsync(engine, (worker, pool) => worker.DrainAsync(pool, CancellationToken.None));

    /// <summary>A worker stopped before sending gives its claimed round back: due at once, no attempt counted.</summary>
    [Theory, ClassData(typeof(Engines))]
    public async Task A_stopped_worker_releases_the_round_it_claimed_ahead(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var options = new EmailOptions
        {
            SmtpHost = "127.0.0.1", SmtpPort = 1, SmtpSecurity = "none", FromAddress = "news@release.example", PostalAddress = "1 Main St",
            PublicBaseUrl = "http://127.0.0.1:1", SigningKey = "k", ClaimBatch = 10,
        };
        var template = new EmailTemplate { Id = "t", Name = "T", DefaultLanguage = "en", Variants = [new("en", "Hi", "<p>Hi</p>", "Hi")] };
        await using (var db = database.Database.Open())
        {
            db.Add(template);
            for (var i = 0; i < 3; i++)
            {
                var contact = new Contact { Id = $"c{i}", Email = $"c{i}@release.example" };
                db.Contacts.Add(contact);
                db.Add(EmailOutbox.Compose(options, template, new Recipient(contact, null), EmailOutbox.NewId(), DateTime.UtcNow.AddSeconds(-1)));
            }
            await db.SaveChangesAsync();
        }
        var worker = new EmailDelivery(database.Database, Options.Create(options), TimeProvider.System, NullLogger<EmailDelivery>.Instance);
        await using var pool = new SmtpPool(options, NullLogger.Instance);

        Assert.Equal(0, await worker.DrainAsync(pool, new CancellationToken(canceled: true)));

        await using (var db = database.Database.Open())
        {
            var messages = await db.Set<EmailMessage>().ToListAsync();
            Assert.Equal(3, messages.Count(m => m.Status == MessageStatus.Queued && m.Attempts == 0 && m.ClaimToken == null
                                               && m.NextAttemptAt <= DateTime.UtcNow));
        }
    }

    private static async Task ThreeWorkersSendEachOnceAsync(string engine, Func<EmailDelivery, SmtpPool, Task<int>> drain)
    {
        var (host, port) = EmailTestServer.Smtp();
        await using var database = await TestDatabase.CreateAsync(engine);
        var options = new EmailOptions
        {
            SmtpHost = host, SmtpPort = port, SmtpSecurity = "none", FromAddress = "news@concurrent.example", PostalAddress = "1 Main St",
            PublicBaseUrl = "http://127.0.0.1:1", SigningKey = "k", Connections = 2, RatePerSecond = 10_000, ClaimBatch = 7,
        };
        var template = new EmailTemplate
        {
            Id = "t", Name = "T", DefaultLanguage = "en",
            Variants = [new("en", "Hi {{ contact.first_name }}", "<p>Hi <a href=\"https://example.com\">x</a></p>", "Hi")],
        };
        const int count = 60;
        var ids = new List<string>();
        await using (var db = database.Database.Open())
        {
            db.Add(template);
            for (var i = 0; i < count; i++)
            {
                var contact = new Contact { Id = $"c{i}", Email = $"c{i}.{Guid.NewGuid():N}@concurrent.example", FirstName = $"N{i}" };
                db.Contacts.Add(contact);
                var message = EmailOutbox.Compose(options, template, new Recipient(contact, null), EmailOutbox.NewId(), DateTime.UtcNow);
                ids.Add(message.Id);
                db.Add(message);
            }
            await db.SaveChangesAsync();
        }

        var claimedByWorker = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            var worker = new EmailDelivery(database.Database, Options.Create(options), TimeProvider.System, NullLogger<EmailDelivery>.Instance);
            await using var pool = new SmtpPool(options, NullLogger.Instance);
            return await drain(worker, pool);
        }));
        Assert.Equal(count, claimedByWorker.Sum());

        await using (var db = database.Database.Open())
        {
            Assert.Equal(count, await db.Set<EmailMessage>().CountAsync(m => m.Status == MessageStatus.Sent && m.Attempts == 1));
            Assert.Equal(count, await db.Events.CountAsync(e => e.Name == EmailFacts.Sent));
        }
        // The SMTP server's own record: one file per Message-ID.
        var delivered = Directory.EnumerateFiles(Path.Combine(EmailTestServer.Mailbox(), "new"))
            .Select(file => { using var stream = File.OpenRead(file); return HeaderList.Load(stream)[HeaderId.MessageId]?.Trim('<', '>', ' '); })
            .Where(id => id is not null && id.EndsWith("@concurrent.example"))
            .Select(id => id![..id!.IndexOf('@')])
            .Where(ids.Contains)
            .ToList();
        Assert.Equal(count, delivered.Count);
        Assert.Equal(count, delivered.Distinct().Count());
    }
}
