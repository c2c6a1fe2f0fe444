using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Lifecycle.Capture;
using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Tests.Email;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using static Lifecycle.Tests.Capture.CaptureApiTests;

namespace Lifecycle.Tests.Capture;

/// <summary>The e-mails a submission sends by itself, through the real SMTP server (aiosmtpd writing a Maildir), on both engines.</summary>
public class CaptureEmailTests
{
    private static object Form() => new
    {
        id = "frm-ja", slug = "seminar", name = "セミナー申込", campaign_id = "cmp-webinar",
        fields = new object[]
        {
            new { name = "email", label = "E-mail", type = "email", maps_to = "email" },
            new { name = "last_name", label = "姓", maps_to = "last_name" },
            new { name = "first_name", label = "名", maps_to = "first_name" },
            new { name = "company", label = "会社名", maps_to = "account.name" },
            new { name = "language", label = "Language", maps_to = "custom.language" },
        },
        consent = new { purpose = "marketing_email", wording = "セミナーと製品のお知らせをメールで受け取ります。", required = true },
        double_opt_in = true,
        notify_email = "Owner@Lifecycle.example",
    };

    private static async Task<EmailTestServer> StartAsync(string engine)
    {
        var server = await EmailTestServer.StartAsync(engine);
        await Expect(await server.Client.PostAsJsonAsync("/api/campaigns", new { id = "cmp-webinar", name = "Webinar Q1", channel = "webinar" }), HttpStatusCode.Created);
        var unknown = await Expect(await server.Client.PostAsJsonAsync("/api/forms", new
        {
            slug = "other", name = "Other", fields = new[] { new { name = "email", label = "E-mail", type = "email", maps_to = "email" } },
            consent = new { purpose = "marketing_email", wording = "Yes" }, double_opt_in = true, confirmation_template_id = "nope",
        }), HttpStatusCode.BadRequest);
        Assert.Equal("no e-mail template 'nope'", unknown.GetProperty("errors").GetProperty("confirmation_template_id")[0].GetString());
        await Expect(await server.Client.PostAsJsonAsync("/api/forms", Form()), HttpStatusCode.Created);
        return server;
    }

    private static Task<HttpResponseMessage> SubmitAsync(EmailTestServer server, params (string Name, string Value)[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/f/seminar") { Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return server.Public().SendAsync(request);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_double_opt_in_mails_the_signed_link_and_following_it_makes_the_contact_mailable(string engine)
    {
        await using var server = await StartAsync(engine);
        await Expect(await SubmitAsync(server, ("email", "hanako@example.jp"), ("last_name", "山田"), ("first_name", "花子"),
            ("company", "한빛 주식회사"), ("language", "ja"), ("consent", "on")), HttpStatusCode.OK);

        EmailMessage request;
        await using (var db = server.Database.Database.Open())
        {
            var contact = await db.Contacts.SingleAsync();
            Assert.Equal((ContactStatus.Inquiry, false), (contact.Status, contact.Consent)); // no consent before the click
            request = await db.Set<EmailMessage>().SingleAsync(m => m.TemplateId == CaptureEmails.ConfirmationTemplateId);
            Assert.Equal((contact.Id, "hanako@example.jp", "ja"), (request.ContactId, request.ToAddress, request.Language));
        }
        var mail = await EmailTestServer.DeliveredAsync($"{request.Id}@lifecycle.example");
        Assert.Equal("購読の確認をお願いします", mail.Subject);
        Assert.Equal("hanako@example.jp", ((MailboxAddress)mail.To.Single()).Address);
        Assert.Contains("山田 様", mail.TextBody);

        // The link in the mail, followed over HTTP: the tracked redirect leads to the signed confirmation page.
        var link = Regex.Match(mail.TextBody!, @"確認する: (\S+)").Groups[1].Value;
        using var visitor = new HttpClient();
        var page = await visitor.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var landed = page.RequestMessage!.RequestUri!;
        Assert.StartsWith("/f/confirm/cnf_", landed.AbsolutePath);
        Assert.Contains("セミナーと製品のお知らせをメールで受け取ります。", WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()));
        var sig = System.Web.HttpUtility.ParseQueryString(landed.Query)["sig"]!;
        var confirmed = await visitor.PostAsync(new Uri(landed, landed.AbsolutePath), new FormUrlEncodedContent(new Dictionary<string, string> { ["sig"] = sig }));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);

        await using (var db = server.Database.Database.Open())
        {
            var contact = await db.Contacts.SingleAsync();
            Assert.Equal((ContactStatus.Lead, true), (contact.Status, contact.Consent));
            Assert.Equal("confirmation", (await db.Set<Consent>().SingleAsync()).Source);
        }
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_owner_gets_the_submitted_fields_in_UTF8_untracked_and_a_suppressed_address_gets_no_confirmation(string engine)
    {
        await using var server = await StartAsync(engine);
        await using (var db = server.Database.Database.Open())
        {
            db.Add(new Suppression { Email = "gone@example.kr", Reason = SuppressionReason.Unsubscribed, At = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        await Expect(await SubmitAsync(server, ("email", "gone@example.kr"), ("last_name", "김"), ("first_name", "민준"),
            ("company", "株式会社テスト <b>"), ("consent", "on")), HttpStatusCode.OK);

        EmailMessage notice;
        await using (var db = server.Database.Database.Open())
        {
            var contact = await db.Contacts.SingleAsync();
            Assert.Single(await db.Set<ConsentConfirmation>().ToListAsync()); // the request is recorded ...
            Assert.Equal(0, await db.Set<EmailMessage>().CountAsync(m => m.ToAddress == "gone@example.kr")); // ... but never mailed
            notice = await db.Set<EmailMessage>().SingleAsync();
            Assert.Equal((null, "owner@lifecycle.example", CaptureEmails.NotificationTemplateId), (notice.ContactId, notice.ToAddress, notice.TemplateId));
            var record = await db.Set<FormNotification>().SingleAsync();
            Assert.Equal((contact.Id, "Owner@Lifecycle.example".ToLowerInvariant()), (record.ContactId, record.Recipient));
            Assert.NotNull(record.SentAt);
        }
        var mail = await EmailTestServer.DeliveredAsync($"{notice.Id}@lifecycle.example");
        Assert.Equal("New submission: セミナー申込", mail.Subject);
        Assert.Contains("姓: 김", mail.TextBody);
        Assert.Contains("名: 민준", mail.TextBody);
        Assert.Contains("会社名: 株式会社テスト <b>", mail.TextBody);
        Assert.Contains("E-mail: gone@example.kr", mail.TextBody);
        Assert.Contains("<td>株式会社テスト &lt;b&gt;</td>", mail.HtmlBody); // what a visitor typed is never HTML
        Assert.All(mail.BodyParts.OfType<TextPart>(), part => Assert.Equal("utf-8", part.ContentType.Charset, ignoreCase: true));
        Assert.DoesNotContain("/email/o/", mail.HtmlBody); // no tracking pixel
        Assert.DoesNotContain("/email/c/", mail.HtmlBody);
        Assert.Null(mail.Headers[HeaderId.ListUnsubscribe]);
        await using (var db = server.Database.Database.Open())
        {
            for (var waited = 0; await db.Set<EmailMessage>().AsNoTracking().AnyAsync(m => m.Id == notice.Id && m.Status != MessageStatus.Sent); waited++)
            {
                Assert.True(waited < 100, "the notice was not recorded as sent");
                await Task.Delay(100);
            }
            Assert.Equal(0, await db.Events.CountAsync(e => e.Name == EmailFacts.Sent)); // the owner is no contact: no events
        }
    }
}
