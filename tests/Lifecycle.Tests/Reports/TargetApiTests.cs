using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Email;
using Lifecycle.Pipeline.Webhooks;
using Lifecycle.Reports;
using Lifecycle.Tests.Email;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using SkiaSharp;

namespace Lifecycle.Tests.Reports;

/// <summary>
/// Targets, pacing, warnings and the monthly report on the dataset of <see cref="ReportDataset"/>. The clock stands
/// inside January 2026, so "so far" is a part of the month; the expected numbers are derived from the dataset's rows.
/// </summary>
public class TargetApiTests
{
    private static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<(RunningServer, FixedClock)> ServerAtAsync(string engine, string now)
    {
        var clock = new FixedClock(ReportDataset.At(now));
        var server = await RunningServer.StartAsync(engine, b => b.Services.AddSingleton<TimeProvider>(clock), "--Lifecycle:Reports:Worker=false");
        await using var db = server.Database.Database.Open();
        await ReportDataset.SeedAsync(db);
        return (server, clock);
    }

    private static object Targets(params (string Metric, string Month, decimal Value)[] rows) =>
        new { targets = rows.Select(r => new { metric = r.Metric, month = r.Month, value = r.Value }).ToArray() };

    [Theory, ClassData(typeof(Engines))]
    public async Task Targets_report_pacing_mid_month_and_quarter_to_date(string engine)
    {
        var (server, clock) = await ServerAtAsync(engine, "2026-01-16 10:00");
        await using var _ = server;
        var api = server.Client;
        await Expect(await api.PutAsJsonAsync("/api/targets", Targets(
            ("capture.inquiries", "2026-01", 8), ("nurture.mqls", "2026-01", 10), ("nurture.lead_to_mql_rate", "2026-01", 0.44m),
            ("cost.total", "2026-01", 4000), ("capture.inquiries", "2026-02", 5))), HttpStatusCode.OK);
        // Setting a target again replaces its value.
        await Expect(await api.PutAsJsonAsync("/api/targets", Targets(("capture.inquiries", "2026-02", 6))), HttpStatusCode.OK);
        var listed = await Expect(await api.GetAsync("/api/targets?metric=capture.inquiries"), HttpStatusCode.OK);
        Assert.Equal([("2026-01", 8m), ("2026-02", 6m)], listed.EnumerateArray().Select(t => (t.GetProperty("month").GetString(), t.GetProperty("value").GetDecimal())));

        // 2026-01-16 10:00 UTC: 15 whole days of 31 completed, so "so far" is [01-01, 01-16).
        var report = await Expect(await api.GetAsync("/api/reports/targets?month=2026-01"), HttpStatusCode.OK);
        Assert.Equal("2026-01-16", report.GetProperty("as_of").GetString());
        var rows = report.GetProperty("metrics").EnumerateArray().ToDictionary(r => r.GetProperty("metric").GetString()!);
        Assert.Equal(["capture.inquiries", "cost.total", "nurture.lead_to_mql_rate", "nurture.mqls"], rows.Keys);
        Assert.All(rows.Values, r => Assert.Equal((15, 31), (r.GetProperty("days_elapsed").GetInt32(), r.GetProperty("days_in_month").GetInt32())));

        // Inquiries: first entries c02 01-02, c03 01-03, c04 01-10, c05 01-15 = 4; 4 × 31 / 15 = 8.266667; / 8 = 1.033333 → on track.
        var inquiries = rows["capture.inquiries"];
        Assert.Equal(4, inquiries.GetProperty("actual").GetDouble());
        Assert.Equal(8.266666666667, inquiries.GetProperty("projection").GetDouble(), 9);
        Assert.Equal(1.033333333333, inquiries.GetProperty("attainment").GetDouble(), 9);
        Assert.Equal("on_track", inquiries.GetProperty("status").GetString());
        // Quarter Q1 to date is the same 15 days: target 8 × 15 / 31 = 3.870968; 4 / 3.870968 = 1.033333 → on track.
        var quarter = inquiries.GetProperty("quarter");
        Assert.Equal("2026-Q1", quarter.GetProperty("quarter").GetString());
        Assert.Equal(3.870967741935, quarter.GetProperty("target_to_date").GetDouble(), 9);
        Assert.Equal("on_track", quarter.GetProperty("status").GetString());

        // MQL entries: c03 01-04 06:00, c01 01-05, c08 01-11 12:00, c02 01-12 12:00 = 4; 4 × 31 / 15 = 8.266667 / 10 → 0.826667 behind.
        Assert.Equal(4, rows["nurture.mqls"].GetProperty("actual").GetDouble());
        Assert.Equal(0.826666666667, rows["nurture.mqls"].GetProperty("attainment").GetDouble(), 9);
        Assert.Equal("behind", rows["nurture.mqls"].GetProperty("status").GetString());

        // New leads c07 01-01 03:00, c02, c03, c04, c05; reached mql by 01-16 10:00: c02 (01-12), c03 (01-04) → 2 / 5 = 0.4.
        // A rate is not projected: 0.4 / 0.44 = 0.909091 → at risk. No quarter pacing for a rate.
        var rate = rows["nurture.lead_to_mql_rate"];
        Assert.Equal((0.4, 0.4), (rate.GetProperty("actual").GetDouble(), rate.GetProperty("projection").GetDouble()));
        Assert.Equal(0.909090909091, rate.GetProperty("attainment").GetDouble(), 9);
        Assert.Equal("at_risk", rate.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, rate.GetProperty("quarter").ValueKind);

        // Cost: January lines 3100 + 620 + 310 = 4030 × 15 / 31 = 1950 so far, projected 1950 × 31 / 15 = 4030;
        // a budget: 4000 / 4030 = 0.992556 → at risk.
        var cost = rows["cost.total"];
        Assert.Equal((1950, 4030), (Math.Round(cost.GetProperty("actual").GetDouble(), 9), Math.Round(cost.GetProperty("projection").GetDouble(), 9)));
        Assert.True(cost.GetProperty("lower_is_better").GetBoolean());
        Assert.Equal("at_risk", cost.GetProperty("status").GetString());

        // 2026-02-11: February has 10 of 28 days and no inquiry ([02-01, 02-11) is empty) → projection 0, behind.
        // Quarter to date: January's 7 inquiries (c02, c03, c04, c05, c14, c15, c06 01-31 23:00) against
        // 8 + 6 × 10 / 28 = 10.142857 → 7 / 10.142857 = 0.690141 → behind.
        clock.Now = ReportDataset.At("2026-02-11 08:00");
        var february = await Expect(await api.GetAsync("/api/reports/targets"), HttpStatusCode.OK);
        Assert.Equal("2026-02", february.GetProperty("month").GetString());
        var feb = february.GetProperty("metrics").EnumerateArray().Single();
        Assert.Equal((0d, 0d, "behind"), (feb.GetProperty("actual").GetDouble(), feb.GetProperty("projection").GetDouble(), feb.GetProperty("status").GetString()));
        var q = feb.GetProperty("quarter");
        Assert.Equal(7, q.GetProperty("actual_to_date").GetDouble());
        Assert.Equal(10.142857142857, q.GetProperty("target_to_date").GetDouble(), 9);
        Assert.Equal(0.690140845070, q.GetProperty("attainment").GetDouble(), 9);
        Assert.Equal("behind", q.GetProperty("status").GetString());

        // A month not begun yet has targets but no numbers.
        clock.Now = ReportDataset.At("2026-01-20");
        var ahead = (await Expect(await api.GetAsync("/api/reports/targets?month=2026-02"), HttpStatusCode.OK)).GetProperty("metrics").EnumerateArray().Single();
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (ahead.GetProperty("actual").ValueKind, ahead.GetProperty("status").ValueKind));

