using System.Net.Http.Json;
using System.Net;
using Lifecycle.Access;
using Lifecycle.Contacts;
using Lifecycle.Tests.Support;
using Microsoft.Playwright;

namespace Lifecycle.Tests.Dashboard;

/// <summary>The dashboard in a real Chromium: sign-in, roles, escaping, and the numbers it shows.</summary>
public class DashboardBrowserTests
{
    private const string AdminPassword = "correct horse battery";
    private const string ViewerPassword = "viewer password 1";

    private static async Task<RunningServer> StartWithDataAsync(params string[] settings)
    {
        var server = await RunningServer.StartAsync("sqlite", settings);
        await using var db = server.Database.Database.Open();
        Assert.NotNull((await Users.CreateAsync(db, "Ana@Example.es", "Ana Muñoz", UserRole.Admin, AdminPassword, TimeProvider.System)).User);
        Assert.NotNull((await Users.CreateAsync(db, "viewer@example.jp", "山田 花子", UserRole.Viewer, ViewerPassword, TimeProvider.System)).User);

        // This month: two contacts enter inquiry, one of them goes on to lead and MQL; a third is an MQL of last month.
        var now = DateTime.UtcNow;
        var thisMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        Contact Person(string id, string first, string last, string email, ContactStatus status) =>
            new() { Id = id, FirstName = first, LastName = last, Email = email, Status = status, CreatedAt = thisMonth };
        db.Contacts.AddRange(
            Person("c-1", "健太", "佐藤", "kenta@example.jp", ContactStatus.Mql),
            Person("c-2", "<script>alert(1)</script>", "\"><img src=x onerror=alert(2)>", "xss@example.com", ContactStatus.Inquiry),
            Person("c-3", "지민", "김", "jimin@example.kr", ContactStatus.Mql));
        db.Transitions.AddRange(
            new Transition { ContactId = "c-1", ToStatus = ContactStatus.Inquiry, At = thisMonth.AddHours(1), Actor = "api" },
            new Transition { ContactId = "c-1", FromStatus = ContactStatus.Inquiry, ToStatus = ContactStatus.Lead, At = thisMonth.AddHours(2), Actor = "rule:selected_for_marketing" },
            new Transition { ContactId = "c-1", FromStatus = ContactStatus.Lead, ToStatus = ContactStatus.Mql, At = thisMonth.AddHours(3), Actor = "rule:qualified_by_marketing", Reason = "score 105" },
            new Transition { ContactId = "c-2", ToStatus = ContactStatus.Inquiry, At = thisMonth.AddHours(4), Actor = "api" },
            new Transition { ContactId = "c-3", FromStatus = ContactStatus.Lead, ToStatus = ContactStatus.Mql, At = thisMonth.AddDays(-3), Actor = "api" });
        await db.SaveChangesAsync();
        return server;
    }

    private static async Task SignInAsync(IPage page, Uri server, string email, string password)
    {
        await page.GotoAsync(new Uri(server, "/login").ToString());
        await page.FillAsync("input[type=email]", email);
        await page.FillAsync("input[type=password]", password);
        await page.ClickAsync("main button[type=submit]");
    }

