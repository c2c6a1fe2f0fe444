using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Lifecycle.Access;
using Lifecycle.Pipeline;
using Lifecycle.Tests.Support;
using Microsoft.Playwright;

using static Lifecycle.Tests.Dashboard.DashboardSession;

namespace Lifecycle.Tests.Dashboard;

/// <summary>The funnel, convert, expand, attribution and experiments pages, the trend chart and the CSV exports, in a real Chromium.</summary>
public class DashboardPagesTests
{
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-US");

    /// <summary>The count in a funnel table row, read the way en-US writes it.</summary>
    private static ILocator StageCount(IPage page, string stage) =>
        page.Locator("[data-table=steps] tbody tr").Filter(new() { Has = page.Locator("td[data-column=stage]", new() { HasTextRegex = new Regex($"^\\s*{stage}\\s*$") }) })
            .Locator("td[data-column=count]");

    private static async Task<int> NumberAsync(ILocator cell) => int.Parse((await cell.TextContentAsync())!.Trim(), NumberStyles.AllowThousands, English);

    [Fact]
    public async Task Every_page_renders_the_demo_data_at_laptop_and_phone_width_and_its_numbers_match_the_csv_and_the_drill_down()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        var thisMonth = await ImportDemoAsync(server, 400);
        await UserAsync(server, "admin@pages.test", UserRole.Admin);
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await SignInAsync(browser, server, "admin@pages.test");
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        // A month in the middle of the demo's year, so every stage has had time to fill.
        var month = thisMonth.AddMonths(-3).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var pages = new (string Name, string Path)[]
        {
            ("overview-chart", $"/?month={month}"), ("funnel", $"/funnel?month={month}"), ("funnel-cohort-channel", $"/funnel?month={month}&mode=cohort&by=channel"),
            ("convert", $"/convert?month={month}"), ("expand", $"/expand?month={month}"), ("attribution", $"/attribution?month={month}"),
            ("experiments", "/experiments?control=120%2F1000&variant=150%2F1000&variant=118%2F1000"), ("rows", $"/rows?metric=nurture.mqls&month={month}"),
        };
        foreach (var (size, width, height) in Screenshots.Sizes)
        {
            await page.SetViewportSizeAsync(width, height);
            foreach (var (name, path) in pages)
            {
                await OpenAsync(page, server, path);
                Assert.True(await page.IsVisibleAsync("main h1"), $"{path}: a heading");
                var tables = await page.Locator("section.table").CountAsync();
                Assert.True(tables >= 1, $"{path}: at least one table");
                Assert.Equal(tables, await page.Locator("section.table a.export").CountAsync()); // a CSV link per table
                await Screenshots.TakeAsync(page, $"{name}-{size}");
            }
        }
        Assert.Equal(0, dialogs);

        // The overview's chart is drawn by Chart.js from this server (no CDN: the CSP allows scripts from 'self' only).
        await page.SetViewportSizeAsync(1280, 800);
        await OpenAsync(page, server, $"/?month={month}");
        Assert.True(await page.EvaluateAsync<bool>("() => { const c = document.querySelector('canvas[data-chart]'); return !!Chart.getChart(c) && c.width > 0; }"));
        Assert.Equal(12, await page.Locator("[data-table=trends] tbody tr").CountAsync());

