using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lifecycle.Email;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Lifecycle.Tests.Email;

/// <summary>Templates, sends and links end to end: the real server, the real SMTP server (aiosmtpd), both engines.</summary>
public class EmailDeliveryTests
{
    private static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    private static readonly object Welcome = new
    {
        id = "welcome", name = "Welcome", default_language = "en",
        variants = new object[]
        {
            new { language = "en", subject = "Welcome, {{ contact.first_name | default: \"there\" }}",
                  html = "<html><body><p>Hi {{ contact.first_name | default: \"there\" }}</p><p><a href=\"https://docs.example.com/start?ref=mail&amp;x=1\">Start</a></p></body></html>",
                  text = "Hi {{ contact.first_name | default: \"there\" }}\nStart: https://docs.example.com/start?ref=mail&x=1" },
            new { language = "ja", subject = "{{ contact.last_name | default: \"お客\" }}様、{{ account.name | default: \"貴社\" }}へようこそ",
                  html = "<html><body><p>{{ contact.last_name }}様</p><p><a href=\"https://docs.example.com/ja/start\">はじめに</a></p></body></html>",
                  text = "{{ contact.last_name }}様\nはじめに: https://docs.example.com/ja/start" },
        },
    };

    private static async Task<EmailTestServer> StartWithContactsAsync(string engine)
    {
        var server = await EmailTestServer.StartAsync(engine);
        var api = server.Client;
        await Expect(await api.PostAsJsonAsync("/api/accounts", new { id = "a1", name = "株式会社サンプル" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new
        {
            id = "c-ja", email = $"hanako.{Guid.NewGuid():N}@sample.jp", first_name = "花子", last_name = "佐藤", account_id = "a1",
            custom = new Dictionary<string, string> { ["language"] = "ja-JP" },
        }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c-en", email = $"ann.{Guid.NewGuid():N}@example.com", first_name = "Ann" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/email-templates", Welcome), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/campaigns", new { id = "onboarding", name = "Onboarding", channel = "email" }), HttpStatusCode.Created);
        return server;
    }

    private static async Task<JsonElement> SendAndWaitAsync(EmailTestServer server, string contactId, string? campaignId = null)
    {
        var queued = await Expect(await server.Client.PostAsJsonAsync("/api/emails/send",
            new { template_id = "welcome", contact_id = contactId, campaign_id = campaignId }), HttpStatusCode.Accepted);
        var id = queued.GetProperty("id").GetString()!;
        for (var i = 0; i < 200; i++)
        {
            var message = await Expect(await server.Client.GetAsync($"/api/emails/{id}"), HttpStatusCode.OK);
            if (message.GetProperty("status").GetString() != "queued") return message;
            await Task.Delay(100);
        }
        throw new TimeoutException($"message {id} still queued after 20 s");
    }

    private static async Task<List<(string Name, string? ContactId, JsonElement Properties)>> EventsAsync(EmailTestServer server)
    {
        await using var db = server.Database.Database.Open();
        var rows = await db.Events.AsNoTracking().Where(e => e.Name!.StartsWith("Email ")).OrderBy(e => e.Timestamp).ToListAsync();
        return rows.Select(r => (r.Name!, r.ContactId, JsonDocument.Parse(r.Payload).RootElement.GetProperty("properties").Clone())).ToList();
    }

    private static string Href(string html, string pathPart) =>
        WebUtility.HtmlDecode(Regex.Match(html, $"(?:href|src)=\"([^\"]*{Regex.Escape(pathPart)}[^\"]*)\"").Groups[1].Value);

    [Theory, ClassData(typeof(Engines))]
    public async Task A_sent_message_reaches_the_SMTP_server_and_its_click_open_and_tampered_links_behave(string engine)
    {
        await using var server = await StartWithContactsAsync(engine);
        var sent = await SendAndWaitAsync(server, "c-ja", "onboarding");
        var id = sent.GetProperty("id").GetString()!;
        Assert.Equal("sent", sent.GetProperty("status").GetString());
        Assert.StartsWith("250 ", sent.GetProperty("smtp_answer").GetString());
        Assert.Equal("ja", sent.GetProperty("language").GetString());

        // What the SMTP server received: the Japanese variant (contact language ja-JP → ja), UTF-8 parts, RFC 8058 headers.
        var mail = await EmailTestServer.DeliveredAsync($"{id}@lifecycle.example");
        Assert.Equal("佐藤様、株式会社サンプルへようこそ", mail.Subject);
        Assert.Equal("Lifecycle ニュース", ((MailboxAddress)mail.From[0]).Name);
        Assert.StartsWith($"<{server.Address}email/u/{id}?sig=", mail.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        var parts = Assert.IsType<MultipartAlternative>(mail.Body);
        Assert.Equal(["text/plain", "text/html"], parts.Select(p => p.ContentType.MimeType));
        Assert.All(parts.OfType<TextPart>(), p => Assert.Equal("utf-8", p.ContentType.Charset));
        Assert.Contains("佐藤様", mail.TextBody);
        Assert.Contains("<p>佐藤様</p>", mail.HtmlBody);
        Assert.Contains(EmailTestServer.PostalAddress, mail.TextBody);
        Assert.Contains(EmailTestServer.PostalAddress, mail.HtmlBody);
        Assert.DoesNotContain("https://docs.example.com", mail.HtmlBody); // every link goes through the redirect

        using var web = server.Public();
        var click = Href(mail.HtmlBody!, "/email/c/");
        var redirect = await web.GetAsync(click);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("https://docs.example.com/ja/start", redirect.Headers.Location!.ToString());

        // A tampered signature, another index, or another message id: refused, never redirected.
        var tampered = Regex.Replace(click, "sig=(.)", m => "sig=" + (m.Groups[1].Value == "A" ? "B" : "A"));
        foreach (var forged in new[] { tampered, click.Replace($"/{id}/0?", $"/{id}/1?"), click.Replace(id, id[..^1] + (id[^1] == '0' ? '1' : '0')) })
        {
            var refused = await web.GetAsync(forged);
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.Null(refused.Headers.Location);
        }

        var pixel = await web.GetAsync(Href(mail.HtmlBody!, "/email/o/"));
        Assert.Equal(HttpStatusCode.OK, pixel.StatusCode);
        Assert.Equal("image/gif", pixel.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/email/o/{id}.gif?sig=AAAAAAAAAAAAAAAAAAAAAA")).StatusCode);

        var events = await EventsAsync(server);
        Assert.Equal(["Email Sent", "Email Clicked", "Email Opened"], events.Select(e => e.Name));
        Assert.All(events, e => Assert.Equal("c-ja", e.ContactId));
        Assert.All(events, e => Assert.Equal((id, "welcome", "onboarding"),
            (e.Properties.GetProperty("message_id").GetString(), e.Properties.GetProperty("email_id").GetString(), e.Properties.GetProperty("campaign_id").GetString())));
        Assert.Equal("https://docs.example.com/ja/start", events[1].Properties.GetProperty("url").GetString());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task One_click_unsubscribe_suppresses_the_address_and_a_later_send_is_refused(string engine)
    {
        await using var server = await StartWithContactsAsync(engine);
        var sent = await SendAndWaitAsync(server, "c-en");
        var id = sent.GetProperty("id").GetString()!;
        var mail = await EmailTestServer.DeliveredAsync($"{id}@lifecycle.example");
        Assert.Equal("Welcome, Ann", mail.Subject);
        // The text part's link goes through the same redirect as the HTML part's (index 0, the one distinct URL).
        Assert.Contains($"Start: {server.Address}email/c/{id}/0?sig=", mail.TextBody);

        using var web = server.Public();
        var unsubscribe = mail.Headers["List-Unsubscribe"]!.Trim('<', '>');
        // A GET (a link scanner, or the footer link) only shows the button.
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync(unsubscribe)).StatusCode);
        Assert.DoesNotContain(await EventsAsync(server), e => e.Name == "Email Unsubscribed");
        // What a mail client sends for RFC 8058 one-click.
        var oneClick = await web.PostAsync(unsubscribe, new StringContent("List-Unsubscribe=One-Click", Encoding.ASCII, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await web.PostAsync(unsubscribe.Replace("sig=", "sig=x"), null)).StatusCode);

        await using (var db = server.Database.Database.Open())
        {
            var suppression = await db.Set<Suppression>().SingleAsync();
            Assert.Equal((mail.To.Mailboxes.Single().Address, SuppressionReason.Unsubscribed, id), (suppression.Email, suppression.Reason, suppression.MessageId));
        }
        Assert.Contains(await EventsAsync(server), e => e.Name == "Email Unsubscribed" && e.ContactId == "c-en");

        var unknown = await Expect(await server.Client.PostAsJsonAsync("/api/emails/send", new { template_id = "welcome", contact_id = "c-en", campaign_id = "nope" }), HttpStatusCode.BadRequest);
        Assert.Equal("no campaign 'nope'", unknown.GetProperty("errors").GetProperty("campaign_id")[0].GetString());
        var refused = await server.Client.PostAsJsonAsync("/api/emails/send", new { template_id = "welcome", contact_id = "c-en" });
        var problem = await Expect(refused, HttpStatusCode.Conflict);
        Assert.Contains("suppressed (unsubscribed", problem.GetProperty("detail").GetString());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task An_address_suppressed_after_queueing_is_skipped_at_send_time(string engine)
    {
        await using var server = await StartWithContactsAsync(engine);
        string address;
        await using (var db = server.Database.Database.Open())
        {
            var contact = await db.Contacts.SingleAsync(c => c.Id == "c-en");
            address = contact.Email!;
            var template = await db.Set<EmailTemplate>().SingleAsync();
            var settings = new EmailOptions
            {
                FromAddress = "news@lifecycle.example", PostalAddress = "x", PublicBaseUrl = server.Address.ToString(), SigningKey = EmailTestServer.SigningKey,
            };
            // Queued to be due a moment later, and the address suppressed in between (a complaint arrived).
            var message = EmailOutbox.Compose(settings, template, new Recipient(contact, null), EmailOutbox.NewId(), DateTime.UtcNow.AddSeconds(1));
            db.Add(message);
            await db.SaveChangesAsync();
            await EmailFacts.SuppressAsync(db, address, SuppressionReason.Complaint, DateTime.UtcNow, "test", null, CancellationToken.None);

            for (var i = 0; i < 100 && (await db.Set<EmailMessage>().AsNoTracking().SingleAsync()).Status == MessageStatus.Queued; i++) await Task.Delay(100);
            var skipped = await db.Set<EmailMessage>().AsNoTracking().SingleAsync();
            Assert.Equal(MessageStatus.Suppressed, skipped.Status);
            Assert.Contains("suppressed (complaint)", skipped.SmtpAnswer);
        }
        Assert.DoesNotContain(await EventsAsync(server), e => e.Name == "Email Sent");
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task ESP_bounce_complaint_and_unsubscribe_webhooks_suppress_and_become_events(string engine)
    {
        await using var server = await StartWithContactsAsync(engine);
        var ja = await SendAndWaitAsync(server, "c-ja");
        var en = await SendAndWaitAsync(server, "c-en");
        var (jaId, jaAddress) = (ja.GetProperty("id").GetString()!, ja.GetProperty("to_address").GetString()!);
        var (enId, enAddress) = (en.GetProperty("id").GetString()!, en.GetProperty("to_address").GetString()!);
        using var web = server.Public();
        var key = EmailTestServer.WebhookKey;

        Assert.Equal(HttpStatusCode.Unauthorized, (await web.PostAsync("/webhooks/email/ses?key=wrong", new StringContent("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await web.PostAsync($"/webhooks/email/sendgrid?key={key}", new StringContent("{}"))).StatusCode);

        // SES through SNS (posted as text/plain): a permanent bounce of the Japanese contact's message.
        var ses = await web.PostAsync($"/webhooks/email/ses?key={key}", new StringContent(EspWebhookTests.SesBounce(jaAddress, jaId), Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.OK, ses.StatusCode);
        // SendGrid: a spam report on the English contact's message, and a soft bounce that suppresses nothing.
        var sendGrid = JsonSerializer.Serialize(new object[]
        {
            new Dictionary<string, object> { ["email"] = enAddress, ["event"] = "spamreport", ["smtp-id"] = $"<{enId}@lifecycle.example>" },
            new Dictionary<string, object> { ["email"] = "soft@example.com", ["event"] = "bounce", ["type"] = "blocked" },
        });
        Assert.Equal(HttpStatusCode.OK, (await web.PostAsync($"/webhooks/email/sendgrid?key={key}", new StringContent(sendGrid, Encoding.UTF8, "application/json"))).StatusCode);
        // Mailgun: an unsubscribe of an address that never got a message here is still suppressed.
        var mailgun = """{"event-data":{"event":"unsubscribed","recipient":"Someone@Example.com"}}""";
        Assert.Equal(HttpStatusCode.OK, (await web.PostAsync($"/webhooks/email/mailgun?key={key}", new StringContent(mailgun, Encoding.UTF8, "application/json"))).StatusCode);

        await using (var db = server.Database.Database.Open())
        {
            var suppressions = await db.Set<Suppression>().AsNoTracking().OrderBy(s => s.Email).ToListAsync();
            Assert.Equal(
                new[] { (jaAddress, SuppressionReason.HardBounce), (enAddress, SuppressionReason.Complaint), ("someone@example.com", SuppressionReason.Unsubscribed) }.OrderBy(s => s.Item1),
                suppressions.Select(s => (s.Email, s.Reason)));
            Assert.Equal(MessageStatus.Bounced, (await db.Set<EmailMessage>().SingleAsync(m => m.Id == jaId)).Status);
        }
        var events = await EventsAsync(server);
        var bounced = Assert.Single(events, e => e.Name == "Email Bounced");
        Assert.Equal(("c-ja", jaId, "hard", "ses"), (bounced.ContactId, bounced.Properties.GetProperty("message_id").GetString(),
            bounced.Properties.GetProperty("bounce_type").GetString(), bounced.Properties.GetProperty("source").GetString()));
        Assert.Equal("c-en", Assert.Single(events, e => e.Name == "Email Complained").ContactId);

        // Suppressed addresses are refused from now on.
        await Expect(await server.Client.PostAsJsonAsync("/api/emails/send", new { template_id = "welcome", contact_id = "c-ja" }), HttpStatusCode.Conflict);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Templates_are_checked_when_saved_listed_and_previewed(string engine)
    {
        await using var server = await StartWithContactsAsync(engine);
        var api = server.Client;
        var bad = await api.PostAsJsonAsync("/api/email-templates", new
        {
            name = "Broken", default_language = "en",
            variants = new[] { new { language = "en", subject = "Hi {{ contact.first_name }}", html = "<p>Hello</p>\n<p>{{ contact.frist_name }}</p>", text = "Hi\n{% if contact.email %}" } },
        });
        var problem = await Expect(bad, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.StartsWith("line 2: unknown variable 'contact.frist_name'", errors.GetProperty("variants[0].html")[0].GetString());
        Assert.StartsWith("line 2:", errors.GetProperty("variants[0].text")[0].GetString());
        Assert.False(errors.TryGetProperty("variants[0].subject", out _));

        var missingDefault = await Expect(await api.PostAsJsonAsync("/api/email-templates", new
        {
            name = "No default", default_language = "fr",
            variants = new[] { new { language = "en", subject = "s", html = "h", text = "t" } },
        }), HttpStatusCode.BadRequest);
        Assert.Contains("no variant has the language 'fr'", missingDefault.GetProperty("errors").GetProperty("default_language")[0].GetString());

        var list = await Expect(await api.GetAsync("/api/email-templates"), HttpStatusCode.OK);
        Assert.Equal("welcome", Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());

        var preview = await Expect(await api.PostAsJsonAsync("/api/email-templates/welcome/preview", new { contact_id = "c-ja" }), HttpStatusCode.OK);
        Assert.Equal(("ja", "佐藤様、株式会社サンプルへようこそ"), (preview.GetProperty("language").GetString(), preview.GetProperty("subject").GetString()));
        var english = await Expect(await api.PostAsJsonAsync("/api/email-templates/welcome/preview", new { contact_id = "c-ja", language = "en" }), HttpStatusCode.OK);
        Assert.Equal("Welcome, 花子", english.GetProperty("subject").GetString());

        var updated = await Expect(await api.PutAsJsonAsync("/api/email-templates/welcome", new
        {
            name = "Welcome v2", default_language = "en",
            variants = new[] { new { language = "en", subject = "Hello {{ contact.name }}", html = "<p>x</p>", text = "x" } },
        }), HttpStatusCode.OK);
        Assert.Equal("Welcome v2", updated.GetProperty("name").GetString());
        var fetched = await Expect(await api.GetAsync("/api/email-templates/welcome"), HttpStatusCode.OK);
        Assert.Equal("Hello {{ contact.name }}", Assert.Single(fetched.GetProperty("variants").EnumerateArray()).GetProperty("subject").GetString());
    }
}
