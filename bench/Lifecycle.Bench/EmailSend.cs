using System.Diagnostics;
using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Storage;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Lifecycle.Bench;

/// <summary>
/// E-mails per second rendered and accepted by a local SMTP server: N contacts, one two-language template;
/// render and queue every message (EmailOutbox.Compose), then deliver them as the outbox worker does (DrainAsync: rounds pipelined)
/// (claim, SMTP pool, record answers and Email Sent events). Baseline: the same MIME messages sent over the
/// same number of MailKit connections with no database and no rendering, the SMTP server's own ceiling here.
/// </summary>
public static class EmailSend
{
    public static async Task<int> RunAsync(string smtp, string connection, int count, int connections)
    {
        var options = new EmailOptions
        {
            SmtpHost = smtp[..smtp.LastIndexOf(':')], SmtpPort = int.Parse(smtp[(smtp.LastIndexOf(':') + 1)..]), SmtpSecurity = "none",
            FromAddress = "bench@lifecycle.example", FromName = "Lifecycle ベンチ", PostalAddress = "1-2-3 Chiyoda, Tokyo",
            PublicBaseUrl = "https://lifecycle.example", SigningKey = "bench-signing-key", Connections = connections, RatePerSecond = 1_000_000,
        };
        var database = Database.Parse(connection);
        await database.MigrateAsync();
        var template = new EmailTemplate
        {
            Id = "bench", Name = "Bench", DefaultLanguage = "en", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            Variants =
            [
                new("en", "Welcome to {{ account.name | default: \"Lifecycle\" }}, {{ contact.first_name | default: \"there\" }}",
                    "<html><body><h1>Hi {{ contact.first_name | default: \"there\" }}</h1><p>Your plan: {{ contact.custom.plan | default: \"trial\" }}</p><p><a href=\"https://docs.example.com/start\">Start</a> · <a href=\"https://example.com/pricing\">Pricing</a></p></body></html>",
                    "Hi {{ contact.first_name | default: \"there\" }}\nStart: https://docs.example.com/start\nPricing: https://example.com/pricing"),
                new("ja", "{{ contact.last_name | default: \"お客\" }}様、ようこそ", "<html><body><p>{{ contact.last_name }}様</p><p><a href=\"https://docs.example.com/ja\">はじめに</a></p></body></html>",
                    "{{ contact.last_name }}様\nはじめに: https://docs.example.com/ja"),
            ],
        };
        var contacts = Enumerable.Range(0, count).Select(i => new Contact
        {
            Id = $"bench-{i:D7}", Email = $"person{i}@bench.example", FirstName = $"Person{i}", LastName = i % 2 == 0 ? "佐藤" : "Smith",
            CreatedAt = DateTime.UtcNow, Custom = i % 2 == 0 ? new() { ["language"] = "ja" } : new() { ["plan"] = "pro" },
        }).ToList();
        await using (var db = database.Open())
        {
            db.Add(template);
            db.Contacts.AddRange(contacts);
            await db.SaveChangesAsync();
        }

        var clock = Stopwatch.StartNew();
        var messages = contacts.Select(c => EmailOutbox.Compose(options, template, new Recipient(c, null), EmailOutbox.NewId(), DateTime.UtcNow)).ToList();
        var rendered = clock.Elapsed;
        await using (var db = database.Open())
        {
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            foreach (var chunk in messages.Chunk(2_000))
            {
                db.AddRange(chunk);
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
        }
        var queued = clock.Elapsed;

        var delivery = new EmailDelivery(database, Options.Create(options), TimeProvider.System, NullLogger<EmailDelivery>.Instance);
        await using (var pool = new SmtpPool(options, NullLogger.Instance))
        {
            clock.Restart();
            await delivery.DrainAsync(pool, CancellationToken.None);
        }
        var delivered = clock.Elapsed;
        await using (var db = database.Open())
        {
            var sent = await db.Set<EmailMessage>().CountAsync(m => m.Status == MessageStatus.Sent);
            if (sent != count) { Console.Error.WriteLine($"only {sent} of {count} were sent"); return 2; }
        }

        // Baseline: the same messages as MIME, straight over the same number of connections.
        var links = new MessageLinks(options.PublicBaseUrl, options.SigningKey);
        var mime = messages.Select(m => MessageMime.Build(m, options, links, DateTimeOffset.UtcNow)).ToList();
        clock.Restart();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            using var client = new SmtpClient();
            await client.ConnectAsync(options.SmtpHost, options.SmtpPort, SecureSocketOptions.None);
            int i;
            while ((i = Interlocked.Increment(ref next)) < mime.Count) await client.SendAsync(mime[i]);
            await client.DisconnectAsync(true);
        }));
        var plain = clock.Elapsed;

        double PerSecond(TimeSpan t) => count / t.TotalSeconds;
        Console.WriteLine($"engine={database.Engine} messages={count} connections={connections}");
        Console.WriteLine($"render+compose: {PerSecond(rendered):F0}/s  queue (insert): {PerSecond(queued - rendered):F0}/s");
        Console.WriteLine($"deliver (claim, SMTP, record): {PerSecond(delivered):F0}/s  render+queue+deliver: {count / (queued + delivered).TotalSeconds:F0}/s");
        Console.WriteLine($"baseline (MailKit only, same connections): {PerSecond(plain):F0}/s  deliver ÷ baseline: {plain / delivered:F2}");
        return 0;
    }
}