        // Period funnel: seven stages; the MQL count is what its CSV says and what its drill-down lists.
        await OpenAsync(page, server, $"/funnel?month={month}");
        Assert.Equal(7, await page.Locator("[data-table=steps] tbody tr").CountAsync());
        var mqls = await NumberAsync(StageCount(page, "mql"));
        Assert.True(mqls > 0, "the demo month has MQLs");
        var csv = await page.APIRequest.GetAsync(new Uri(server.Address, (await page.GetAttributeAsync("[data-table=steps] a.export", "href"))!).ToString());
        Assert.Equal(200, csv.Status);
        var lines = (await csv.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("stage,count,step_rate", lines[0]);
        Assert.Equal(["inquiry", "lead", "mql", "sal", "sql", "opportunity", "customer"], lines.Skip(1).Select(l => l.Split(',')[0]).ToArray());
        Assert.Equal(mqls.ToString(CultureInfo.InvariantCulture), lines.Single(l => l.StartsWith("mql,")).Split(',')[1]);
        await StageCount(page, "mql").Locator("a").ClickAsync();
        await page.ArrivesAtAsync("**/rows?metric=nurture.mqls*");
        Assert.Equal(mqls, await page.Locator("[data-table=rows] tbody tr").CountAsync());
        Assert.Equal(mqls, (await page.Locator("[data-table=rows] td[data-column=to_status]").AllTextContentsAsync()).Count(t => t.Trim() == "mql"));

        // Inquiry and lead counts re-entries in period mode, which no catalog metric lists: no link rather than a wrong one.
        Assert.Equal(0, await StageCount(page, "lead").Locator("a").CountAsync());
    }

    [Fact]
    public async Task Experiments_say_who_wins_in_plain_words_and_show_what_was_typed_as_text()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        await UserAsync(server, "viewer@pages.test", UserRole.Viewer);
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await SignInAsync(browser, server, "viewer@pages.test");
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        // A 0/100 against B 100/100: posteriors Beta(1, 101) and Beta(101, 1). P(B ≤ A) ≤ P(B ≤ ½) + P(A ≥ ½) = 2 · 0.5^101 ≈ 8e-31,
        // so B beats A with a probability that rounds to 100%; C 0/100 is A's twin: P(C > A) = ½ by symmetry, shown as 50%.
        await OpenAsync(page, server, "/experiments?control=0%2F100&variant=100%2F100");
        Assert.Equal("B beats A with 100% probability.", (await page.TextContentAsync(".verdict"))?.Trim());
        await OpenAsync(page, server, "/experiments?control=100%2F100&variant=0%2F100");
        Assert.Equal("A beats B with 100% probability.", (await page.TextContentAsync(".verdict"))?.Trim());

