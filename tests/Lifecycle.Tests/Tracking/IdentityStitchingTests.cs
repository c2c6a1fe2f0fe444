using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Lifecycle.Access;
using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tests.Tracking;

public class IdentityStitchingTests
{
    private static async Task<(RunningServer Server, HttpClient Client)> StartAsync(string engine)
    {
        var server = await RunningServer.StartAsync(engine);
        await using var db = server.Database.Database.Open();
        var key = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "site", TimeProvider.System);
        var client = server.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":")));
        return (server, client);
    }

    private static async Task Send(HttpClient client, string path, string json)
    {
        var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task An_identifying_visitor_becomes_an_inquiry_from_its_first_touch_and_keeps_its_anonymous_history(string engine)
    {
        var (server, client) = await StartAsync(engine);
        await using var _ = server;
        await using (var db = server.Database.Database.Open())
        {
            db.Campaigns.Add(new Campaign { Id = "cmp-search-jp", Name = "検索広告 2026", Channel = "paid_search" });
            await db.SaveChangesAsync();
        }
        // First touch: a paid-search click; second: a direct visit. Then the form identifies the visitor.
        await Send(client, "/v1/page", """{"anonymousId":"anon-1","messageId":"p1","timestamp":"2026-04-01T09:00:00Z","context":{"page":{"url":"https://example.jp/?utm_medium=cpc&utm_source=google&utm_campaign=cmp-search-jp","referrer":"https://www.google.co.jp/"}}}""");
        await Send(client, "/v1/page", """{"anonymousId":"anon-1","messageId":"p2","timestamp":"2026-04-03T09:00:00Z","context":{"page":{"url":"https://example.jp/pricing"}}}""");
        await Send(client, "/v1/identify", """{"anonymousId":"anon-1","userId":"sato@example.jp","messageId":"i1","timestamp":"2026-04-03T09:05:00Z","traits":{"email":"Sato@Example.jp","name":"佐藤 花子","title":"マーケティング部長"}}""");
        await Send(client, "/v1/page", """{"anonymousId":"anon-1","messageId":"p3","timestamp":"2026-04-05T09:00:00Z"}""");

        await using var check = server.Database.Database.Open();
        var contact = await check.Contacts.SingleAsync();
        Assert.Equal("sato@example.jp", contact.Email);
        Assert.Equal(("佐藤", "花子", "マーケティング部長"), (contact.FirstName, contact.LastName, contact.Title));
        Assert.Equal(ContactStatus.Inquiry, contact.Status);
        Assert.Equal("paid_search", contact.LeadSource);
        Assert.Equal("cmp-search-jp", contact.CampaignId);
        var transition = await check.Transitions.SingleAsync();
        Assert.Equal((ContactStatus.Inquiry, "rule:tracking_identify", "cmp-search-jp"), (transition.ToStatus, transition.Actor, transition.CampaignId));
        Assert.Equal(new DateTime(2026, 4, 3, 9, 5, 0, DateTimeKind.Utc), transition.At);
        // The anonymous history before, and the visit after identifying, are the contact's.
        Assert.Equal(["i1", "p1", "p2", "p3"], await check.Events.Where(e => e.ContactId == contact.Id).OrderBy(e => e.MessageId).Select(e => e.MessageId).ToListAsync());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Two_contacts_with_the_same_email_merge_without_losing_history(string engine)
    {
        var (server, client) = await StartAsync(engine);
        await using var _ = server;
        await using (var db = server.Database.Database.Open())
        {
            db.Contacts.Add(new Contact { Id = "crm-1", Email = "lucia@ejemplo.es", FirstName = "Lucía", CreatedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Status = ContactStatus.Lead });
            db.Transitions.Add(new Transition { ContactId = "crm-1", ToStatus = ContactStatus.Lead, At = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Actor = "import" });
            await db.SaveChangesAsync();
        }
        // The app knows her as u-77 without an e-mail first; later the same person identifies with her e-mail.
        await Send(client, "/v1/identify", """{"userId":"u-77","messageId":"i1","timestamp":"2026-02-01T10:00:00Z","traits":{"title":"CMO"}}""");
        await Send(client, "/v1/track", """{"userId":"u-77","event":"Webinar Attended","messageId":"t1","timestamp":"2026-02-02T10:00:00Z"}""");
        await Send(client, "/v1/identify", """{"userId":"u-77","messageId":"i2","timestamp":"2026-02-03T10:00:00Z","traits":{"email":"lucia@ejemplo.es"}}""");
        await Send(client, "/v1/track", """{"userId":"u-77","event":"Demo Requested","messageId":"t2","timestamp":"2026-02-04T10:00:00Z"}""");

        await using var check = server.Database.Database.Open();
        var survivor = await check.Contacts.SingleAsync();
        Assert.Equal(("crm-1", "Lucía", "CMO"), (survivor.Id, survivor.FirstName, survivor.Title));
        Assert.Equal(["i1", "i2", "t1", "t2"], await check.Events.Where(e => e.ContactId == "crm-1").OrderBy(e => e.MessageId).Select(e => e.MessageId).ToListAsync());
        // Both contacts' transitions are kept: the import's lead and u-77's inquiry.
        Assert.Equal(2, await check.Transitions.CountAsync(t => t.ContactId == "crm-1"));
        Assert.Equal(ContactStatus.Lead, survivor.Status);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Alias_links_an_earlier_anonymous_id_to_a_known_contact(string engine)
    {
        var (server, client) = await StartAsync(engine);
        await using var _ = server;
        await using (var db = server.Database.Database.Open())
        {
            db.Contacts.Add(new Contact { Id = "c-5", Email = "kim@example.kr", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        await Send(client, "/v1/page", """{"anonymousId":"anon-kr","messageId":"p1","timestamp":"2026-02-01T10:00:00Z"}""");
        await Send(client, "/v1/alias", """{"previousId":"anon-kr","userId":"c-5","messageId":"a1","timestamp":"2026-02-01T10:01:00Z"}""");
        await Send(client, "/v1/page", """{"anonymousId":"anon-kr","messageId":"p2","timestamp":"2026-02-01T10:02:00Z"}""");

        await using var check = server.Database.Database.Open();
        Assert.Equal(["a1", "p1", "p2"], await check.Events.Where(e => e.ContactId == "c-5").OrderBy(e => e.MessageId).Select(e => e.MessageId).ToListAsync());
    }
}
