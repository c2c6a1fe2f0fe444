using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Access;
using Lifecycle.Capture;
using Lifecycle.Contacts;
using Lifecycle.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Lifecycle.Tests.Capture;

/// <summary>The hosted landing page and the embedded form in a real Chromium, with script payloads typed in.</summary>
public class CaptureBrowserTests
{
    private const string ScriptName = "<script>alert(1)</script>";
    private const string ImageEmail = "<img src=x onerror=alert(2)>";

    [Fact]
    public async Task The_hosted_page_shows_what_a_visitor_typed_escaped_runs_no_script_and_captures_a_lead()
    {
        await using var server = await CaptureApiTests.StartWithFormAsync("sqlite", CaptureApiTests.WebinarForm(consentRequired: true));
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) => { dialogs.Add(dialog.Message); await dialog.DismissAsync(); };

        await page.GotoAsync($"{server.Address}f/webinar?utm_source=newsletter&utm_medium=email");
        Assert.Equal("Lifecycle metrics webinar", await page.InnerTextAsync("h1"));
        foreach (var (name, width, height) in Screenshots.Sizes)
        {
            await page.SetViewportSizeAsync(width, height);
            await Screenshots.TakeAsync(page, $"capture-landing-page-{name}");
        }
        await page.FillAsync("#f-first_name", ScriptName);
        await page.FillAsync("#f-email", ImageEmail);
        await page.ClickAsync("button[type=submit]");

        // Refused on the server: each reason shows under its field, and the typed values come back as text.
        Assert.Equal($"'{ImageEmail}' is not a valid email address", await page.InnerTextAsync("#f-email ~ .field-error"));
        Assert.Equal("your consent is required to send this form", await page.InnerTextAsync(".consent ~ .field-error"));
        Assert.Equal(ScriptName, await page.InputValueAsync("#f-first_name"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('script, img[src=x]').length"));
        var html = await page.ContentAsync();
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", html);
        await Screenshots.TakeAsync(page, "capture-landing-page-errors-phone");

        await page.FillAsync("#f-email", "Ada@Example.org");
        await page.CheckAsync("input[name=consent]");
        await page.ClickAsync("button[type=submit]");
        Assert.Equal("Thanks, see you at the webinar!", await page.InnerTextAsync(".thanks"));
        Assert.Empty(dialogs);

        // Through the API: the contact with its name kept as typed, its consent, and the page views it made.
        var contacts = await CaptureApiTests.Expect(await server.Client.GetAsync("/api/contacts?email=ada@example.org"), HttpStatusCode.OK);
        var contact = contacts.GetProperty("items")[0];
        Assert.Equal((ScriptName, "lead"), (contact.GetProperty("first_name").GetString(), contact.GetProperty("status").GetString()));
        Assert.Equal("email", contact.GetProperty("lead_source").GetString());
        var id = contact.GetProperty("id").GetString();
        var consents = await CaptureApiTests.Expect(await server.Client.GetAsync($"/api/contacts/{id}/consents"), HttpStatusCode.OK);
        Assert.Equal(("form", "frm-webinar"), (consents.GetProperty("history")[0].GetProperty("source").GetString(), consents.GetProperty("history")[0].GetProperty("source_id").GetString()));
        var export = await CaptureApiTests.Expect(await server.Client.GetAsync($"/api/contacts/{id}/privacy-export"), HttpStatusCode.OK);
        // One view (the GET; the refused post re-renders the page, which is not a new view) and one submission.
        Assert.Equal(["Form Submitted", "Form Viewed"], export.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "track").Select(e => e.GetProperty("name").GetString()).Order());
    }