        // Typed text is shown back as text: in the field, and in the error that names the variant.
        const string typed = "<script>alert(1)</script>";
        await OpenAsync(page, server, "/experiments?control=" + Uri.EscapeDataString(typed) + "&variant=5%2F3");
        Assert.Equal(typed, await page.InputValueAsync("input[name=control]"));
        var errors = await page.Locator("[role=alert]").AllTextContentsAsync();
        Assert.Contains(errors, e => e.Contains($"A: '{typed}' is not <conversions>/<n>"));
        Assert.Contains(errors, e => e.Contains("B: '5/3': conversions (5) exceed n (3)"));
        Assert.Equal(0, await page.Locator(".verdict").CountAsync());
        Assert.Equal(0, dialogs);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Sales_accept_an_MQL_and_the_funnel_counts_it_while_a_viewer_sees_no_actions_and_a_forged_post_is_refused(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        var sales = await UserAsync(server, "sales@pages.test", UserRole.Sales);
        await UserAsync(server, "viewer@pages.test", UserRole.Viewer);
        var api = server.Client;
        // Two contacts enter as leads this month and become MQLs through the API, so each gets a queue entry (owner: the one sales user).
        (await api.PostAsJsonAsync("/api/accounts", new { id = "a-1", name = "Acme" })).EnsureSuccessStatusCode();
        foreach (var id in new[] { "q-1", "q-2" })
        {
            (await api.PostAsJsonAsync("/api/contacts", new { id, email = $"{id}@example.test", account_id = "a-1", status = "lead" })).EnsureSuccessStatusCode();
            (await api.PostAsJsonAsync($"/api/contacts/{id}/status", new { to = "mql", reason = "Demo Requested" })).EnsureSuccessStatusCode();
        }
        // NPS this month: 10 and 9 are promoters, 3 a detractor: NPS = 100 × (2 − 1) / 3 = 33.3.
        await using (var db = server.Database.Database.Open())
        {
            var at = DateTime.UtcNow.AddMinutes(-5);
            db.NpsResponses.AddRange(
                new NpsResponse { ContactId = "q-1", Score = 10, Comment = "<img src=x onerror=alert(3)>", RespondedAt = at },
                new NpsResponse { ContactId = "q-2", Score = 9, RespondedAt = at },
                new NpsResponse { ContactId = "q-2", Score = 3, Comment = "slow support", RespondedAt = at.AddSeconds(1) });
            await db.SaveChangesAsync();
        }
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;

        // The viewer sees the queue but no buttons, and a post with the viewer's own valid token is still refused.
        var viewer = await SignInAsync(browser, server, "viewer@pages.test");
        var dialogs = 0;
        viewer.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await OpenAsync(viewer, server, "/convert");
        Assert.Equal(2, await viewer.Locator("[data-table=queue] tbody tr").CountAsync());
        Assert.Equal(0, await viewer.Locator("button[data-action]").CountAsync());
        var viewerToken = await viewer.GetAttributeAsync("form.language input[name=__RequestVerificationToken]", "value");
        var refused = await viewer.APIRequest.PostAsync(new Uri(server.Address, "/convert/q-2/accept").ToString(), new()
        {
            Form = FormOf(viewer, ("__RequestVerificationToken", viewerToken!)), MaxRedirects = 0,
        });
        Assert.Equal(302, refused.Status);
        Assert.Contains("/denied", refused.Headers["location"]);
        // The expand page shows the month's NPS and the verbatims as text.
        await OpenAsync(viewer, server, "/expand");
        Assert.Equal("33.3", (await viewer.TextContentAsync("[data-metric='expand.nps'] .value"))?.Trim());
        Assert.Contains("<img src=x onerror=alert(3)>", await viewer.TextContentAsync("[data-table=verbatims]"));
        await Screenshots.TakeAsync(viewer, $"expand-nps-{engine}-laptop");
        Assert.Equal(0, dialogs);

        var rep = await SignInAsync(browser, server, "sales@pages.test");
        // Before: this month one lead entry and one MQL entry per contact, and no SAL (q-1, q-2 entered as leads, then mql).
        await OpenAsync(rep, server, "/funnel");
        Assert.Equal((2, 2, 0), (await NumberAsync(StageCount(rep, "lead")), await NumberAsync(StageCount(rep, "mql")), await NumberAsync(StageCount(rep, "sal"))));

        // A forged post (no anti-forgery token) from the signed-in rep changes nothing.
        var forged = await rep.APIRequest.PostAsync(new Uri(server.Address, "/convert/q-2/accept").ToString(), new() { Form = FormOf(rep, ("month", "")), MaxRedirects = 0 });
        Assert.Equal(400, forged.Status);

        await OpenAsync(rep, server, "/convert");
        var row = rep.Locator("[data-table=queue] tbody tr", new() { HasText = "q-1@example.test" });
        Assert.Equal("sales@pages.test", (await row.Locator("td[data-column=owner]").TextContentAsync())?.Trim());
        Assert.Equal("on time", (await row.Locator("td[data-column=sla]").TextContentAsync())?.Trim());
        await row.Locator("button[data-action=accept]").ClickAsync();
        await rep.ArrivesAtAsync("**/convert?*done=accept*");
        Assert.Equal("q-1: accepted", (await rep.TextContentAsync("p.notice"))?.Trim());
        Assert.Equal(1, await rep.Locator("[data-table=queue] tbody tr").CountAsync());
        Assert.Equal(1, await rep.Locator("[data-table=worked] tbody tr").CountAsync());
        await Screenshots.TakeAsync(rep, $"convert-accepted-{engine}-laptop");

        // After: one SAL this month, 1 of the 2 MQL entries (step rate 50%), and its drill-down is q-1, accepted by the rep.
        await OpenAsync(rep, server, "/funnel");
        Assert.Equal(1, await NumberAsync(StageCount(rep, "sal")));
        var salRow = rep.Locator("[data-table=steps] tbody tr").Nth(3);
        Assert.Equal("50.0%", (await salRow.Locator("td[data-column=step_rate]").TextContentAsync())?.Trim());
        await StageCount(rep, "sal").Locator("a").ClickAsync();
        await rep.ArrivesAtAsync("**/rows?metric=convert.sals*");
        Assert.Equal("q-1", (await rep.TextContentAsync("[data-table=rows] td[data-column=contact_id]"))?.Trim());

        // The API agrees: q-1 is an SAL accepted by the rep, q-2 (the forged and the refused posts) is still an MQL.
        var q1 = await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/contacts/q-1");
        var q2 = await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/contacts/q-2");
        Assert.Equal(("sal", "mql"), (q1.GetProperty("status").GetString(), q2.GetProperty("status").GetString()));
        var transitions = await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/contacts/q-1/transitions");
        Assert.Contains(transitions.EnumerateArray(), t => t.GetProperty("to_status").GetString() == "sal" && t.GetProperty("actor").GetString() == $"user:{sales}");

        // Rejecting with a reason: "not ready" sends q-2 back to recycled.
        await OpenAsync(rep, server, "/convert");
        var q2Row = rep.Locator("[data-table=queue] tbody tr", new() { HasText = "q-2@example.test" });
        await q2Row.Locator("select[name=reason]").SelectOptionAsync("not ready");
        await q2Row.Locator("button[data-action=reject]").ClickAsync();
        await rep.ArrivesAtAsync("**/convert?*done=reject*");
        Assert.Equal("recycled", (await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/contacts/q-2")).GetProperty("status").GetString());

        // The accepted contact is qualified (sal -> sql), then gets its deal (sql -> opportunity) with the amount typed.
        await rep.Locator("[data-table=worked] button[data-action=qualify]").ClickAsync();
        await rep.ArrivesAtAsync("**/convert?*done=qualify*");
        Assert.Equal("sql", (await rep.TextContentAsync("[data-table=worked] td[data-column=status]"))?.Trim());
        await rep.FillAsync("[data-table=worked] input[name=amount]", "12000");
        await rep.ClickAsync("[data-table=worked] button[data-action=deal]");
        await rep.ArrivesAtAsync("**/convert?*done=deal*");
        Assert.Equal("q-1: deal created", (await rep.TextContentAsync("p.notice"))?.Trim());
        Assert.Equal("opportunity", (await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/contacts/q-1")).GetProperty("status").GetString());
        var deals = await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/deals");
        var deal = Assert.Single(deals.GetProperty("items").EnumerateArray());
        Assert.Equal(("q-1", 12000m), (deal.GetProperty("contact_id").GetString(), deal.GetProperty("amount").GetDecimal()));

        // The other pages load on this engine too, and the queue's CSV is the queue: empty now (q-1 moved on, q-2 recycled).
        await OpenAsync(rep, server, "/");
        Assert.True(await rep.EvaluateAsync<bool>("() => !!Chart.getChart(document.querySelector('canvas[data-chart]'))"));
        await OpenAsync(rep, server, "/attribution?conversion=opportunity");
        Assert.Equal("Credited conversions by channel", (await rep.TextContentAsync("[data-table=conversions] h2"))?.Trim());
        var queueCsv = await rep.APIRequest.GetAsync(new Uri(server.Address, "/export/convert/queue.csv").ToString());
        Assert.Equal("contact_id,email,account_id,owner,entered_at,due_at,sla", (await queueCsv.TextAsync()).Trim());
    }

    private static IFormData FormOf(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields) form.Set(name, value);
        return form;
    }
}