        await Expect(await api.DeleteAsync("/api/targets/capture.inquiries/2026-02"), HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync("/api/targets/capture.inquiries/2026-02")).StatusCode);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Bad_targets_are_problems_naming_the_field(string engine)
    {
        var (server, _) = await ServerAtAsync(engine, "2026-01-16");
        await using var _s = server;
        var response = await server.Client.PutAsJsonAsync("/api/targets", Targets(
            ("nurture.nope", "2026-01", 1), ("expand.nps", "2026-01", 1), ("nurture.mqls", "2026-13", 1), ("nurture.mqls", "2026-01", -2)));
        var errors = (await Expect(response, HttpStatusCode.BadRequest)).GetProperty("errors");
        string First(string field) => errors.GetProperty(field)[0].GetString()!;
        Assert.Equal("'nurture.nope' is not a metric id", First("targets[0].metric"));
        Assert.StartsWith("'expand.nps' is not one number", First("targets[1].metric"));
        Assert.Equal("'2026-13' is not a month YYYY-MM", First("targets[2].month"));
        Assert.Equal("must not be negative", First("targets[3].value"));
        var month = await Expect(await server.Client.GetAsync("/api/reports/targets?month=January"), HttpStatusCode.BadRequest);
        Assert.Equal("'January' is not a month YYYY-MM", month.GetProperty("errors").GetProperty("month")[0].GetString());
        await using var db = server.Database.Database.Open();
        Assert.Equal(0, await db.Set<MetricTarget>().CountAsync());
    }

    /// <summary>The message the SMTP server stored for this (per test unique) recipient; waits for it to arrive.</summary>
    private static async Task<MimeMessage> DeliveredToAsync(string recipient, string subject)
    {
        var folder = Path.Combine(EmailTestServer.Mailbox(), "new");
        for (var waited = 0; waited < 200; waited++)
        {
            if (Directory.Exists(folder))
            {
                foreach (var file in Directory.EnumerateFiles(folder))
                {
                    var message = await MimeMessage.LoadAsync(file);
                    if (message.Subject == subject && message.To.Mailboxes.Any(m => m.Address == recipient)) return message;
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"no message '{subject}' to {recipient} reached the Maildir {folder} in 20 s");
    }

    private static EmailOptions Email()
    {
        var (host, port) = EmailTestServer.Smtp();
        return new EmailOptions
        {
            SmtpHost = host, SmtpPort = port, SmtpSecurity = "none", FromAddress = "reports@lifecycle.example", FromName = "Lifecycle",
            PostalAddress = "1 Main St", PublicBaseUrl = "http://127.0.0.1:1", SigningKey = "reports-tests",
        };
    }

    private static EmailDelivery Delivery(TestDatabase database) =>
        new(database.Database, Options.Create(Email()), TimeProvider.System, NullLogger<EmailDelivery>.Instance);

    private static ReportsWorker Worker(TestDatabase database, FixedClock clock, string[] warningTo, string[] monthlyTo) =>
        new(database.Database, clock, ChannelMapping.Default, ReportSettings.Default, new ReportOptions(warningTo, monthlyTo, true, TimeSpan.FromHours(1)),
            new EmailOutbox(Options.Create(Email()), clock, Delivery(database)), NullLogger<ReportsWorker>.Instance);

    /// <summary>Sends what the reports worker queued, as the server's outbox worker does.</summary>
    private static async Task DeliverAsync(TestDatabase database)
    {
        await using var pool = new SmtpPool(Email(), NullLogger.Instance);
        await Delivery(database).DrainAsync(pool, CancellationToken.None);
    }

    /// <summary>The outbox rows of the report mail of this kind (TemplateId names it) to a recipient.</summary>
    private static async Task<List<EmailMessage>> OutboxAsync(TestDatabase database, string kindPrefix, string recipient)
    {
        await using var db = database.Database.Open();
        return await db.Set<EmailMessage>().AsNoTracking().Where(m => m.TemplateId.StartsWith(kindPrefix) && m.ToAddress == recipient)
            .OrderBy(m => m.TemplateId).ToListAsync();
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_metric_turning_off_track_is_warned_once_by_webhook_and_email(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var clock = new FixedClock(ReportDataset.At("2026-01-16 10:00"));
        await using (var db = database.Database.Open())
        {
            await ReportDataset.SeedAsync(db);
            db.Set<Webhook>().Add(new Webhook { Url = "https://crm.example.com/hook", Secret = "whsec_reports_123", Events = [ReportsWorker.WarningEvent], CreatedAt = clock.Now });
            // As in the API test: inquiries on track, MQLs behind, lead→MQL rate at risk, cost on track (4030 of 5000).
            db.AddRange(
                new MetricTarget { MetricId = "capture.inquiries", Month = new DateOnly(2026, 1, 1), Value = 8 },
                new MetricTarget { MetricId = "nurture.mqls", Month = new DateOnly(2026, 1, 1), Value = 10 },
                new MetricTarget { MetricId = "nurture.lead_to_mql_rate", Month = new DateOnly(2026, 1, 1), Value = 0.44m },
                new MetricTarget { MetricId = "cost.total", Month = new DateOnly(2026, 1, 1), Value = 5000 });
            await db.SaveChangesAsync();
        }
        var team = $"marketing-ops.{Guid.NewGuid():N}@lifecycle.example";
        var worker = Worker(database, clock, [team], []);

        var warned = await worker.CheckTargetsAsync();
        Assert.Equal([("nurture.lead_to_mql_rate", PacingStatus.AtRisk), ("nurture.mqls", PacingStatus.Behind)],
            warned.Select(w => (w.MetricId, w.Status)).OrderBy(w => w.MetricId));
        // The next check announces nothing again.
        Assert.Empty(await worker.CheckTargetsAsync());
        // 01-20 10:00: 19 days elapsed, still 4 inquiries (c14 enters on 01-20): 4 × 31 / 19 = 6.526316 / 8 = 0.815789 → behind,
        // a new warning; MQLs (c03 and the rest: still 4 → 6.53 / 10) stay off track and are not announced again.
        clock.Now = ReportDataset.At("2026-01-20 10:00");
        Assert.Equal([("capture.inquiries", PacingStatus.Behind)], (await worker.CheckTargetsAsync()).Select(w => (w.MetricId, w.Status)));

        await using (var db = database.Database.Open())
        {
            var outbox = await db.Set<OutboxMessage>().AsNoTracking().ToListAsync();
            Assert.Equal(3, outbox.Count);
            Assert.All(outbox, m => Assert.Equal(ReportsWorker.WarningEvent, m.EventType));
            var mqls = outbox.Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("data"))
                .Single(d => d.GetProperty("metric").GetString() == "nurture.mqls");
            Assert.Equal(("behind", 10d, 4d), (mqls.GetProperty("status").GetString(), mqls.GetProperty("target").GetDouble(), mqls.GetProperty("actual").GetDouble()));
            var stored = await db.Set<TargetWarning>().AsNoTracking().ToListAsync();
            Assert.All(stored, w => Assert.NotNull(w.EmailedAt));
            Assert.Equal(ReportDataset.At("2026-01-16 10:00"), stored.Single(w => w.MetricId == "nurture.mqls").WarnedAt);
        }

        // Queued in the outbox, one message per warning to the team, sent by the outbox worker once.
        await DeliverAsync(database);
        var queued = await OutboxAsync(database, "target-warning.", team);
        Assert.Equal(["target-warning.capture.inquiries.2026-01", "target-warning.nurture.lead_to_mql_rate.2026-01", "target-warning.nurture.mqls.2026-01"],
            queued.Select(m => m.TemplateId));
        Assert.All(queued, m => Assert.Equal((MessageStatus.Sent, 1), (m.Status, m.Attempts)));
        var mail = await DeliveredToAsync(team, "Early warning: nurture.mqls is behind (2026-01)");
        Assert.Equal(queued.Single(m => m.TemplateId == "target-warning.nurture.mqls.2026-01").Id, MessageMime.OutboxId(mail.MessageId));
        // Projected 4 × 31 / 15 = 8.27 against 10.
        Assert.Contains("projected 8.27 against a target of 10", mail.TextBody);
        // A mail without images keeps its two parts.
        Assert.Equal(["text/plain", "text/html"], Assert.IsType<MultipartAlternative>(mail.Body).Select(p => p.ContentType.MimeType));
        Assert.All(queued, m => Assert.Null(m.InlineImages));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_monthly_report_is_mailed_once_on_the_first(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using (var db = database.Database.Open())
        {
            await ReportDataset.SeedAsync(db);
            db.Add(new MetricTarget { MetricId = "nurture.mqls", Month = new DateOnly(2026, 1, 1), Value = 5 });
            await db.SaveChangesAsync();
        }
        var clock = new FixedClock(ReportDataset.At("2026-01-31 23:00"));
        var team = $"leadership.{Guid.NewGuid():N}@lifecycle.example";
        var worker = Worker(database, clock, [], [team]);
        // 01-31: the report due is December's, mailed now; January's waits for 02-01.
        Assert.True(await worker.SendMonthlyReportAsync());
        clock.Now = ReportDataset.At("2026-02-01 00:30");
        Assert.True(await worker.SendMonthlyReportAsync());
        Assert.False(await worker.SendMonthlyReportAsync());
        // A restart (a new worker on the same database) finds the marker.
        Assert.False(await Worker(database, clock, [], [team]).SendMonthlyReportAsync());

        // One message per month queued, and sent once by the outbox worker.
        await DeliverAsync(database);
        var queued = await OutboxAsync(database, "monthly-report.", team);
        Assert.Equal(["monthly-report.2025-12", "monthly-report.2026-01"], queued.Select(m => m.TemplateId));
        Assert.All(queued, m => Assert.Equal(MessageStatus.Sent, m.Status));
        Assert.All(queued, m => Assert.StartsWith("250", m.SmtpAnswer));
        var mail = await DeliveredToAsync(team, "Lifecycle report 2026-01");
        Assert.Equal(queued[1].Id, MessageMime.OutboxId(mail.MessageId));
        var html = mail.HtmlBody!;
        // Inquiries: January 7 (see above); December: c01 12-20, c07 12-31 = 2; change (7 − 2) / 2 = +250.0%.
        Assert.Contains("<tr><td>capture.inquiries</td><td align=\"right\">7</td><td align=\"right\">2</td><td align=\"right\">+250.0%</td></tr>", html);
        // Cost: January 4030.00, December 3100.00; (4030 − 3100) / 3100 = +30.0%.
        Assert.Contains("<tr><td>cost.total</td><td align=\"right\">4,030.00</td><td align=\"right\">3,100.00</td><td align=\"right\">+30.0%</td></tr>", html);
        // Target: 5 MQL entries in January (c03 twice, c01, c08, c02) against 5 → 100.0% on track.
        Assert.Contains("<td>nurture.mqls</td><td align=\"right\">5</td><td align=\"right\">5</td><td align=\"right\">100.0%</td><td style=\"color:#15803d\">on track</td>", html);
        // Funnel (entries in January, see LifecycleReportTests): inquiries 7, leads 5, mqls 5, sals 4, sqls 3, opportunities 2, customers 3.
        Assert.Contains("<tr><td>lead</td><td align=\"right\">5</td></tr>", html);
        Assert.Contains("<tr><td>opportunity</td><td align=\"right\">2</td></tr>", html);
        Assert.Contains("alt=\"Funnel of January 2026 (entries in the month): inquiry 7, lead 5, mql 5, sal 4, sql 3, opportunity 2, customer 3\"", html);
        Assert.Contains("alt=\"Targets of January 2026, actual as a percentage of target: nurture.mqls 5 of 5 (100.0%)\"", html);
        // Trend 2025-02 .. 2026-01. First leads: c09 2025-10-01, c08 2025-11-01, c01 12-21, five in January. MQL and SQL entries:
        // c09 in December (mql 12-01, sql 12-10), then January's 5 and 3. First won deals: acc5 02-01, acc4 03-01, acc7 05-01,
        // acc3 06-01 (acc6's 2024-12-15 is outside), none in December, 3 in January.
        Assert.Contains("<tr><td>2025-12</td><td align=\"right\">1</td><td align=\"right\">1</td><td align=\"right\">1</td><td align=\"right\">0</td></tr>", html);
        Assert.Contains("<tr><td>2026-01</td><td align=\"right\">5</td><td align=\"right\">5</td><td align=\"right\">3</td><td align=\"right\">3</td></tr>", html);
        Assert.Contains("new leads 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 5; MQLs 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 5; SQLs 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3; "
            + "new customers 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 3\"", html);
        Assert.Contains("2025-11: 1 / 0 / 0 / 0", mail.TextBody);
        Assert.DoesNotContain("background:#3b82f6", html);

        // Each chart the HTML shows by cid: is an image/png part of the multipart/related beside the HTML, and decodes.
        var alternative = Assert.IsType<MultipartAlternative>(mail.Body);
        var related = Assert.IsType<MultipartRelated>(alternative[1]);
        Assert.Equal("text/html", related.Root!.ContentType.MimeType);
        var cids = System.Text.RegularExpressions.Regex.Matches(html, "src=\"cid:([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["targets.2026-01@lifecycle.report", "funnel.2026-01@lifecycle.report", "trend.2026-01@lifecycle.report"], cids);
        foreach (var cid in cids)
        {
            var image = Assert.Single(related.OfType<MimePart>(), p => p.ContentId == cid);
            Assert.Equal("image/png", image.ContentType.MimeType);
            using var png = new MemoryStream();
            await image.Content!.DecodeToAsync(png);
            using var bitmap = SKBitmap.Decode(png.ToArray());
            Assert.Equal((ReportCharts.Width, ReportCharts.Height), (bitmap.Width, bitmap.Height));
        }
        // December's report had no targets, so no targets chart.
        Assert.Equal(2, queued[0].InlineImages!.Count);

        await using var check = database.Database.Open();
        var runs = await check.Set<MonthlyReportRun>().AsNoTracking().OrderBy(r => r.Month).ToListAsync();
        Assert.Equal([(new DateOnly(2025, 12, 1), 1), (new DateOnly(2026, 1, 1), 1)], runs.Select(r => (r.Month, r.Attempts)));
        Assert.Equal([$"{team}: queued {queued[0].Id}", $"{team}: queued {queued[1].Id}"], runs.Select(r => r.Answer));
    }
}
