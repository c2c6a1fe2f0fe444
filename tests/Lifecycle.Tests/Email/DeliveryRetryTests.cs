using System.Net;
using System.Net.Sockets;
using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Lifecycle.Tests.Email;

public class DeliveryRetryTests
{
    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>An SMTP server that cannot be reached is a temporary failure: retried after 1, then 2 minutes, then failed.</summary>
    [Theory, ClassData(typeof(Engines))]
    public async Task A_temporary_failure_is_retried_with_doubling_backoff_until_max_attempts(string engine)
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now: connection refused

        await using var database = await TestDatabase.CreateAsync(engine);
        var start = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
        var clock = new Clock(start);
        var options = new EmailOptions
        {
            SmtpHost = "127.0.0.1", SmtpPort = port, SmtpSecurity = "none", FromAddress = "news@retry.example", PostalAddress = "1 Main St",
            PublicBaseUrl = "http://127.0.0.1:1", SigningKey = "k", MaxAttempts = 3, RetryAfter = TimeSpan.FromMinutes(1),
        };
        var template = new EmailTemplate { Id = "t", Name = "T", DefaultLanguage = "en", Variants = [new("en", "s", "<p>h</p>", "t")] };
        var contact = new Contact { Id = "c1", Email = "c1@retry.example" };
        await using (var db = database.Database.Open())
        {
            db.AddRange(template, contact, EmailOutbox.Compose(options, template, new Recipient(contact, null), "msg_retry", start.UtcDateTime));
            await db.SaveChangesAsync();
        }
        var worker = new EmailDelivery(database.Database, Options.Create(options), clock, NullLogger<EmailDelivery>.Instance);
        await using var pool = new SmtpPool(options, NullLogger.Instance);

        async Task<EmailMessage> Row()
        {
            await using var db = database.Database.Open();
            return await db.Set<EmailMessage>().AsNoTracking().SingleAsync();
        }

        Assert.Equal(1, await worker.RunOnceAsync(pool));
        var first = await Row();
        Assert.Equal((MessageStatus.Queued, 1, start.UtcDateTime.AddMinutes(1)), (first.Status, first.Attempts, first.NextAttemptAt));
        Assert.StartsWith("connection:", first.SmtpAnswer);

        clock.Now = start.AddSeconds(59);
        Assert.Equal(0, await worker.RunOnceAsync(pool)); // not due yet

        clock.Now = start.AddMinutes(1);
        Assert.Equal(1, await worker.RunOnceAsync(pool));
        var second = await Row();
        // Second wait doubles: 1 min × 2^(2−1) = 2 min after the second attempt.
        Assert.Equal((MessageStatus.Queued, 2, start.UtcDateTime.AddMinutes(3)), (second.Status, second.Attempts, second.NextAttemptAt));

        clock.Now = start.AddMinutes(3);
        Assert.Equal(1, await worker.RunOnceAsync(pool));
        var last = await Row();
        Assert.Equal((MessageStatus.Failed, 3), (last.Status, last.Attempts));

        clock.Now = start.AddDays(1);
        Assert.Equal(0, await worker.RunOnceAsync(pool)); // failed for good
    }
}