    private static async Task<(WebApplication Site, string Address)> StartWebsiteAsync(Uri lifecycle, string writeKey)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var site = builder.Build();
        var origin = lifecycle.GetLeftPart(UriPartial.Authority);
        site.MapGet("/events/webinar", (HttpContext http) =>
        {
            // The customer's own strict policy: scripts and requests only from itself and Lifecycle.
            http.Response.Headers.ContentSecurityPolicy = $"default-src 'self'; script-src {origin}; connect-src {origin}; style-src 'self'";
            return Results.Content($$"""
                <!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>Webinar</title>
                <script async src="{{origin}}/lifecycle.js" data-write-key="{{writeKey}}"></script></head>
                <body><h1>Webinar de métricas</h1>
                <script async src="{{origin}}/forms.js" data-form="webinar"></script>
                </body></html>
                """, "text/html; charset=utf-8");
        });
        await site.StartAsync();
        return (site, site.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    [Fact]
    public async Task The_embedded_form_on_another_origin_shows_errors_then_thanks_and_joins_the_visitors_page_views()
    {
        await using var server = await CaptureApiTests.StartWithFormAsync("sqlite", CaptureApiTests.WebinarForm());
        string key;
        await using (var db = server.Database.Database.Open()) key = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "site", TimeProvider.System);
        var (site, siteAddress) = await StartWebsiteAsync(server.Address, key);
        await using var _ = site;
        var (playwright, browser) = await Browser.LaunchAsync();
        using var __ = playwright;
        await using var ___ = browser;
        var page = await browser.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) => { dialogs.Add(dialog.Message); await dialog.DismissAsync(); };
        var violations = new List<string>();
        page.Console += (_, message) => { if (message.Text.Contains("Content Security Policy")) violations.Add(message.Text); };

        await page.GotoAsync($"{siteAddress}/events/webinar?utm_source=partner&utm_medium=referral");
        await page.WaitForSelectorAsync("form[data-lifecycle-form=webinar] input[name=email]");
        await page.FillAsync("input[name=first_name]", ScriptName);
        await page.FillAsync("input[name=email]", ImageEmail);
        await page.ClickAsync("form[data-lifecycle-form] button[type=submit]");
        await page.WaitForFunctionAsync("() => document.querySelector('.lifecycle-error').textContent.length > 0");
        Assert.Equal($"'{ImageEmail}' is not a valid email address", await page.InnerTextAsync(".lifecycle-error"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('img').length"));

        await page.FillAsync("input[name=email]", "joao@exemplo.com.br");
        await page.CheckAsync("input[name=consent]");
        await page.ClickAsync("form[data-lifecycle-form] button[type=submit]");
        await page.WaitForSelectorAsync(".lifecycle-thanks");
        Assert.Equal("Thanks, see you at the webinar!", await page.InnerTextAsync(".lifecycle-thanks"));
        Assert.Empty(dialogs);
        Assert.Empty(violations);
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "lc_aid").Value;

        // The page view lifecycle.js sent before the submission is the visitor's: it joins the contact.
        await using var check = server.Database.Database.Open();
        var contact = await check.Contacts.SingleAsync();
        Assert.Equal((ScriptName, ContactStatus.Lead, true), (contact.FirstName, contact.Status, contact.Consent));
        Contact? found = null;
        for (var attempt = 0; attempt < 50 && found is null; attempt++)
        {
            await using var db = server.Database.Database.Open();
            if (await db.Events.AnyAsync(e => e.Type == "page" && e.ContactId == contact.Id)) found = contact;
            else await Task.Delay(100);
        }
        Assert.NotNull(found);
        var events = await check.Events.Where(e => e.AnonymousId == cookie).ToListAsync();
        // One submission only: the tracking script leaves Lifecycle's own forms to the server.
        Assert.Equal(1, events.Count(e => e.Name == Submissions.FormSubmitted));
        var viewed = events.Single(e => e.Name == Submissions.FormViewed);
        using var payload = JsonDocument.Parse(viewed.Payload);
        Assert.Equal($"{siteAddress}/events/webinar", payload.RootElement.GetProperty("properties").GetProperty("page").GetString());
        var stats = await CaptureApiTests.Expect(await server.Client.GetAsync("/api/forms/frm-webinar/stats?from=2000-01-01&to=2100-01-01"), HttpStatusCode.OK);
        Assert.Equal((1, 1), (stats.GetProperty("views").GetInt32(), stats.GetProperty("submissions").GetInt32()));
    }
}