    [Fact]
    public async Task A_user_signs_in_sees_this_months_numbers_and_a_contacts_timeline_with_everything_escaped()
    {
        await using var server = await StartWithDataAsync();
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        // Signed out, a page sends you to sign in and back.
        await page.GotoAsync(new Uri(server.Address, "/contacts").ToString());
        Assert.Contains("/login", page.Url);
        await Screenshots.TakeAsync(page, "login-laptop");
        await page.FillAsync("input[type=email]", "ana@example.es");
        await page.FillAsync("input[type=password]", "wrong password!");
        await page.ClickAsync("main button[type=submit]");
        Assert.Equal("The e-mail or the password is wrong.", (await page.TextContentAsync("[role=alert]"))?.Trim());
        await page.FillAsync("input[type=email]", "ana@example.es");
        await page.FillAsync("input[type=password]", AdminPassword);
        await page.ClickAsync("main button[type=submit]");
        await page.ArrivesAtAsync("**/contacts");
        Assert.Equal(3, await page.Locator("tbody tr").CountAsync());
        await Screenshots.TakeAsync(page, "contacts-laptop");

        // The overview counts transitions into each status this month: inquiries 2 (c-1, c-2), MQLs 1 (c-1; c-3's
        // MQL was last month).
        await page.GotoAsync(server.Address.ToString());
        Assert.StartsWith("2", (await page.TextContentAsync("[data-metric='capture.inquiries'] .value"))!);
        Assert.Equal("1", (await page.TextContentAsync("[data-metric='nurture.mqls'] .value"))?.Trim());
        // The same numbers as the API's lifecycle report for the month.
        var now = DateTime.UtcNow;
        var month = new DateOnly(now.Year, now.Month, 1);
        var report = await server.Client.GetFromJsonAsync<System.Text.Json.JsonElement>(
            $"/api/reports/lifecycle?from={month:yyyy-MM-dd}&to={month.AddMonths(1):yyyy-MM-dd}");
        foreach (var metric in new[] { "capture.inquiries", "nurture.mqls", "nurture.new_leads" })
            Assert.Equal(report.GetProperty("metrics").GetProperty(metric).GetDouble().ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en-US")),
                (await page.TextContentAsync($"[data-metric='{metric}'] .value"))?.Trim());
        await Screenshots.TakeAsync(page, "overview-laptop");

        // What people typed is shown as text, never run.
        await page.GotoAsync(new Uri(server.Address, "/contacts/c-2").ToString());
        Assert.Contains("<script>alert(1)</script>", await page.TextContentAsync("h1"));
        await page.GotoAsync(new Uri(server.Address, "/contacts/c-1").ToString());
        Assert.Contains("健太 佐藤", await page.TextContentAsync("h1"));
        Assert.Contains("lead → mql", await page.TextContentAsync("table"));
        Assert.Contains("score 105", await page.TextContentAsync("table"));
        await Screenshots.TakeAsync(page, "contact-timeline-laptop");
        Assert.Equal(0, dialogs);

        // Phone width: the same pages stay usable.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(server.Address.ToString());
        Assert.True(await page.IsVisibleAsync("[data-stage='Convert']"));
        await Screenshots.TakeAsync(page, "overview-phone");

        await page.ClickAsync("form.signout button");
        await page.ArrivesAtAsync("**/login");
        await page.GotoAsync(new Uri(server.Address, "/contacts").ToString());
        Assert.Contains("/login", page.Url);
    }

    [Fact]
    public async Task Only_an_admin_manages_users_and_a_viewer_is_turned_away()
    {
        await using var server = await StartWithDataAsync();
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;

        var viewer = await browser.NewPageAsync();
        await SignInAsync(viewer, server.Address, "viewer@example.jp", ViewerPassword);
        await viewer.ArrivesAtAsync(server.Address.ToString());
        Assert.Equal(0, await viewer.Locator("a[href='/settings/users']").CountAsync());
        var denied = await viewer.GotoAsync(new Uri(server.Address, "/settings/users").ToString());
        Assert.Equal(403, denied!.Status);
        Assert.Contains("/denied", viewer.Url);

        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, server.Address, "ana@example.es", AdminPassword);
        await admin.ArrivesAtAsync(server.Address.ToString());
        await admin.ClickAsync("a[href='/settings/users']");
        await admin.FillAsync("input[name='Input.Name']", "Carlos Pérez");
        await admin.FillAsync("input[name='Input.Email']", "carlos@example.es");
        await admin.SelectOptionAsync("select[name='Input.Role']", "Sales");
        await admin.FillAsync("input[name='Input.Password']", "short");
        await admin.ClickAsync("button:text('Add user')");
        Assert.Contains("at least 12 characters", await admin.TextContentAsync("[role=status]"));
        await admin.FillAsync("input[name='Input.Password']", "long enough password");
        await admin.ClickAsync("button:text('Add user')");
        Assert.Contains("carlos@example.es can now sign in as sales", await admin.TextContentAsync("[role=status]"));
        await Screenshots.TakeAsync(admin, "users-laptop");

