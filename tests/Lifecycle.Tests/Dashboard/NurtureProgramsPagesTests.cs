using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Access;
using Lifecycle.Tests.Support;
using Microsoft.Playwright;
using MiniExcelLibs;

using static Lifecycle.Tests.Dashboard.DashboardSession;

namespace Lifecycle.Tests.Dashboard;

/// <summary>The nurture, programs and experiments pages, the program editor and the XLSX exports, in a real Chromium.</summary>
public class NurtureProgramsPagesTests
{
    private static async Task<string> CellAsync(IPage page, string table, string rowText, string column) =>
        (await page.Locator($"[data-table={table}] tbody tr", new() { HasText = rowText }).Locator($"td[data-column={column}]").TextContentAsync())!.Trim();

    private static async Task<JsonElement> ProgramAsync(RunningServer server, string id) =>
        await server.Client.GetFromJsonAsync<JsonElement>($"/api/programs/{id}");

    [Fact]
    public async Task The_pages_render_the_demo_data_and_the_seeded_programs_at_laptop_and_phone_width_with_the_hand_counted_numbers_in_screen_csv_and_xlsx()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        var thisMonth = await ImportDemoAsync(server, 400);
        await ProgramSeed.SeedAsync(server);
        await UserAsync(server, "admin@programs.test", UserRole.Admin);
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await SignInAsync(browser, server, "admin@programs.test");
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        var demoMonth = thisMonth.AddMonths(-3).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var pages = new (string Name, string Path)[]
        {
            ("nurture", $"/nurture?month={ProgramSeed.Month}"), ("nurture-demo", $"/nurture?month={demoMonth}"), ("programs", "/programs"),
            ("program", "/programs/drip"), ("experiments-splits", "/experiments"),
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
                Assert.Equal(tables, await page.Locator("section.table a.export").CountAsync());
                Assert.Equal(tables, await page.Locator("section.table a.export-xlsx").CountAsync());
                await Screenshots.TakeAsync(page, $"{name}-{size}");
            }
        }
        await page.SetViewportSizeAsync(1280, 800);

        // The demo's prospect e-mails come from its nurture programs (prog-nurture-<language>): the month has open and click rates.
        await OpenAsync(page, server, $"/nurture?month={demoMonth}");
        Assert.EndsWith("%", (await page.TextContentAsync("[data-metric='nurture.email_open_rate'] .value"))!.Trim());
        Assert.True(await page.Locator("[data-table=email_by_program] tbody tr").CountAsync() >= 1);

        // March 2026, drip (stall after 30 days): welcome entered by d1 (2 Mar) and d2 (3 Mar): 2; completed by d1: 1;
        // dropped by d2 (bounced, 3 Mar) and d3 (entered 10 Feb, stalled 12 Mar): 2, of which stalled 1.
        // wait entered by d1 (2 Mar) and d4 (20 Mar): 2; completed by d1 (5 Mar): 1; d4 stalls only on 19 April: 0.
        // end entered and completed by d1: 1 and 1. offer's split: 20 entered and completed on 4 March.
        await OpenAsync(page, server, $"/nurture?month={ProgramSeed.Month}");
        var expected = new (string Program, string Step, int[] Numbers)[]
        {
            (ProgramSeed.DripName, "welcome", [2, 1, 0, 2, 1]), (ProgramSeed.DripName, "wait", [2, 1, 0, 0, 0]), (ProgramSeed.DripName, "end", [1, 1, 0, 0, 0]),
            ("Offer test", "ab", [20, 20, 0, 0, 0]), ("Offer test", "end", [0, 0, 0, 0, 0]),
        };
        string[] counts = ["entered", "completed", "goal", "dropped", "stalled"];
        var rows = page.Locator("[data-table=program_steps] tbody tr");
        Assert.Equal(5, await rows.CountAsync()); // drip's three steps, offer's two, in the programs' order
        for (var i = 0; i < expected.Length; i++)
        {
            var row = rows.Nth(i);
            Assert.Equal((expected[i].Program, expected[i].Step), ((await row.Locator("td[data-column=program]").TextContentAsync())!.Trim(),
                (await row.Locator("td[data-column=step]").TextContentAsync())!.Trim()));
            var shown = new List<int>();
            foreach (var column in counts) shown.Add(int.Parse((await row.Locator($"td[data-column={column}]").TextContentAsync())!.Trim(), CultureInfo.InvariantCulture));
            Assert.Equal(expected[i].Numbers, shown);
        }
        // The program's name is text: in the table, on its page, nowhere run.
        Assert.Contains(ProgramSeed.DripName, await page.TextContentAsync("[data-table=program_steps] tbody"));

        // The API reports the same for the month.
        var api = await server.Client.GetFromJsonAsync<JsonElement>($"/api/programs/drip/steps?month={ProgramSeed.Month}");
        Assert.Equal([2, 1, 0, 2, 1], counts.Select(c => api.GetProperty("steps")[0].GetProperty(c).GetInt32()).ToArray());

        // The XLSX next to the table opens with the same library the server writes it with, and holds the same numbers.
        var xlsx = await page.APIRequest.GetAsync(new Uri(server.Address, (await page.GetAttributeAsync("[data-table=program_steps] a.export-xlsx", "href"))!).ToString());
        Assert.Equal(200, xlsx.Status);
        Assert.Equal(Lifecycle.Reports.ReportXlsx.ContentType, xlsx.Headers["content-type"]);
        using (var stream = new MemoryStream(await xlsx.BodyAsync()))
        {
            var sheet = stream.Query(useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
            Assert.Equal(5, sheet.Count);
            Assert.Equal(["program", "step", "type", "entered", "completed", "goal", "dropped", "stalled"], sheet[0].Keys.ToArray());
            Assert.Equal(expected.Select(e => (e.Program, e.Step)).ToArray(), sheet.Select(r => ((string)r["program"], (string)r["step"])).ToArray());
            for (var i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i].Numbers, counts.Select(c => Convert.ToInt32(sheet[i][c], CultureInfo.InvariantCulture)).ToArray());
        }

        // The program's page: each step in words with its arrows and who is in it now (d3 at welcome, d4 waiting).
        await OpenAsync(page, server, "/programs/drip");
        Assert.Equal(ProgramSeed.DripName, (await page.TextContentAsync("main h1"))?.Trim());
        Assert.Equal("add 5 points", (await page.TextContentAsync("[data-step=welcome] .summary"))?.Trim());
        Assert.Equal("wait 3 days", (await page.TextContentAsync("[data-step=wait] .summary"))?.Trim());
        Assert.Equal("then → end", (await page.TextContentAsync("[data-step=wait] .arrows"))?.Trim());
        Assert.Equal(["1 here now", "1 here now", "0 here now"], (await page.Locator(".node .here").AllTextContentsAsync()).Select(t => t.Trim()).ToArray());
        Assert.Equal("1", await CellAsync(page, "steps", "welcome", "in_step_now"));
        var stepsCsv = await page.APIRequest.GetAsync(new Uri(server.Address, (await page.GetAttributeAsync("[data-table=steps] a.export", "href"))!).ToString());
        Assert.StartsWith("step,type,in_step_now,entered,completed,goal,dropped\nwelcome,add_points,1,3,1,0,1", (await stepsCsv.TextAsync()).ReplaceLineEndings("\n"));
        // The programs list: drip with its 2 active enrolments (d3, d4), offer with none.
        await OpenAsync(page, server, "/programs");
        Assert.Equal("2", await CellAsync(page, "programs", "drip", "active_enrolments"));
        Assert.Equal("0", await CellAsync(page, "programs", "offer", "active_enrolments"));
        Assert.Equal(ProgramSeed.DripName, await CellAsync(page, "programs", "drip", "name"));

        // The experiments page: the stored split in plain words. A 2/10 against B 6/10: lift 0.6 / 0.2 − 1 = +200%;
        // pooled p = 0.4, se = sqrt(0.4 × 0.6 × 0.2) = 0.2191, z = 1.826, two-sided p ≈ 0.068; B's posterior Beta(7, 5) sits above A's Beta(3, 9).
        await OpenAsync(page, server, "/experiments");
        var split = page.Locator("[data-split='offer:ab']");
        Assert.StartsWith("B beats A with ", (await split.Locator(".verdict").TextContentAsync())!.Trim());
        var stats = (await split.Locator(".stats[data-variant=B]").TextContentAsync())!;
        Assert.Matches(@"B against A: lift \+200\.0% \(95% interval [+-][\d.]+% to \+[\d.]+%\), p = 0\.06[78]", stats);
        Assert.Contains("Decided: B goes to the rest. decided by the seed <b>for the test</b>", await split.Locator(".decision").TextContentAsync());
        var variantB = page.Locator("[data-table=splits] tbody tr").Nth(1);
        Assert.Equal(("B", "6", "60.0%"), ((await variantB.Locator("td[data-column=variant]").TextContentAsync())!.Trim(),
            (await variantB.Locator("td[data-column=converted]").TextContentAsync())!.Trim(), (await variantB.Locator("td[data-column=rate]").TextContentAsync())!.Trim()));
        var splitsXlsx = await page.APIRequest.GetAsync(new Uri(server.Address, "/export/experiments/splits.xlsx").ToString());
        using (var stream = new MemoryStream(await splitsXlsx.BodyAsync()))
        {
            var sheet = stream.Query(useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
            Assert.Equal([("A", 10, 2), ("B", 10, 6)], sheet.Select(r => ((string)r["variant"], Convert.ToInt32(r["contacts"]), Convert.ToInt32(r["converted"]))).ToArray());
            Assert.Equal(2.0, Convert.ToDouble(sheet[1]["lift"], CultureInfo.InvariantCulture), 9); // unrounded, as in the CSV
        }
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task Marketing_edits_a_program_and_sees_the_step_and_field_of_a_bad_one_while_sales_and_viewers_cannot_edit()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        await ProgramSeed.SeedAsync(server);
        await UserAsync(server, "marketing@programs.test", UserRole.Marketing);
        await UserAsync(server, "sales@programs.test", UserRole.Sales);
        await UserAsync(server, "viewer@programs.test", UserRole.Viewer);
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;

        var marketing = await SignInAsync(browser, server, "marketing@programs.test");
        var dialogs = 0;
        marketing.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await OpenAsync(marketing, server, "/programs/drip");
        await marketing.ClickAsync("a[href='/programs/drip/edit']");
        await marketing.ArrivesAtAsync("**/programs/drip/edit");
        Assert.Equal(ProgramSeed.DripName, JsonDocument.Parse(await marketing.InputValueAsync("textarea[name=Definition]")).RootElement.GetProperty("name").GetString());
        await Screenshots.TakeAsync(marketing, "program-editor-laptop");

        // A valid change: a new name and a five-day wait. Saved through the API's handler, shown on the program's page.
        var changed = """
            { "name": "Drip v2", "steps": [
              { "id": "welcome", "type": "add_points", "points": 5, "next": "wait" },
              { "id": "wait", "type": "wait", "duration": "P5D", "next": "end" },
              { "id": "end", "type": "exit" } ] }
            """;
        await marketing.FillAsync("textarea[name=Definition]", changed);
        await marketing.ClickAsync("button[data-action=save]");
        await marketing.ArrivesAtAsync("**/programs/drip?saved=1");
        Assert.Equal("Saved.", (await marketing.TextContentAsync("p.notice"))?.Trim());
        Assert.Equal("wait 5 days", (await marketing.TextContentAsync("[data-step=wait] .summary"))?.Trim());
        var saved = await ProgramAsync(server, "drip");
        Assert.Equal(("Drip v2", "P5D"), (saved.GetProperty("name").GetString(), saved.GetProperty("definition").GetProperty("steps")[1].GetProperty("duration").GetString()));

        // A bad one: the wait leads nowhere. The page names the step and field as the API does, keeps the text, saves nothing.
        await OpenAsync(marketing, server, "/programs/drip/edit");
        var bad = changed.Replace("\"next\": \"end\"", "\"next\": \"nowhere\"").Replace("Drip v2", "Drip v3");
        await marketing.FillAsync("textarea[name=Definition]", bad);
        var refused = await marketing.RunAndWaitForResponseAsync(() => marketing.ClickAsync("button[data-action=save]"), r => r.Request.Method == "POST");
        Assert.Equal(422, refused.Status);
        Assert.Equal("steps.wait.next: no step 'nowhere'", (await marketing.TextContentAsync("[role=alert] [data-field='steps.wait.next']"))?.Trim());
        Assert.Equal(bad, await marketing.InputValueAsync("textarea[name=Definition]"));
        var api = await server.Client.PutAsJsonAsync("/api/programs/drip", JsonDocument.Parse(bad).RootElement);
        var problem = await api.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("no step 'nowhere'", problem.GetProperty("errors").GetProperty("steps.wait.next")[0].GetString()); // the API says the same
        Assert.Equal("Drip v2", (await ProgramAsync(server, "drip")).GetProperty("name").GetString());
        await Screenshots.TakeAsync(marketing, "program-editor-error-laptop");

        // Text that is not JSON is refused with its line.
        await marketing.FillAsync("textarea[name=Definition]", "{\n  \"name\": \"x\",\n  oops\n}");
        await marketing.ClickAsync("button[data-action=save]");
        Assert.StartsWith("json: line 3:", (await marketing.TextContentAsync("[role=alert] [data-field=json]"))?.Trim());

        // Activate, then pause.
        await OpenAsync(marketing, server, "/programs/drip/edit");
        await marketing.ClickAsync("button[data-action=activate]");
        await marketing.ArrivesAtAsync("**/programs/drip?saved=1");
        Assert.Equal("active", (await ProgramAsync(server, "drip")).GetProperty("status").GetString());
        await OpenAsync(marketing, server, "/programs/drip/edit");
        await marketing.ClickAsync("button[data-action=pause]");
        await marketing.ArrivesAtAsync("**/programs/drip?saved=1");
        Assert.Equal("paused", (await ProgramAsync(server, "drip")).GetProperty("status").GetString());

        // A new program from the example the editor offers.
        await OpenAsync(marketing, server, "/programs");
        await marketing.ClickAsync("a[href='/new-program']");
        await marketing.ClickAsync("button[data-action=save]");
        await marketing.ArrivesAtAsync("**/programs/welcome?saved=1");
        Assert.Equal("Welcome", (await ProgramAsync(server, "welcome")).GetProperty("name").GetString());

        // A post without the anti-forgery token is refused, even from marketing.
        var forged = await marketing.APIRequest.PostAsync(new Uri(server.Address, "/programs/drip/edit").ToString(), new()
        {
            Form = FormOf(marketing, ("_handler", "program"), ("Definition", bad.Replace("nowhere", "end"))), MaxRedirects = 0,
        });
        Assert.Equal(400, forged.Status);

        // Sales and viewers read the program but get no editor; the editor page and a post with their own valid token are refused (403).
        foreach (var email in new[] { "sales@programs.test", "viewer@programs.test" })
        {
            var reader = await SignInAsync(browser, server, email);
            await OpenAsync(reader, server, "/programs/drip");
            Assert.Equal("wait 5 days", (await reader.TextContentAsync("[data-step=wait] .summary"))?.Trim());
            Assert.Equal(0, await reader.Locator("a[href='/programs/drip/edit']").CountAsync());
            await OpenAsync(reader, server, "/programs");
            Assert.Equal(0, await reader.Locator("a[href='/new-program']").CountAsync());
            await OpenAsync(reader, server, "/programs/drip/edit", 403);
            Assert.Contains("/denied", reader.Url);
            await OpenAsync(reader, server, "/programs");
            var token = await reader.GetAttributeAsync("form.language input[name=__RequestVerificationToken]", "value");
            var post = await reader.APIRequest.PostAsync(new Uri(server.Address, "/programs/drip/edit").ToString(), new()
            {
                Form = FormOf(reader, ("__RequestVerificationToken", token!), ("_handler", "program"), ("Definition", bad.Replace("nowhere", "end"))),
            });
            Assert.Equal(403, post.Status);
            Assert.Contains("/denied", post.Url);
            Assert.Equal("Drip v2", (await ProgramAsync(server, "drip")).GetProperty("name").GetString());
        }
        Assert.Equal(0, dialogs);
    }

    private static IFormData FormOf(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields) form.Set(name, value);
        return form;
    }
}
