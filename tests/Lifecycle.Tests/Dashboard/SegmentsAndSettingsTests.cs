using System.Globalization;
using Lifecycle.Access;
using Lifecycle.Contacts;
using Lifecycle.Scoring;
using Lifecycle.Segments;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

using static Lifecycle.Tests.Dashboard.DashboardSession;

namespace Lifecycle.Tests.Dashboard;

/// <summary>The segments and settings pages in a real Chromium: live counts, escaping, roles enforced on every post.</summary>
public class SegmentsAndSettingsTests
{
    /// <summary>Clicks a submit button and answers the response of the page the form post leads to.</summary>
    private static async Task<IResponse> SubmitAsync(IPage page, string button)
    {
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync(button), r => r.Request.Method == "POST");
        await page.LoadedAsync();
        return response;
    }

    /// <summary>A post made by hand with the user's own valid anti-forgery token (taken from the language form), as a forger would.</summary>
    private static async Task<IAPIResponse> ForgedPostAsync(IPage page, RunningServer server, string path, params (string Name, string Value)[] fields)
    {
        var token = await page.GetAttributeAsync("form.language input[name=__RequestVerificationToken]", "value");
        var form = page.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", token!);
        foreach (var (name, value) in fields) form.Set(name, value);
        return await page.APIRequest.PostAsync(new Uri(server.Address, path).ToString(), new() { Form = form });
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Editing_a_segment_shows_its_count_live_and_a_bad_filter_its_position_without_saving(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        await UserAsync(server, "sales@segments.test", UserRole.Sales);
        await using (var db = server.Database.Database.Open())
        {
            Contact Person(string id, ContactStatus status, string country) =>
                new() { Id = id, Email = $"{id}@example.test", Status = status, Country = country, CreatedAt = DateTime.UtcNow.AddDays(-1) };
            db.Contacts.AddRange(Person("c-1", ContactStatus.Mql, "JP"), Person("c-2", ContactStatus.Inquiry, "JP"),
                Person("c-3", ContactStatus.Mql, "KR"), Person("c-4", ContactStatus.Customer, "ES"));
            await db.SaveChangesAsync();
        }
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await SignInAsync(browser, server, "sales@segments.test");
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        // Typing counts as you go: MQLs are c-1 and c-3 (2); of them only c-1 is in JP (1).
        await OpenAsync(page, server, "/segments/edit");
        const string name = "<script>alert(1)</script> MQLs";
        await page.FillAsync("input[name='Input.Name']", name);
        await page.FillAsync("textarea", "status = 'mql'");
        await Expect(page.Locator("[data-live-count]")).ToHaveTextAsync("2 members");
        await page.FillAsync("textarea", "status = 'mql' and country = 'JP'");
        await Expect(page.Locator("[data-live-count]")).ToHaveTextAsync("1 member");
        await Screenshots.TakeAsync(page, $"segment-editor-{engine}-laptop");
        await page.ClickAsync("button[value=save]");
        await page.ArrivesAtAsync("**/segments?saved=*");

        // The list shows the name as text and the count of the saved filter.
        var row = page.Locator("[data-table=segments] tbody tr");
        Assert.Equal(1, await row.CountAsync());
        Assert.Equal(name, (await row.Locator("td[data-column=name]").TextContentAsync())?.Trim());
        Assert.Equal("1", (await row.Locator("td[data-column=members]").TextContentAsync())?.Trim());
        await Screenshots.TakeAsync(page, $"segments-{engine}-laptop");

        // Editing it: MQLs and inquiries are c-1, c-2, c-3 (3).
        await row.Locator("a:text('Edit')").ClickAsync();
        await page.ArrivesAtAsync("**/segments/edit/*");
        Assert.Equal("status = 'mql' and country = 'JP'", await page.InputValueAsync("textarea"));
        await page.FillAsync("textarea", "status in ('mql', 'inquiry')");
        await Expect(page.Locator("[data-live-count]")).ToHaveTextAsync("3 members");

        // A filter that does not parse says where while typing ("status = 'mql' and " is 19 characters, so 'colour' is at 20)…
        const string bad = "status = 'mql' and colour = 'red'";
        await page.FillAsync("textarea", bad);
        await Expect(page.Locator("[data-live-count]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Position 20: unknown field 'colour'"));
        Assert.Equal("error", await page.GetAttributeAsync("[data-live-count]", "class"));
        // …and on save, which keeps what was typed and saves nothing.
        var refused = await SubmitAsync(page, "button[value=save]");
        Assert.Equal(400, refused.Status);
        Assert.StartsWith("Position 20: unknown field 'colour'", (await page.TextContentAsync("[data-live-count]"))?.Trim());
        Assert.Equal(bad, await page.InputValueAsync("textarea"));
        await using (var db = server.Database.Database.Open())
            Assert.Equal("status = 'mql' and country = 'JP'", (await db.Set<Segment>().SingleAsync()).Definition);

        // Without the script the Count button counts on the server: customers are c-4 alone.
        await page.FillAsync("textarea", "status = 'customer'");
        var counted = await SubmitAsync(page, "button[value=count]");
        Assert.Equal(200, counted.Status);
        Assert.Equal("1 member", (await page.TextContentAsync("[data-live-count]"))?.Trim());

        // Members and their CSV: c-1 alone.
        await OpenAsync(page, server, "/segments");
        await page.Locator("td[data-column=name] a").ClickAsync();
        await page.ArrivesAtAsync(new System.Text.RegularExpressions.Regex("/segments/\\d+$"));
        Assert.Equal(1, await page.Locator("[data-table=members] tbody tr").CountAsync());
        var csv = await page.APIRequest.GetAsync(new Uri(server.Address, (await page.GetAttributeAsync("a.export", "href"))!).ToString());
        Assert.Equal(200, csv.Status);
        var lines = (await csv.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("contact_id,email,first_name,last_name,title,status,account_id", lines[0]);
        Assert.Equal(["c-1"], lines.Skip(1).Select(l => l.Split(',')[0]).ToArray());
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task Settings_pages_render_the_demo_data_at_laptop_and_phone_width()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        await ImportDemoAsync(server, 300);
        await UserAsync(server, "admin@settings.test", UserRole.Admin);
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await SignInAsync(browser, server, "admin@settings.test");
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        var pages = new (string Name, string Path, string Shows)[]
        {
            ("settings", "/settings", "a[href='/settings/keys']"),
            ("settings-scoring", "/settings/scoring", "[data-section=engagement] tbody tr"),
            ("settings-scoring-edit", "/settings/scoring/edit", "textarea"),
            ("settings-lifecycle", "/settings/lifecycle", "input[name='Thresholds.MqlThreshold']"),
            ("settings-targets", "/settings/targets", "select[name='Input.Metric'] option"),
            ("settings-keys", "/settings/keys", "[data-table=keys] tbody tr"),
            ("settings-email", "/settings/email", "[data-table=smtp] tr"),
            ("settings-webhooks", "/settings/webhooks", "input[name=Events]"),
            ("settings-users", "/settings/users", "select[name='RoleInput.UserId'] option"),
            ("segments-demo", "/segments", "main h1"),
        };
        foreach (var (size, width, height) in Screenshots.Sizes)
        {
            await page.SetViewportSizeAsync(width, height);
            foreach (var (name, path, shows) in pages)
            {
                await OpenAsync(page, server, path);
                Assert.True(await page.IsVisibleAsync("main h1"), $"{path}: a heading");
                Assert.True(await page.Locator(shows).CountAsync() > 0, $"{path}: {shows}");
                await Screenshots.TakeAsync(page, $"{name}-{size}");
            }
        }
        // The scoring page shows the current model: the default's MQL threshold of 100.
        await OpenAsync(page, server, "/settings/scoring");
        Assert.Contains("MQL at a score of 100", await page.TextContentAsync("[data-section=thresholds]"));
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task Sales_cannot_edit_the_scoring_model_a_viewer_changes_nothing_and_marketing_saves_a_new_version()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        await UserAsync(server, "sales@settings.test", UserRole.Sales);
        await UserAsync(server, "viewer@settings.test", UserRole.Viewer);
        await UserAsync(server, "marketing@settings.test", UserRole.Marketing);
        await using (var db = server.Database.Database.Open())
            await ScoringModels.CurrentAsync(db, TimeProvider.System, default); // version 1, the default model
        async Task<int> VersionsAsync()
        {
            await using var db = server.Database.Database.Open();
            return await db.Set<ScoringModelVersion>().CountAsync();
        }
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;

        // Sales read the model but get no form, the editor is refused, and so is a forged post of a model.
        var sales = await SignInAsync(browser, server, "sales@settings.test");
        await OpenAsync(sales, server, "/settings/scoring");
        Assert.Equal(0, await sales.Locator("main form").CountAsync());
        Assert.Equal(0, await sales.Locator("a[href='/settings/scoring/edit']").CountAsync());
        await OpenAsync(sales, server, "/settings/scoring/edit", 403);
        await OpenAsync(sales, server, "/settings/lifecycle", 403);
        await OpenAsync(sales, server, "/settings");
        var forged = await ForgedPostAsync(sales, server, "/settings/scoring/edit", ("_handler", "model"), ("Input.Json", "{\"mql_threshold\": 1}"));
        Assert.Equal(403, forged.Status);
        Assert.Contains("/denied", forged.Url);
        Assert.Equal(1, await VersionsAsync());
        // Sales may set targets.
        await OpenAsync(sales, server, "/settings/targets");

        // A viewer is refused every editor and every post, with a valid token of their own.
        var viewer = await SignInAsync(browser, server, "viewer@settings.test");
        await OpenAsync(viewer, server, "/segments");
        Assert.Equal(0, await viewer.Locator("a[href='/segments/edit']").CountAsync());
        foreach (var path in new[] { "/segments/edit", "/settings/targets", "/settings/keys", "/settings/users", "/settings/scoring/edit", "/settings/lifecycle", "/settings/webhooks", "/settings/email" })
            await OpenAsync(viewer, server, path, 403);
        await OpenAsync(viewer, server, "/segments");
        foreach (var (path, fields) in new (string, (string, string)[])[]
        {
            ("/segments/edit", [("_handler", "segment"), ("Input.Name", "all"), ("Input.Definition", "status = lead"), ("Input.Action", "save")]),
            ("/settings/targets", [("_handler", "set-target"), ("Input.Metric", "nurture.mqls"), ("Input.Month", "2026-01"), ("Input.Value", "5")]),
            ("/settings/keys", [("_handler", "create-key"), ("Input.Name", "mine"), ("Input.Kind", "Secret")]),
            ("/settings/lifecycle", [("_handler", "sla"), ("Sla.BusinessDays", "9")]),
            ("/settings/webhooks", [("_handler", "create-webhook"), ("Input.Url", "https://hooks.example.test/x"), ("Events", "deal.won")]),
            ("/settings/users", [("_handler", "change-role"), ("RoleInput.UserId", "1"), ("RoleInput.Role", "Admin")]),
        })
        {
            var response = await ForgedPostAsync(viewer, server, path, fields);
            Assert.Equal(403, response.Status);
        }
        await using (var db = server.Database.Database.Open())
        {
            Assert.Equal(0, await db.Set<Segment>().CountAsync());
            Assert.Equal(0, await db.Set<Lifecycle.Reports.MetricTarget>().CountAsync());
            Assert.Equal(1, await db.ApiKeys.CountAsync()); // the test client's own key
            Assert.Equal(2, (await Lifecycle.Pipeline.SalesQueue.SettingsAsync(db)).SlaBusinessDays);
            Assert.Equal(0, await db.Set<Lifecycle.Pipeline.Webhooks.Webhook>().CountAsync());
            Assert.Equal(0, await db.Set<User>().CountAsync(u => u.Role == UserRole.Admin));
        }

        // Marketing edit the model: a bad rule is refused naming it, a good one is a new version, current after the rescore.
        var marketing = await SignInAsync(browser, server, "marketing@settings.test");
        await OpenAsync(marketing, server, "/settings/keys", 403);
        await OpenAsync(marketing, server, "/settings/scoring/edit");
        var json = await marketing.InputValueAsync("textarea");
        Assert.Contains("\"mql_threshold\": 100", json);
        await marketing.FillAsync("textarea", "{\"mql_threshold\": 80, \"fit\": [{\"id\": \"x\", \"field\": \"shoe_size\", \"op\": \"in\", \"values\": [\"9\"], \"points\": 5}]}");
        var refused = await SubmitAsync(marketing, "main form button:text('Save as a new version')");
        Assert.Equal(400, refused.Status);
        Assert.Contains("shoe_size", await marketing.TextContentAsync("[role=status]"));
        Assert.Equal(1, await VersionsAsync());
        await marketing.FillAsync("textarea", json.Replace("\"mql_threshold\": 100", "\"mql_threshold\": 80"));
        await marketing.ClickAsync("main form button:text('Save as a new version')");
        await Expect(marketing.Locator("[role=status]").First).ToContainTextAsync("Version 2 saved");
        await marketing.ClickAsync("button:text('Rescore everyone with version 2')");
        await Expect(marketing.Locator("[data-section=rescore] [role=status]")).ToContainTextAsync("Version 2 is current");
        await OpenAsync(marketing, server, "/settings/scoring");
        Assert.Contains("MQL at a score of 80", await marketing.TextContentAsync("[data-section=thresholds]"));

        // The SLA is a lifecycle threshold marketing may change.
        await OpenAsync(marketing, server, "/settings/lifecycle");
        await marketing.FillAsync("input[name='Sla.BusinessDays']", "3");
        await marketing.ClickAsync("[data-section=sla] button");
        await Expect(marketing.Locator("[data-section=sla] [role=status]")).ToHaveTextAsync("Saved.");
        await using (var db = server.Database.Database.Open())
            Assert.Equal(3, (await Lifecycle.Pipeline.SalesQueue.SettingsAsync(db)).SlaBusinessDays);
    }

    [Fact]
    public async Task An_admin_sees_a_new_keys_secret_once_revokes_it_and_changes_a_users_role_and_password()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        await UserAsync(server, "admin@settings.test", UserRole.Admin);
        await UserAsync(server, "viewer@settings.test", UserRole.Viewer);
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var admin = await SignInAsync(browser, server, "admin@settings.test");

        await OpenAsync(admin, server, "/settings/keys");
        await admin.FillAsync("input[name='Input.Name']", "<b>website</b>");
        await admin.SelectOptionAsync("select[name='Input.Kind']", "Write");
        await admin.ClickAsync("button:text('Create key')");
        var secret = (await admin.TextContentAsync("[data-new-key]"))!.Trim();
        Assert.StartsWith("lc_wk_", secret);
        await Screenshots.TakeAsync(admin, "settings-keys-created-laptop");
        await using (var db = server.Database.Database.Open())
            Assert.NotNull(await ApiKeys.FindAsync(db, secret, ApiKeyKind.Write));
        // Shown once: the list has its prefix only, and the page opened again shows no secret.
        var created = admin.Locator("[data-table=keys] tbody tr", new() { HasText = "<b>website</b>" });
        Assert.Equal(secret[..12] + "…", (await created.Locator("code").TextContentAsync())?.Trim());
        await OpenAsync(admin, server, "/settings/keys");
        Assert.Equal(0, await admin.Locator("[data-new-key]").CountAsync());
        Assert.DoesNotContain(secret, await admin.ContentAsync());

        await created.Locator("button:text('Revoke')").ClickAsync();
        await Expect(admin.Locator("[role=status]")).ToHaveTextAsync("The key is revoked.");
        await using (var db = server.Database.Database.Open())
            Assert.Null(await ApiKeys.FindAsync(db, secret, ApiKeyKind.Write));

        // Users: the viewer becomes marketing with a new password, and signs in with it.
        await OpenAsync(admin, server, "/settings/users");
        await admin.SelectOptionAsync("select[name='RoleInput.UserId']", new SelectOptionValue { Label = "viewer@settings.test" });
        await admin.SelectOptionAsync("select[name='RoleInput.Role']", "Marketing");
        await admin.ClickAsync("button:text('Change role')");
        await Expect(admin.Locator("[role=status]")).ToHaveTextAsync("The role is changed.");
        await admin.SelectOptionAsync("select[name='PasswordInput.UserId']", new SelectOptionValue { Label = "viewer@settings.test" });
        await admin.FillAsync("input[name='PasswordInput.Password']", "a brand new password");
        await admin.ClickAsync("button:text('Reset password')");
        await Expect(admin.Locator("[role=status]")).ToHaveTextAsync("The password is reset.");
        // The last admin cannot stop being one.
        await admin.SelectOptionAsync("select[name='RoleInput.UserId']", new SelectOptionValue { Label = "admin@settings.test" });
        await admin.SelectOptionAsync("select[name='RoleInput.Role']", "Viewer");
        await admin.ClickAsync("button:text('Change role')");
        await Expect(admin.Locator("[role=status]")).ToHaveTextAsync("Not changed: the last admin stays an admin.");

        var promoted = await SignInAsync(browser, server, "viewer@settings.test", "a brand new password");
        Assert.Contains("(marketing)", await promoted.TextContentAsync(".who"));
    }

    [Fact]
    public async Task Webhook_secrets_are_shown_once_the_smtp_password_never_and_a_test_email_is_queued()
    {
        const string smtpPassword = "hunter2-smtp-secret";
        await using var server = await RunningServer.StartAsync("sqlite",
            "--Lifecycle:Email:SmtpHost=127.0.0.1", "--Lifecycle:Email:SmtpPort=1", $"--Lifecycle:Email:SmtpPassword={smtpPassword}",
            "--Lifecycle:Email:FromAddress=news@example.test", "--Lifecycle:Email:PostalAddress=1 Main St, Springfield",
            "--Lifecycle:Email:PublicBaseUrl=https://lifecycle.example.test", "--Lifecycle:SigningKey=settings-test-signing-key-0123456789");
        await UserAsync(server, "marketing@settings.test", UserRole.Marketing);
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await SignInAsync(browser, server, "marketing@settings.test");

        await OpenAsync(page, server, "/settings/email");
        Assert.Equal("set", (await page.TextContentAsync("[data-password]"))?.Trim());
        Assert.DoesNotContain(smtpPassword, await page.ContentAsync());
        Assert.Equal("marketing@settings.test", await page.InputValueAsync("input[name='Input.To']"));
        await page.FillAsync("input[name='Input.To']", "ops@example.test");
        await page.ClickAsync("button:text('Send test e-mail')");
        await Expect(page.Locator("[role=status]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Test e-mail msg_[0-9a-f]+ queued for ops@example.test\\.$"));
        await using (var db = server.Database.Database.Open())
        {
            var message = await db.Set<Lifecycle.Email.EmailMessage>().SingleAsync();
            Assert.Equal(("ops@example.test", "system:test", (string?)null), (message.ToAddress, message.TemplateId, message.ContactId));
        }

        // A loopback target is refused with the API's reason; a public one is saved and its secret shown once.
        await OpenAsync(page, server, "/settings/webhooks");
        await page.FillAsync("input[name='Input.Url']", "http://127.0.0.1:9/hook");
        await page.CheckAsync("input[name=Events] >> nth=0");
        await page.ClickAsync("button:text('Create webhook')");
        await Expect(page.Locator("[role=status]")).ToContainTextAsync("loopback");
        await page.FillAsync("input[name='Input.Url']", "https://hooks.example.test/lifecycle");
        await page.CheckAsync("input[name=Events] >> nth=0");
        await page.ClickAsync("button:text('Create webhook')");
        var secret = (await page.TextContentAsync("[data-new-secret]"))!.Trim();
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(1, await page.Locator("[data-table=webhooks] tbody tr").CountAsync());
        await OpenAsync(page, server, "/settings/webhooks");
        Assert.DoesNotContain(secret, await page.ContentAsync());
        await page.ClickAsync("[data-table=webhooks] button:text('Delete')");
        await Expect(page.Locator("[role=status]")).ToHaveTextAsync("Deleted.");
        Assert.Equal(0, await page.Locator("[data-table=webhooks] tbody tr").CountAsync());
    }
}
