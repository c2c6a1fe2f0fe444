using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Lifecycle.Access;
using Lifecycle.Email;
using Lifecycle.Pipeline;
using Lifecycle.Tests.Email;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Lifecycle.Tests.Pipeline.PipelineTestKit;

namespace Lifecycle.Tests.Pipeline;

/// <summary>The pipeline's own e-mails through the real SMTP server (aiosmtpd writing a Maildir), on both engines.</summary>
public class SystemEmailTests
{
    private const string Secret = "whsec_nps_secret_1";

    private static async Task<long> SalesUserAsync(EmailTestServer server, string email)
    {
        await using var db = server.Database.Database.Open();
        var (user, refusal) = await Users.CreateAsync(db, email, "Ana", UserRole.Sales, "a long enough password", TimeProvider.System);
        Assert.Null(refusal);
        return user!.Id;
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_breached_SLA_counted_in_the_workspace_zone_mails_its_owner_once(string engine)
    {
        // Fri 2026-11-27 15:30Z is Sat 00:30 in Tokyo (UTC+9): the clock starts Mon 2026-11-30 00:00 Tokyo and two
        // business days later is Wed 2026-12-02 00:00 Tokyo = Tue 2026-12-01 15:00Z (counted in UTC: Fri 15:30Z + 2 = Tue 15:30Z).
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T15:30:00Z"));
        await using var server = await EmailTestServer.StartAsync(engine, b => b.Services.AddSingleton<TimeProvider>(clock),
            "--Lifecycle:Workspace:TimeZone=Asia/Tokyo", "--Lifecycle:Pipeline:PollMilliseconds=50");
        var api = server.Client;
        await SalesUserAsync(server, "ana@acme.test");
        var settings = await Expect(await api.GetAsync("/api/queue/settings"), HttpStatusCode.OK);
        Assert.Equal(("Asia/Tokyo", true), (settings.Text("time_zone"), settings.GetProperty("time_zone_from_workspace").GetBoolean()));
        settings = await Expect(await api.PutAsJsonAsync("/api/queue/settings", new { time_zone = "Europe/Berlin" }), HttpStatusCode.OK);
        Assert.Equal(("Europe/Berlin", false), (settings.Text("time_zone"), settings.GetProperty("time_zone_from_workspace").GetBoolean()));
        settings = await Expect(await api.PutAsJsonAsync("/api/queue/settings", new { time_zone = "" }), HttpStatusCode.OK); // back to the workspace's
        Assert.Equal(("Asia/Tokyo", true), (settings.Text("time_zone"), settings.GetProperty("time_zone_from_workspace").GetBoolean()));

        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1", email = "kenji@example.jp", first_name = "健二", last_name = "佐藤", status = "lead" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts/c1/status", new { to = "mql", reason = "Demo Requested" }), HttpStatusCode.Created);
        var queued = Assert.Single((await Expect(await api.GetAsync("/api/queue"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal("2026-12-01T15:00:00Z", queued.Text("due_at"));

        async Task<List<EmailMessage>> Notices()
        {
            await using var db = server.Database.Database.Open();
            return await db.Set<EmailMessage>().AsNoTracking().Where(m => m.TemplateId == PipelineEmails.BreachTemplateId).ToListAsync();
        }
        clock.SetUtcNow(DateTimeOffset.Parse("2026-12-01T14:59:00Z"));
        await Task.Delay(300);
        Assert.Empty(await Notices()); // not due yet
        clock.SetUtcNow(DateTimeOffset.Parse("2026-12-01T15:00:00Z"));
        await Until(async () => (await Notices()).Count == 1, "the breach notice");
        var notice = Assert.Single(await Notices());
        Assert.Equal(("ana@acme.test", (string?)null), (notice.ToAddress, notice.ContactId));
        var mail = await EmailTestServer.DeliveredAsync($"{notice.Id}@lifecycle.example");
        Assert.Equal("SLA breached: 健二 佐藤", mail.Subject);
        Assert.Contains("Hello Ana,", mail.TextBody);
        Assert.Contains("In the queue since 2026-11-28 00:30 Asia/Tokyo; due 2026-12-02 00:00 Asia/Tokyo.", mail.TextBody);
        Assert.Contains("E-mail: kenji@example.jp", mail.TextBody);

        // Later polls see the breach already notified: no second mail.
        clock.Advance(TimeSpan.FromHours(1));
        await Task.Delay(500);
        Assert.Single(await Notices());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task An_NPS_survey_to_a_segment_records_one_click_answers_comments_and_the_NPS(string engine)
    {
        await using var server = await EmailTestServer.StartAsync(engine, null, "--Lifecycle:Webhooks:AllowPrivateTargets=true",
            "--Lifecycle:Pipeline:PollMilliseconds=50");
        await using var crm = await WebhookReceiver.StartAsync(Secret);
        var api = server.Client;
        await Expect(await api.PostAsJsonAsync("/api/webhooks", new { url = crm.Url, secret = Secret, events = new[] { "nps.responded" } }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1", email = "ana@example.com", first_name = "Ana", status = "customer" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c2", email = "yui@example.jp", last_name = "高橋", status = "customer",
            custom = new Dictionary<string, string> { ["language"] = "ja" } }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c3", email = "min@example.kr", first_name = "민", status = "customer" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c4", email = "leo@example.com", status = "lead" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/segments", new { name = "Customers", definition = "status = customer" }), HttpStatusCode.Created);

        var bad = await Expect(await api.PostAsJsonAsync("/api/nps/surveys", new { segment = "Nobody" }), HttpStatusCode.BadRequest);
        Assert.Equal("no segment 'Nobody'", bad.GetProperty("errors").GetProperty("segment")[0].GetString());
        var sent = await Expect(await api.PostAsJsonAsync("/api/nps/surveys", new { segment = "Customers" }), HttpStatusCode.Accepted);
        Assert.Equal((3, 3, 0), (sent.GetProperty("members").GetInt32(), sent.GetProperty("queued").GetInt32(), sent.GetProperty("refused").GetArrayLength()));

        // Each contact's mail, and the link for a score in it, followed over HTTP (through the tracked redirect).
        using var visitor = new HttpClient();
        async Task<(string Subject, Uri Page)> AnswerAsync(string contactId, int score)
        {
            string messageId;
            await using (var db = server.Database.Database.Open())
                messageId = (await db.Set<EmailMessage>().SingleAsync(m => m.ContactId == contactId && m.TemplateId == PipelineEmails.SurveyTemplateId)).Id;
            var mail = await EmailTestServer.DeliveredAsync($"{messageId}@lifecycle.example");
            var link = Regex.Match(mail.TextBody!, $@"(?m)^{score}: (\S+)$").Groups[1].Value;
            var page = await visitor.GetAsync(link);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains($"Your answer: <b>{score}</b>", await page.Content.ReadAsStringAsync());
            return (mail.Subject!, page.RequestMessage!.RequestUri!);
        }
        var (subject, anaPage) = await AnswerAsync("c1", 9);
        Assert.Equal("How likely are you to recommend us?", subject);
        Assert.Equal("当社をおすすめいただける可能性はどのくらいですか？", (await AnswerAsync("c2", 6)).Subject);
        await AnswerAsync("c3", 3);
        await AnswerAsync("c3", 10); // changed her mind: the answer is updated, not added
        Assert.Matches(@"^/nps/nps_[0-9a-f]{32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/9$", anaPage.AbsolutePath);

        var comment = await visitor.PostAsync(anaPage, new FormUrlEncodedContent(new Dictionary<string, string> { ["comment"] = "とても使いやすいです。サポートも早い！" }));
        Assert.Equal(HttpStatusCode.OK, comment.StatusCode);
        Assert.Contains("Your comment is saved.", await comment.Content.ReadAsStringAsync());
        var token = anaPage.AbsolutePath.Split('/')[2];
        var forged = new Uri(anaPage, $"/nps/{token[..^1]}{(token[^1] == 'A' ? 'B' : 'A')}/9"); // one character of the signature changed
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync(forged)).StatusCode);

        await using (var db = server.Database.Database.Open())
        {
            var responses = await db.NpsResponses.AsNoTracking().OrderBy(n => n.ContactId).ToListAsync();
            Assert.Equal([("c1", 9), ("c2", 6), ("c3", 10)], responses.Select(r => (r.ContactId, r.Score)));
            Assert.Equal(["とても使いやすいです。サポートも早い！", null, null], responses.Select(r => r.Comment));
            Assert.Single(responses.Select(r => r.SurveyId).Distinct());
        }

        // expand.nps: promoters 9 and 10 (2), detractors 6 (1), no passives, 3 answers: 100 x (2 - 1) / 3 = 33.3…
        var today = DateTime.UtcNow.Date;
        var metrics = await Expect(await api.GetAsync($"/api/metrics?ids=expand.nps&from={today:yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}"), HttpStatusCode.OK);
        var nps = metrics.ToString();
        Assert.Contains("\"promoters\":2", nps);
        Assert.Contains("\"detractors\":1", nps);
        Assert.Contains("\"responses\":3", nps);
        Assert.Contains("\"score\":33.33", nps);

        // Every answer and the comment reached the CRM as nps.responded, signed.
        await Until(() => Task.FromResult(crm.Requests.Count >= 5), "five nps.responded events");
        Assert.All(crm.Requests, r => Assert.True(r.SignatureValid && r.EventType == "nps.responded"));
        Assert.Contains(crm.Requests, r => r.Body.GetProperty("data").Text("comment") == "とても使いやすいです。サポートも早い！");
    }
}
