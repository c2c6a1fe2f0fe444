using Lifecycle.Access;
using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Tests.Tracking;

/// <summary>The tracking script on a customer's website (another origin), in a real Chromium.</summary>
public class TrackingScriptBrowserTests
{
    private static async Task<(WebApplication Site, string Address)> StartWebsiteAsync(Uri lifecycle, string writeKey)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var site = builder.Build();
        string Page(string title, string body) => $$"""
            <!doctype html><html lang="es"><head><meta charset="utf-8"><title>{{title}}</title>
            <script async src="{{lifecycle}}lifecycle.js" data-write-key="{{writeKey}}"></script></head>
            <body>{{body}}</body></html>
            """;
        site.MapGet("/webinar", () => Results.Content(Page("Webinar: métricas del ciclo de vida", """
            <form id="registro" action="/gracias" method="get">
              <input name="first_name"><input name="last_name"><input type="email" name="email">
              <button type="submit">Registrarme</button>
            </form>
            """), "text/html; charset=utf-8"));
        site.MapGet("/gracias", () => Results.Content(Page("Gracias", "<p>¡Gracias!</p>"), "text/html; charset=utf-8"));
        await site.StartAsync();
        return (site, site.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    [Fact]
    public async Task Page_views_with_utm_a_form_submission_and_the_anonymous_history_end_up_on_one_new_inquiry()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        string key;
        await using (var db = server.Database.Database.Open())
        {
            key = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "website", TimeProvider.System);
            db.Campaigns.Add(new Campaign { Id = "cmp-webinar-es", Name = "Webinar LinkedIn ES", Channel = "paid_social" });
            await db.SaveChangesAsync();
        }
        var (site, siteAddress) = await StartWebsiteAsync(server.Address, key);
        await using var _ = site;
        var (playwright, browser) = await Browser.LaunchAsync();
        using var __ = playwright;
        await using var ___ = browser;

        var page = await browser.NewPageAsync();
        await page.GotoAsync($"{siteAddress}/webinar?utm_source=linkedin&utm_medium=paid_social&utm_campaign=cmp-webinar-es",
            new() { Referer = "https://www.linkedin.com/feed/" });
        await page.WaitForFunctionAsync("() => window.lifecycle !== undefined");
        await page.FillAsync("input[name=first_name]", "José");
        await page.FillAsync("input[name=last_name]", "Núñez");
        await page.FillAsync("input[name=email]", "Jose.Nunez@Ejemplo.es");
        await page.ClickAsync("button[type=submit]");
        await page.ArrivesAtAsync("**/gracias**");
        await page.WaitForFunctionAsync("() => window.lifecycle !== undefined");
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "lc_aid").Value;

        // Beacons are asynchronous: wait until the thank-you page view has arrived and is linked.
        Contact? contact = null;
        for (var attempt = 0; attempt < 100 && contact is null; attempt++)
        {
            await Task.Delay(100);
            await using var db = server.Database.Database.Open();
            var linkedPages = await db.Events.CountAsync(e => e.Type == "page" && e.ContactId != null);
            if (linkedPages == 2) contact = await db.Contacts.SingleOrDefaultAsync();
        }
        Assert.NotNull(contact);
        Assert.Equal(("jose.nunez@ejemplo.es", "José", "Núñez"), (contact.Email, contact.FirstName, contact.LastName));
        Assert.Equal((ContactStatus.Inquiry, "paid_social", "cmp-webinar-es"), (contact.Status, contact.LeadSource, contact.CampaignId));

        await using var check = server.Database.Database.Open();
        var events = await check.Events.OrderBy(e => e.Timestamp).ToListAsync();
        Assert.Equal(["identify", "page", "page", "track"], events.Select(e => e.Type).Order());
        Assert.All(events, e => Assert.Equal(contact.Id, e.ContactId));
        Assert.All(events, e => Assert.Equal(cookie, e.AnonymousId));
        Assert.Equal("Form Submitted", events.Single(e => e.Type == "track").Name);
        var landing = events.First(e => e.Type == "page");
        Assert.Contains("\"medium\":\"paid_social\"", landing.Payload);
        Assert.Contains("linkedin.com", landing.Payload);
    }
}
