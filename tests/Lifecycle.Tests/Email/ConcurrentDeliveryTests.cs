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
    public async Task Three_workers_on_one_database_send_each_message_exactly_once(string engine)
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
            var claimed = 0;
            int round;
            while ((round = await worker.RunOnceAsync(pool)) > 0) claimed += round;
            return claimed;
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