        var sales = await browser.NewPageAsync();
        await SignInAsync(sales, server.Address, "carlos@example.es", "long enough password");
        await sales.ArrivesAtAsync(server.Address.ToString());
        Assert.Contains("Carlos Pérez (sales)", await sales.TextContentAsync(".who"));
    }

    [Fact]
    public async Task The_dashboard_speaks_the_browsers_language_until_another_is_picked_and_shows_times_in_the_workspace_zone()
    {
        await using var server = await StartWithDataAsync("--Lifecycle:Workspace:TimeZone=Asia/Tokyo");
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "ja-JP" });
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(server.Address, "/login").ToString());
        Assert.Equal("サインイン", (await page.TextContentAsync("h1"))?.Trim());
        Assert.Equal("ja", await page.GetAttributeAsync("html", "lang"));
        await page.FillAsync("input[type=email]", "ana@example.es");
        await page.FillAsync("input[type=password]", AdminPassword);
        await page.ClickAsync("main button[type=submit]");
        await page.ArrivesAtAsync(server.Address.ToString());
        Assert.Contains("概要", await page.TextContentAsync("header nav"));
        await Screenshots.TakeAsync(page, "overview-ja-laptop");

        await page.GotoAsync(new Uri(server.Address, "/contacts").ToString());
        Assert.Equal("3 件のコンタクト", (await page.TextContentAsync("p.muted"))?.Trim());

        // c-1 became an MQL at 03:00 UTC on the 1st of this month: 12:00 the same day in Tokyo (UTC+9).
        await page.GotoAsync(new Uri(server.Address, "/contacts/c-1").ToString());
        Assert.Contains("日時 (Asia/Tokyo)", await page.TextContentAsync("thead"));
        var now = DateTime.UtcNow;
        var mqlInTokyo = new DateTime(now.Year, now.Month, 1, 12, 0, 0);
        var mqlRow = page.Locator("tbody tr", new() { HasText = "lead → mql" });
        Assert.Equal(mqlInTokyo.ToString("g", System.Globalization.CultureInfo.GetCultureInfo("ja-JP")), (await mqlRow.Locator("td").First.TextContentAsync())?.Trim());
        await Screenshots.TakeAsync(page, "contact-timeline-ja-laptop");

        // Picking Spanish keeps the page and sticks for the next ones.
        await page.SelectOptionAsync("form.language select", "es");
        await page.ClickAsync("form.language button");
        await page.ArrivesAtAsync("**/contacts/c-1");
        Assert.Equal("Cronología", (await page.TextContentAsync("main h2:not(.card h2)"))?.Trim());
        await page.GotoAsync(server.Address.ToString());
        Assert.Contains("Resumen", await page.TextContentAsync("header nav"));
        Assert.Equal("es", await page.GetAttributeAsync("html", "lang"));
        await Screenshots.TakeAsync(page, "overview-es-laptop");

        // A language we do not offer is never stored.
        Assert.Null(Lifecycle.Dashboard.Localization.DashboardCulture.CookieValue("xx"));
        Assert.Equal("c=ko|uic=ko", Lifecycle.Dashboard.Localization.DashboardCulture.CookieValue("ko"));
    }

    [Fact]
    public async Task Pages_carry_security_headers_and_a_form_post_without_its_antiforgery_token_is_refused()
    {
        await using var server = await StartWithDataAsync();
        using var client = server.AnonymousClient();
        var login = await client.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("frame-ancestors 'none'", login.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", login.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", login.Headers.GetValues("X-Content-Type-Options").Single());

        var forged = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login", ["Input.Email"] = "ana@example.es", ["Input.Password"] = AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.DoesNotContain(forged.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("lifecycle=")));

        // A return address elsewhere is ignored after sign-in: no open redirect.
        Assert.Equal("/", Lifecycle.Dashboard.Dashboard.LocalOrHome("//evil.example/path"));
        Assert.Equal("/", Lifecycle.Dashboard.Dashboard.LocalOrHome("https://evil.example/"));
        Assert.Equal("/", Lifecycle.Dashboard.Dashboard.LocalOrHome("/\\evil.example"));
        Assert.Equal("/contacts?q=ana", Lifecycle.Dashboard.Dashboard.LocalOrHome("/contacts?q=ana"));
    }
}
